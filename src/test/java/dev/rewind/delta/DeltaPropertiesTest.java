package dev.rewind.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * patch(basis, encode(signature(basis), target)) == target over seeded random cases. A failure
 * names its seed; re-run one with {@code -Ddelta.seed=<seed>}.
 */
class DeltaPropertiesTest {
  private static final long SEED = Long.getLong("delta.seed", System.nanoTime());
  private static final SignatureKind[] KINDS = SignatureKind.values();

  @Test
  void roundTrip_randomEditsOnSmallFiles_reproducesTarget() throws IOException {
    for (int i = 0; i < 400; i++) {
      long seed = SEED + i;
      Random rnd = new Random(seed);
      int blockLength = pickBlockLength(rnd);
      byte[] basis = content(rnd, pickSize(rnd, blockLength));
      StringBuilder story = new StringBuilder();
      byte[] target = mutate(rnd, basis, story);
      check(seed, rnd, basis, target, blockLength, story);
    }
  }

  @Test
  void roundTrip_boundarySizes_reproducesTarget() throws IOException {
    long seed = SEED;
    Random rnd = new Random(seed);
    for (int blockLength : new int[] {1, 2, 16, 64}) {
      int[] sizes = {0, 1, blockLength - 1, blockLength, blockLength + 1, 2 * blockLength - 1,
          2 * blockLength, 2 * blockLength + 1};
      for (int basisSize : sizes) {
        for (int targetSize : sizes) {
          byte[] basis = content(rnd, Math.max(0, basisSize));
          byte[] target = Arrays.copyOf(basis, Math.max(0, targetSize)); // a prefix, or zero-padded
          check(seed, rnd, basis, target, blockLength,
              new StringBuilder("basis " + basisSize + ", target " + targetSize));
          byte[] suffix = Arrays.copyOfRange(basis, Math.max(0, basis.length - Math.max(0, targetSize)), basis.length);
          check(seed, rnd, basis, suffix, blockLength, new StringBuilder("suffix of " + basisSize));
        }
      }
    }
  }

  @Test
  void roundTrip_filesLargerThanEncoderBuffer_reproducesTarget() throws IOException {
    for (int i = 0; i < 8; i++) {
      long seed = SEED + 1000 + i;
      Random rnd = new Random(seed);
      int blockLength = 256 << rnd.nextInt(5);
      byte[] basis = content(rnd, 300_000 + rnd.nextInt(900_000));
      StringBuilder story = new StringBuilder();
      byte[] target = mutate(rnd, basis, story);
      check(seed, rnd, basis, target, blockLength, story);
    }
  }

  @Test
  void roundTrip_identicalFiles_giveOneCopy() throws IOException {
    for (int i = 0; i < 50; i++) {
      long seed = SEED + 2000 + i;
      Random rnd = new Random(seed);
      int blockLength = pickBlockLength(rnd);
      byte[] basis = content(rnd, 1 + rnd.nextInt(20_000));
      SignatureKind kind = KINDS[rnd.nextInt(KINDS.length)];
      byte[] d = Deltas.encode(Deltas.signature(basis, blockLength, 8, kind), basis);
      String cmds = Deltas.commands(d);
      assertEquals("C0+" + basis.length, cmds.substring(0, cmds.indexOf('/')),
          () -> "seed " + seed + " " + kind + " block " + blockLength + ": " + cmds);
    }
  }

