package dev.rewind.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rewind.testing.Proc;
import dev.rewind.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java codec against librsync's rdiff: same signatures, and deltas that apply both ways. */
@Tag("interop")
class RdiffInteropIT {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  @TempDir Path dir;

  @BeforeEach
  void needRdiff() {
    Tools.require("rdiff");
  }

  @Test
  void signature_allKindsStrongLengthsAndBlockSizes_byteIdenticalToRdiff() throws IOException {
    byte[] data = random(100_003, 1);
    Path file = write("data", data);
    Path empty = write("empty", new byte[0]);
    for (SignatureKind kind : SignatureKind.values()) {
      for (int strong : new int[] {8, 16}) {
        for (int block : new int[] {64, 100, 2048}) {
          for (Path f : List.of(file, empty)) {
            Path sig = dir.resolve("rdiff.sig");
            rdiff(sigArgs(kind, strong, block, f, sig));
            byte[] java = SignatureTest.bytes(Signature.compute(Files.newInputStream(f), block, strong, kind));
            assertArrayEquals(Files.readAllBytes(sig), java, kind + " -S " + strong + " -b " + block + " " + f);
          }
        }
      }
    }
  }

  @Test
  void signature_readFromRdiffOutput_equalsComputed() throws IOException {
    Path file = write("data", random(50_000, 2));
    Path sig = dir.resolve("rdiff.sig");
    rdiff(List.of("rdiff", "-f", "-b", "512", "signature", file.toString(), sig.toString()));
    try (InputStream in = Files.newInputStream(sig)) {
      Signature read = Signature.readFrom(in);
      assertEquals(SignatureKind.BLAKE2_RABINKARP, read.kind()); // rdiff 2.3 defaults
      assertEquals(Signature.compute(Files.newInputStream(file), 512, read.strongLength(), read.kind()), read);
    }
  }

  @Test
  void rdiffDelta_appliedByDeltaPatcher_rebuildsTarget() throws IOException {
    Random rnd = new Random(3);
    for (SignatureKind kind : SignatureKind.values()) {
      for (int round = 0; round < 3; round++) {
        byte[] basis = random(20_000 + rnd.nextInt(200_000), rnd.nextLong());
        byte[] target = edit(basis, rnd);
        Path b = write("basis", basis);
        Path t = write("target", target);
        Path sig = dir.resolve("sig");
        Path delta = dir.resolve("delta");
        rdiff(sigArgs(kind, 8, 64 << round, b, sig));
        rdiff(List.of("rdiff", "-f", "delta", sig.toString(), t.toString(), delta.toString()));
        assertArrayEquals(target, javaPatch(b, delta), kind + " round " + round);
      }
    }
  }

  @Test
  void javaDelta_appliedByRdiffPatch_rebuildsTarget() throws IOException {
    Random rnd = new Random(4);
    for (SignatureKind kind : SignatureKind.values()) {
      for (int round = 0; round < 3; round++) {
        byte[] basis = random(20_000 + rnd.nextInt(200_000), rnd.nextLong());
        byte[] target = edit(basis, rnd);
        Signature sig = Deltas.signature(basis, 64 << round, 8, kind);
        assertArrayEquals(target, rdiffPatch(basis, Deltas.encode(sig, target)), kind + " round " + round);
      }
    }
  }

  @Test
  void javaDelta_withRdiffSignature_appliedByRdiffPatch() throws IOException {
    byte[] basis = random(300_000, 5);
    byte[] target = edit(basis, new Random(6));
    Path b = write("basis", basis);
    Path sigFile = dir.resolve("sig");
    rdiff(List.of("rdiff", "-f", "signature", b.toString(), sigFile.toString()));
    Signature sig;
    try (InputStream in = Files.newInputStream(sigFile)) {
      sig = Signature.readFrom(in);
    }
    assertArrayEquals(target, rdiffPatch(basis, Deltas.encode(sig, target)));
  }

  @Test
  void reverseDelta_twentyMegabytes_appliedByRdiffPatch() throws IOException {
    byte[] newer = random(20 << 20, 7);
    byte[] older = edit(newer, new Random(8));
    assertReverseDeltaRebuilds(newer, older);
  }

  @Test
  void reverseDelta_inPlaceEdits_appliedByRdiffPatch() throws IOException {
    byte[] newer = random(20 << 20, 10);
    byte[] older = newer.clone();
    Random rnd = new Random(11);
    for (int e = 0; e < 12; e++) {
      byte[] noise = random(1 + rnd.nextInt(9000), rnd.nextLong());
      System.arraycopy(noise, 0, older, rnd.nextInt(older.length - noise.length), noise.length);
    }
    assertReverseDeltaRebuilds(newer, older);
  }

