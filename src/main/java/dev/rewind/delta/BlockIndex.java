package dev.rewind.delta;

import java.util.Arrays;

/**
 * Finds basis blocks by weak sum: a primitive open-addressing table from weak sum to the first
 * block with that sum, plus a chain through the other blocks that share it.
 *
 * <p>The encoder asks about every target byte position, and nearly all answers are "no". A sparse
 * bit filter (about 128 bits per block) answers most of those without touching the table: probing
 * the table directly was ~5x slower, mostly from mispredicted branches on occupied slots. The
 * table stores each key next to its value and is at most half full.
 * Blocks identical to an earlier one (same weak and strong sum) are left out of the chains: they
 * could never be chosen, and long runs of equal blocks (zeros) would otherwise make chains long.
 */
final class BlockIndex {
  private static final int NONE = -1;
  private static final int GOLDEN = 0x9E3779B1;

  private final int[] weak;
  private final byte[] strong;
  private final int strongLength;
  private final int count;
  /** Slot s holds the weak sum at [2s] and 1 + the first block's index at [2s+1] (0 = empty). */
  private final int[] table;
  private final int shift;
  private final int mask;
  /** Next block with the same weak sum but a different strong sum, or NONE. */
  private final int[] next;
  /** Bit h is set if some block's weak sum hashes to h; false positives about 1 in 128. */
  private final long[] filter;
  private final int filterShift;

  BlockIndex(Signature sig) {
    this.weak = sig.weakSums();
    this.strong = sig.strongSums();
    this.strongLength = sig.strongLength();
    this.count = sig.blockCount();
    int bits = Math.max(4, 33 - Integer.numberOfLeadingZeros(Math.max(1, count)));
    this.table = new int[2 << bits];
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    this.next = new int[count];
    Arrays.fill(next, NONE);
    // Capped at 2^26 bits (8 MiB); rdiff-backup's block sizes reach that only for terabyte files.
    int filterBits = Math.min(26, Math.max(12, bits + 6));
    this.filter = new long[1 << (filterBits - 6)];
    this.filterShift = 32 - filterBits;
    for (int i = 0; i < count; i++) {
      insert(i);
      int h = (weak[i] * GOLDEN) >>> filterShift;
      filter[h >>> 6] |= 1L << h;
    }
  }

  /** False means no block has weak sum {@code w}; true means maybe, ask {@link #head}. */
  boolean mayContain(int w) {
    int h = (w * GOLDEN) >>> filterShift;
    return (filter[h >>> 6] & (1L << h)) != 0;
  }

  int count() {
    return count;
  }

  int weak(int block) {
    return weak[block];
  }

  /** The first block whose weak sum is {@code w}, or -1. */
  int head(int w) {
    int s = (w * GOLDEN) >>> shift;
    while (true) {
      int v = table[2 * s + 1];
      if (v == 0) {
        return NONE;
      }
      if (table[2 * s] == w) {
        return v - 1;
      }
      s = (s + 1) & mask;
    }
  }

  /** The next block after {@code block} with the same weak sum, or -1. */
  int next(int block) {
    return next[block];
  }

  /** Whether the stored strong sum of {@code block} is the prefix of {@code digest}. */
  boolean strongMatches(int block, byte[] digest) {
    int off = block * strongLength;
    return Arrays.equals(strong, off, off + strongLength, digest, 0, strongLength);
  }

  private void insert(int block) {
    int w = weak[block];
    int s = (w * GOLDEN) >>> shift;
    while (table[2 * s + 1] != 0) {
      if (table[2 * s] == w) {
        chain(table[2 * s + 1] - 1, block);
        return;
      }
      s = (s + 1) & mask;
    }
    table[2 * s] = w;
    table[2 * s + 1] = block + 1;
  }

  private void chain(int head, int block) {
    int last = head;
    for (int b = head; b != NONE; b = next[b]) {
      if (sameStrong(b, block)) {
        return; // a duplicate of an earlier block; the earlier one always wins
      }
      last = b;
    }
    next[last] = block;
  }

  private boolean sameStrong(int a, int b) {
    int oa = a * strongLength;
    int ob = b * strongLength;
    return Arrays.equals(strong, oa, oa + strongLength, strong, ob, ob + strongLength);
  }
}
