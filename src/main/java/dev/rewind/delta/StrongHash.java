package dev.rewind.delta;

/** A reusable strong-hash instance of one function, so hashing a block allocates nothing. */
final class StrongHash {
  private final StrongFunction.Block block;
  private final byte[] full;

  StrongHash(SignatureKind kind) {
    this(kind.strongFunction());
  }

  StrongHash(StrongFunction function) {
    this.block = function.newBlock();
    this.full = new byte[function.digestLength()];
  }

  /** Hashes {@code b[off, off+len)}; the result is valid until the next call. */
  byte[] hash(byte[] b, int off, int len) {
    block.hash(b, off, len, full);
    return full;
  }
}
