package dev.rewind.delta;

import static dev.rewind.delta.Deltas.commands;
import static dev.rewind.delta.Deltas.patch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DeltaEncoder#encodeReverse}: the delta that rebuilds the older file from the newer one,
 * found by comparing the files in place where they line up and by the rsync algorithm elsewhere.
 * A failure names its seed; re-run one with {@code -Ddelta.seed=<seed>}.
 */
class ReverseDeltaTest {
  private static final long SEED = Long.getLong("delta.seed", System.nanoTime());
  private static final Pattern LITERAL = Pattern.compile("L(\\d+)");

  @TempDir Path dir;

  @Test
  void randomEdits_smallAndMidSizedFiles_rebuildOlder() throws IOException {
    for (int i = 0; i < 300; i++) {
      long seed = SEED + i;
      Random rnd = new Random(seed);
      byte[] newer = random(rnd, rnd.nextInt(4) == 0 ? rnd.nextInt(200) : rnd.nextInt(300_000));
      StringBuilder story = new StringBuilder();
      byte[] older = DeltaPropertiesTest.mutate(rnd, newer, story);
      byte[] delta = encodeReverse(newer, older);
      assertArrayEquals(older, patch(newer, delta), () -> "seed " + seed + ": " + story);
    }
  }

  @Test
  void randomEdits_filesSpanningSeveralChunks_rebuildOlder() throws IOException {
    for (int i = 0; i < 6; i++) {
      long seed = SEED + 1000 + i;
      Random rnd = new Random(seed);
      byte[] newer = random(rnd, (3 << 20) + rnd.nextInt(1 << 20));
      StringBuilder story = new StringBuilder();
      byte[] older = i % 2 == 0 ? overwriteInPlace(rnd, newer, 6, story) : DeltaPropertiesTest.mutate(rnd, newer, story);
      byte[] delta = encodeReverse(newer, older);
      assertArrayEquals(older, patch(newer, delta), () -> "seed " + seed + ": " + story);
    }
  }

  @Test
  void inPlaceEdits_literalIsAboutTheEditedBytesOnly() throws IOException {
    long seed = SEED + 2000;
    Random rnd = new Random(seed);
    byte[] newer = random(rnd, 4 << 20);
    byte[] older = newer.clone();
    int edited = 0;
    for (int at : new int[] {100_000, (1 << 20) - 3000, 2_500_000, (4 << 20) - 9000}) {
      byte[] noise = random(rnd, 5000);
      System.arraycopy(noise, 0, older, at, noise.length);
      edited += noise.length;
    }
    byte[] delta = encodeReverse(newer, older);
    assertArrayEquals(older, patch(newer, delta));
    // The rsync algorithm would send every touched 2 KiB block whole; in place, an edit costs its
    // own bytes (a random byte may still equal the old one at either end of an edit).
    long literal = literalBytes(delta);
    int editedBytes = edited;
    assertTrue(literal <= editedBytes && literal > editedBytes - 40, () -> "seed " + seed + ": " + literal + " literal bytes for "
        + editedBytes + " edited: " + commands(delta));
  }

  @Test
  void grownFile_olderIsItsPrefix_isOneCopy() throws IOException {
    byte[] newer = random(new Random(SEED), 2_500_000);
    byte[] older = Arrays.copyOf(newer, 1_700_000);
    byte[] delta = encodeReverse(newer, older);
    assertEquals("C0+1700000/14 E", commands(delta));
  }

  @Test
  void shiftedContent_fallsBackToRsyncAndStaysSmall() throws IOException {
    long seed = SEED + 3000;
    Random rnd = new Random(seed);
    byte[] older = random(rnd, 3 << 20);
    // 100 bytes inserted near the start: nothing lines up at the same offset after them.
    byte[] newer = DeltaEncoderTest.concat(Arrays.copyOf(older, 5000), random(rnd, 100),
        Arrays.copyOfRange(older, 5000, older.length));
    byte[] delta = encodeReverse(newer, older);
    assertArrayEquals(older, patch(newer, delta));
    assertTrue(delta.length < 10_000, () -> "seed " + seed + ": " + delta.length + " bytes: " + commands(delta));
  }

  @Test
  void longDifferingStretch_thatLinesUpAgainLater_goesToRsyncNotOneBigLiteral() throws IOException {
    long seed = SEED + 3500;
    Random rnd = new Random(seed);
    byte[] older = random(rnd, 2 << 20);
    // 300 KB shifted by one byte, then both line up again at the same offsets: the shifted part
    // exists in the newer file, so rsync copies it, where an in-place literal would hold all of it.
    byte[] newer = older.clone();
    System.arraycopy(older, 100_000, newer, 100_001, 300_000);
    byte[] delta = encodeReverse(newer, older);
    assertArrayEquals(older, patch(newer, delta));
    assertTrue(literalBytes(delta) < 20_000, () -> "seed " + seed + ": " + literalBytes(delta)
        + " literal bytes: " + commands(delta));
  }

  @Test
  void changedTail_ofALargelyEqualFile_isOneLiteral() throws IOException {
    Random rnd = new Random(SEED + 4000);
    byte[] newer = random(rnd, 1_000_000);
    byte[] older = newer.clone();
    byte[] tail = random(rnd, 3000);
    System.arraycopy(tail, 0, older, older.length - tail.length, tail.length);
    // Neither end of the changed tail may agree with the newer file by chance.
    older[older.length - tail.length - 1] = (byte) ~newer[older.length - tail.length - 1];
    older[older.length - 1] = (byte) ~newer[older.length - 1];
    byte[] delta = encodeReverse(newer, older);
    assertArrayEquals(older, patch(newer, delta));
    assertEquals(tail.length + 1, literalBytes(delta), commands(delta));
  }

  @Test
  void emptyFiles_everyCombination_rebuildOlder() throws IOException {
    byte[] some = random(new Random(SEED + 5000), 70_000);
    for (byte[][] pair : new byte[][][] {{new byte[0], new byte[0]}, {new byte[0], some}, {some, new byte[0]}}) {
      byte[] delta = encodeReverse(pair[0], pair[1]);
      assertArrayEquals(pair[1], patch(pair[0], delta));
    }
  }

  private byte[] encodeReverse(byte[] newer, byte[] older) throws IOException {
    Path n = Files.write(dir.resolve("newer"), newer);
    Path o = Files.write(dir.resolve("older"), older);
    ByteArrayOutputStream delta = new ByteArrayOutputStream();
    try (FileChannel nc = FileChannel.open(n); FileChannel oc = FileChannel.open(o)) {
      DeltaEncoder.encodeReverse(nc, oc, delta);
    }
    return delta.toByteArray();
  }

  private static byte[] overwriteInPlace(Random rnd, byte[] newer, int edits, StringBuilder story) {
    byte[] older = newer.clone();
    for (int e = 0; e < edits; e++) {
      byte[] noise = random(rnd, 1 + rnd.nextInt(20_000));
      int at = rnd.nextInt(older.length - noise.length);
      System.arraycopy(noise, 0, older, at, noise.length);
      story.append("overwrite[").append(at).append('+').append(noise.length).append("] ");
    }
    return older;
  }

  private static long literalBytes(byte[] delta) {
    long sum = 0;
    Matcher m = LITERAL.matcher(commands(delta));
    while (m.find()) {
      sum += Long.parseLong(m.group(1));
    }
    return sum;
  }

  private static byte[] random(Random rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }
}
