package dev.rewind.delta;

/**
 * librsync's rsync-style rolling checksum; the rolling update itself is inlined in the encoder.
 *
 * <p>Both halves are sums taken mod 2^16. Since only +, - and * are used, plain int arithmetic
 * that wraps mod 2^32 gives the same low 16 bits, so state is kept unmasked and masked on output.
 */
final class Rollsum {
  /** librsync adds this to every byte so that runs of zeros still change the sum. */
  static final int CHAR_OFFSET = 31;

  private Rollsum() {}

  /** The weak sum of {@code b[off, off+len)}: s2 in the high half, s1 in the low half. */
  static int of(byte[] b, int off, int len) {
    int s1 = 0;
    int s2 = 0;
    for (int i = off, stop = off + len; i < stop; i++) {
      s1 += (b[i] & 0xff) + CHAR_OFFSET;
      s2 += s1;
    }
    return digest(s1, s2);
  }

  static int digest(int s1, int s2) {
    return (s2 << 16) | (s1 & 0xffff);
  }
}