  private static void check(long seed, Random rnd, byte[] basis, byte[] target, int blockLength,
      StringBuilder story) throws IOException {
    SignatureKind kind = KINDS[rnd.nextInt(KINDS.length)];
    int strongLength = rnd.nextBoolean() ? 8 : kind.maxStrongLength();
    String what = "seed " + seed + " (-Ddelta.seed), " + kind + "/" + strongLength + ", block "
        + blockLength + ", basis " + basis.length + ", target " + target.length + ": " + story;
    Signature sig = Signature.compute(stream(rnd, basis), blockLength, strongLength, kind);
    ByteArrayOutputStream delta = new ByteArrayOutputStream();
    DeltaEncoder.encode(sig, stream(rnd, target), delta);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      DeltaPatcher.apply(new MemoryChannel(basis), stream(rnd, delta.toByteArray()), out);
    } catch (DeltaFormatException e) {
      throw new AssertionError(what, e);
    }
    assertArrayEquals(target, out.toByteArray(), what);
  }

  /** Whole-array or trickled reads, so refill paths are hit too. */
  private static InputStream stream(Random rnd, byte[] data) {
    return rnd.nextInt(3) == 0 ? new TrickleInputStream(data, rnd) : new ByteArrayInputStream(data);
  }

  private static int pickBlockLength(Random rnd) {
    int[] fixed = {1, 2, 3, 7, 16, 64};
    return rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(300) : fixed[rnd.nextInt(fixed.length)];
  }

  private static int pickSize(Random rnd, int blockLength) {
    return switch (rnd.nextInt(7)) {
      case 0 -> 0;
      case 1 -> 1;
      case 2 -> Math.max(0, blockLength - 1);
      case 3 -> blockLength;
      case 4 -> blockLength + 1;
      case 5 -> rnd.nextInt(30 * blockLength + 1);
      default -> rnd.nextInt(20_000);
    };
  }

  /** Random bytes, a small alphabet (many equal blocks and weak-sum clashes), or a repeated unit. */
  private static byte[] content(Random rnd, int size) {
    byte[] b = new byte[size];
    switch (rnd.nextInt(3)) {
      case 0 -> rnd.nextBytes(b);
      case 1 -> {
        int alphabet = 1 + rnd.nextInt(3);
        for (int i = 0; i < size; i++) {
          b[i] = (byte) rnd.nextInt(alphabet);
        }
      }
      default -> {
        byte[] unit = new byte[1 + rnd.nextInt(100)];
        rnd.nextBytes(unit);
        for (int i = 0; i < size; i++) {
          b[i] = unit[i % unit.length];
        }
      }
    }
    return b;
  }

  static byte[] mutate(Random rnd, byte[] basis, StringBuilder story) {
    byte[] t = basis;
    int edits = rnd.nextInt(6);
    for (int e = 0; e < edits; e++) {
      t = edit(rnd, t, story);
    }
    return t;
  }

  private static byte[] edit(Random rnd, byte[] t, StringBuilder story) {
    int a = rnd.nextInt(t.length + 1);
    int b = a + rnd.nextInt(t.length - a + 1);
    byte[] noise = new byte[rnd.nextInt(200)];
    rnd.nextBytes(noise);
    int op = rnd.nextInt(9);
    story.append(new String[] {"overwrite", "insert", "delete", "move", "duplicate", "append",
        "truncate", "chop-head", "replace-all"}[op]).append('[').append(a).append(',').append(b).append("] ");
    return switch (op) {
      case 0 -> overwrite(t, a, noise);
      case 1 -> concat(slice(t, 0, a), noise, slice(t, a, t.length));
      case 2 -> concat(slice(t, 0, a), slice(t, b, t.length));
      case 3 -> concat(slice(t, 0, a), slice(t, b, t.length), slice(t, a, b));
      case 4 -> concat(slice(t, 0, b), slice(t, a, b), slice(t, b, t.length));
      case 5 -> concat(t, noise);
      case 6 -> slice(t, 0, a);
      case 7 -> slice(t, a, t.length);
      default -> rnd.nextInt(4) == 0 ? new byte[0] : noise;
    };
  }

  private static byte[] overwrite(byte[] t, int at, byte[] noise) {
    byte[] r = t.clone();
    System.arraycopy(noise, 0, r, at, Math.min(noise.length, r.length - at));
    return r;
  }

  private static byte[] slice(byte[] t, int from, int to) {
    return Arrays.copyOfRange(t, from, to);
  }

  private static byte[] concat(byte[]... parts) {
    return DeltaEncoderTest.concat(parts);
  }
}
