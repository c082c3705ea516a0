package dev.rewind.delta;

/**
 * librsync's Rabin-Karp polynomial weak sum mod 2^32; the rolling update is inlined in the encoder.
 *
 * <p>The hash of b1..bn is M^n + sum(bi * M^(n-i)) because librsync seeds it with 1. Rolling must
 * therefore also remove that seed's growth: out byte o leaves as M^n * (o + M - 1).
 */
final class RabinKarp {
  static final int MULT = 0x08104225;

  /** M - 1: removing the leading byte also removes the seed's extra power of M. */
  static final int ADJUST = MULT - 1;

  private RabinKarp() {}

  /** The weak sum of {@code b[off, off+len)}. */
  static int of(byte[] b, int off, int len) {
    int h = 1;
    for (int i = off, stop = off + len; i < stop; i++) {
      h = h * MULT + (b[i] & 0xff);
    }
    return h;
  }

  /** MULT^n mod 2^32. */
  static int pow(int n) {
    int result = 1;
    int base = MULT;
    for (int e = n; e != 0; e >>>= 1) {
      if ((e & 1) != 0) {
        result *= base;
      }
      base *= base;
    }
    return result;
  }

  /** The inverse of MULT mod 2^32 (MULT is odd), by Newton iteration; each step doubles the bits. */
  static int inverse() {
    int x = MULT;
    for (int i = 0; i < 5; i++) {
      x *= 2 - MULT * x;
    }
    return x;
  }
}
