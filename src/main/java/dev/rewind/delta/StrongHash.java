package dev.rewind.delta;

import org.bouncycastle.crypto.Digest;

/** A reusable strong-hash instance of one signature kind, so hashing a block allocates nothing. */
final class StrongHash {
  private final Digest digest;
  private final byte[] full;

  StrongHash(SignatureKind kind) {
    this.digest = kind.newDigest();
    this.full = new byte[digest.getDigestSize()];
  }

  /** Hashes {@code b[off, off+len)}; the result is valid until the next call. */
  byte[] hash(byte[] b, int off, int len) {
    digest.update(b, off, len);
    digest.doFinal(full, 0); // doFinal also resets the digest for the next block
    return full;
  }
}