  /** rdiff patch and Rewind's patcher both turn newer into older with encodeReverse's delta. */
  private void assertReverseDeltaRebuilds(byte[] newer, byte[] older) throws IOException {
    Path n = write("newer", newer);
    Path o = write("older", older);
    Path delta = dir.resolve("delta");
    try (FileChannel ni = FileChannel.open(n); FileChannel oi = FileChannel.open(o);
        OutputStream d = Files.newOutputStream(delta)) {
      DeltaEncoder.encodeReverse(ni, oi, d);
    }
    Path out = dir.resolve("out");
    rdiff(List.of("rdiff", "-f", "patch", n.toString(), delta.toString(), out.toString()));
    assertEquals(-1, Files.mismatch(out, o));
    assertArrayEquals(older, javaPatch(n, delta));
  }

  @Test
  void emptyFiles_everyCombination_roundTripThroughBothTools() throws IOException {
    byte[] some = random(1000, 9);
    for (byte[][] pair : new byte[][][] {{new byte[0], new byte[0]}, {new byte[0], some}, {some, new byte[0]}}) {
      byte[] basis = pair[0];
      byte[] target = pair[1];
      byte[] javaDelta = Deltas.encode(Deltas.signature(basis, 64, 8, SignatureKind.MD4_ROLLSUM), target);
      assertArrayEquals(target, rdiffPatch(basis, javaDelta));
      Path b = write("basis", basis);
      Path sig = dir.resolve("sig");
      Path delta = dir.resolve("delta");
      rdiff(sigArgs(SignatureKind.MD4_ROLLSUM, 8, 64, b, sig));
      rdiff(List.of("rdiff", "-f", "delta", sig.toString(), write("target", target).toString(), delta.toString()));
      assertArrayEquals(target, javaPatch(b, delta));
    }
  }

  @Test
  void eightByteWidthsEverywhere_acceptedByBothTools() throws IOException {
    byte[] basis = random(5000, 10);
    byte[] lit = random(100, 11);
    byte[] delta = Deltas.delta().op(0x44).be(lit.length, 8).bytes(lit)
        .copy(4000, 8, 1000, 8).copy(0, 8, 1, 8).op(0x44).be(1, 8).bytes(new byte[] {42}).end().build();
    byte[] expected = DeltaEncoderTest.concat(lit, Arrays.copyOfRange(basis, 4000, 5000), new byte[] {basis[0], 42});
    assertArrayEquals(expected, rdiffPatch(basis, delta));
    assertArrayEquals(expected, Deltas.patch(basis, delta));
  }

  private List<String> sigArgs(SignatureKind kind, int strong, int block, Path in, Path out) {
    return List.of("rdiff", "-f", "-H", kind.usesBlake2() ? "blake2" : "md4",
        "-R", kind.usesRabinKarp() ? "rabinkarp" : "rollsum", "-S", Integer.toString(strong),
        "-b", Integer.toString(block), "signature", in.toString(), out.toString());
  }

  private byte[] rdiffPatch(byte[] basis, byte[] delta) throws IOException {
    Path b = write("p-basis", basis);
    Path d = write("p-delta", delta);
    Path out = dir.resolve("p-out");
    rdiff(List.of("rdiff", "-f", "patch", b.toString(), d.toString(), out.toString()));
    return Files.readAllBytes(out);
  }

  private static byte[] javaPatch(Path basis, Path delta) throws IOException {
    try (FileChannel b = FileChannel.open(basis); InputStream d = Files.newInputStream(delta)) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      DeltaPatcher.apply(b, d, out);
      return out.toByteArray();
    }
  }

  private void rdiff(List<String> command) {
    Proc.run(command, dir, Map.of(), TIMEOUT).expect(0);
  }

  private Path write(String name, byte[] data) throws IOException {
    return Files.write(dir.resolve(name), data);
  }

  /** A few overwrites, insertions and deletions at random places. */
  private static byte[] edit(byte[] basis, Random rnd) {
    List<byte[]> parts = new ArrayList<>();
    int from = 0;
    int edits = 1 + rnd.nextInt(20);
    for (int e = 0; e < edits && from < basis.length; e++) {
      int at = from + rnd.nextInt(Math.max(1, (basis.length - from) / 2));
      parts.add(Arrays.copyOfRange(basis, from, at));
      parts.add(random(rnd.nextInt(3000), rnd.nextLong()));
      from = Math.min(basis.length, at + rnd.nextInt(3000));
    }
    parts.add(Arrays.copyOfRange(basis, from, basis.length));
    return DeltaEncoderTest.concat(parts.toArray(new byte[0][]));
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
