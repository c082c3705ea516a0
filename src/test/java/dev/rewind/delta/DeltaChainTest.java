package dev.rewind.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Composing delta chains in memory gives what applying them one after another gives. */
class DeltaChainTest {
  @TempDir Path dir;

  @Test
  void randomChains_composed_equalSequentialPatches() throws IOException {
    for (long seed = 1; seed <= 60; seed++) {
      Chain c = chain(seed, 1 << 20);
      assertArrayEquals(c.last(), compose(c, Long.MAX_VALUE).bytes, c.story.toString());
    }
  }

  @Test
  void smallLiteralBudget_fallsBackToWritingOut_sameResult() throws IOException {
    int refusals = 0;
    for (long seed = 100; seed <= 140; seed++) {
      Chain c = chain(seed, 1 << 20);
      Result r = compose(c, 150);
      assertArrayEquals(c.last(), r.bytes, c.story.toString());
      refusals += r.refusals;
    }
    assertTrue(refusals > 0, "the budget never forced a write-out");
  }

  @Test
  void copyBeyondCurrentVersion_isFormatError_evenIfWithinBasis() throws IOException {
    byte[] basis = DeltaEncoderTest.random(1000, 3);
    DeltaChain chain = DeltaChain.over(basis.length, 1 << 20);
    assertTrue(chain.apply(new ByteArrayInputStream(Deltas.delta().copy(0, 1, 10, 1).end().build())));
    assertEquals(10, chain.size());
    byte[] beyond = Deltas.delta().copy(5, 1, 6, 1).end().build();
    DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> chain.apply(new ByteArrayInputStream(beyond)));
    assertTrue(e.getMessage().contains("outside the basis of 10 bytes"), e.getMessage());
  }

  @Test
  void refusedDelta_leavesVersionUnchanged() throws IOException {
    byte[] basis = DeltaEncoderTest.random(5000, 4);
    Path file = write(basis);
    DeltaChain chain = DeltaChain.over(basis.length, 10);
    byte[] tooMuch = Deltas.delta().copy(0, 2, 300, 2).op(0x41).be(20, 1).bytes(new byte[20]).end().build();
    assertFalse(chain.apply(new ByteArrayInputStream(tooMuch)));
    try (FileChannel ch = FileChannel.open(file)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      chain.writeTo(ch, out);
      assertArrayEquals(basis, out.toByteArray());
    }
  }

  private record Chain(List<byte[]> versions, List<byte[]> deltas, StringBuilder story) {
    byte[] last() {
      return versions.get(versions.size() - 1);
    }
  }

  private record Result(byte[] bytes, int refusals) {}

  /** A basis and up to 9 versions, each a random edit of the one before, with the deltas between. */
  private static Chain chain(long seed, int maxSize) throws IOException {
    Random rnd = new Random(seed);
    StringBuilder story = new StringBuilder("seed " + seed + ": ");
    List<byte[]> versions = new ArrayList<>();
    List<byte[]> deltas = new ArrayList<>();
    versions.add(DeltaEncoderTest.random(rnd.nextInt(maxSize / 8 + 1), seed));
    for (int i = rnd.nextInt(10); i > 0; i--) {
      byte[] before = versions.get(versions.size() - 1);
      byte[] after = DeltaPropertiesTest.mutate(rnd, before, story);
      int block = 16 << rnd.nextInt(6);
      deltas.add(Deltas.encode(Deltas.signature(before, block, 8, SignatureKind.MD4_ROLLSUM), after));
      versions.add(after);
    }
    return new Chain(versions, deltas, story);
  }

  /** What ContentReconstructor does: compose while it fits, else write out and start again. */
  private Result compose(Chain c, long budget) throws IOException {
    byte[] basis = c.versions.get(0);
    DeltaChain chain = DeltaChain.over(basis.length, budget);
    int refusals = 0;
    for (byte[] delta : c.deltas) {
      if (!chain.apply(new ByteArrayInputStream(delta))) {
        refusals++;
        ByteArrayOutputStream next = new ByteArrayOutputStream();
        try (FileChannel ch = FileChannel.open(write(basis))) {
          DeltaPatcher.apply(chain.channel(ch), new ByteArrayInputStream(delta), next);
        }
        basis = next.toByteArray();
        chain = DeltaChain.over(basis.length, budget);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (FileChannel ch = FileChannel.open(write(basis))) {
      chain.writeTo(ch, out);
    }
    return new Result(out.toByteArray(), refusals);
  }

  private Path write(byte[] b) throws IOException {
    Path p = Files.createTempFile(dir, "basis", "");
    Files.write(p, b);
    return p;
  }
}
