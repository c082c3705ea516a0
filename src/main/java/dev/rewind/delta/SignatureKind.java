package dev.rewind.delta;

/** The four librsync signature flavours: a magic number naming a weak (rolling) and a strong hash. */
public enum SignatureKind {
  /** What rdiff-backup uses (with strong length 8). */
  MD4_ROLLSUM(0x72730136, false, false),
  BLAKE2_ROLLSUM(0x72730137, false, true),
  MD4_RABINKARP(0x72730146, true, false),
  /** The default of the rdiff 2.x command line tool. */
  BLAKE2_RABINKARP(0x72730147, true, true);

  private final int magic;
  private final boolean rabinKarp;
  private final boolean blake2;

  SignatureKind(int magic, boolean rabinKarp, boolean blake2) {
    this.magic = magic;
    this.rabinKarp = rabinKarp;
    this.blake2 = blake2;
  }

  /** The big-endian magic number that starts a signature stream of this kind. */
  public int magic() {
    return magic;
  }

  /** True for the Rabin-Karp weak sum, false for the rsync-style rollsum. */
  public boolean usesRabinKarp() {
    return rabinKarp;
  }

  /** True for BLAKE2b-256 strong sums, false for MD4. */
  public boolean usesBlake2() {
    return blake2;
  }

  /** The full digest size of the strong hash, hence the largest allowed strong length. */
  public int maxStrongLength() {
    return blake2 ? 32 : 16;
  }

  /** The kind whose magic is {@code magic}, or null. */
  static SignatureKind byMagic(int magic) {
    for (SignatureKind k : values()) {
      if (k.magic == magic) {
        return k;
      }
    }
    return null;
  }

  /** The strong hash this kind's magic promises. */
  StrongFunction strongFunction() {
    return blake2 ? StrongFunction.BLAKE2B_256 : StrongFunction.MD4;
  }
}
