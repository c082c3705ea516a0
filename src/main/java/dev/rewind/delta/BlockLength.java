package dev.rewind.delta;

/** rdiff-backup's rule for the signature block length of a file of a given size. */
public final class BlockLength {
  /** Files below this size get the minimum block length (rdiff-backup's Rdiff._find_blocksize). */
  private static final long SMALL_FILE = 10240;

  private static final int MIN_BLOCK = 64;

  private BlockLength() {}

  /**
   * The block length rdiff-backup 2.x uses for a basis of {@code size} bytes: 64 below 10240
   * bytes, otherwise about the square root rounded down to a multiple of 16.
   */
  public static int forFileSize(long size) {
    if (size < 0) {
      throw new IllegalArgumentException("negative file size " + size);
    }
    if (size < SMALL_FILE) {
      return MIN_BLOCK;
    }
    // Python's int.bit_length() is the position of the highest set bit.
    int bitLength = Long.SIZE - Long.numberOfLeadingZeros(size);
    // Exceeds an int only beyond 2^62 bytes; fail loudly rather than wrap.
    return Math.toIntExact((size >> (bitLength / 2 + 4)) << 4);
  }
}
