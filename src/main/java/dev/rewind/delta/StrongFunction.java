package dev.rewind.delta;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.bouncycastle.crypto.digests.MD4Digest;

/** The strong hash behind a signature's per-block sums. */
enum StrongFunction {
  /** librsync's MD4 (BouncyCastle: the JDK has none). */
  MD4(16),
  /** librsync's unkeyed BLAKE2b with a 32-byte digest, not a truncated BLAKE2b-512. */
  BLAKE2B_256(32),
  /**
   * For signatures that never leave the process (the reverse delta of a backup). The JDK's
   * SHA-256 runs on the CPU's SHA extensions: about 3x BouncyCastle's MD4 here, and fast from
   * the first block instead of after the JIT has warmed up. Kept at 16 bytes, it is still a far
   * stronger block check than the 8 bytes of MD4 rdiff-backup trusts.
   */
  SHA256(32);

  private final int digestLength;

  StrongFunction(int digestLength) {
    this.digestLength = digestLength;
  }

  int digestLength() {
    return digestLength;
  }

  /** Computes one block's digest into {@code out} and resets itself for the next block. */
  interface Block {
    void hash(byte[] b, int off, int len, byte[] out);
  }

  /** A fresh stateful instance; one per user. */
  Block newBlock() {
    switch (this) {
      case MD4:
        return ofBouncyCastle(new MD4Digest());
      case BLAKE2B_256:
        return ofBouncyCastle(new Blake2bDigest(256));
      default:
        MessageDigest md = sha256();
        return (b, off, len, out) -> {
          md.update(b, off, len);
          try {
            md.digest(out, 0, out.length); // digest also resets
          } catch (java.security.DigestException e) {
            throw new IllegalStateException(e); // out is always the full digest length
          }
        };
    }
  }

  private static Block ofBouncyCastle(Digest d) {
    return (b, off, len, out) -> {
      d.update(b, off, len);
      d.doFinal(out, 0); // doFinal also resets the digest for the next block
    };
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
