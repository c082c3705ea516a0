package dev.rewind.delta;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/** An immutable librsync signature: per-block weak and truncated strong sums of a basis file. */
public final class Signature {
  /** Keeps the encoder's window buffer sane; rdiff-backup's rule reaches this only near 2^48 bytes. */
  static final int MAX_BLOCK_LENGTH = 1 << 24;

  /** Blocks hashed per read when computing, so a small block length does not mean small reads. */
  private static final int READ_CHUNK = 256 * 1024;

  /** Strong sum bytes kept per block by {@link #computeInProcess}: twice rdiff-backup's 8. */
  private static final int IN_PROCESS_STRONG_LENGTH = 16;

  private final SignatureKind kind;
  /** The kind's own strong hash, except for in-process signatures (see {@link #computeInProcess}). */
  private final StrongFunction function;
  private final int blockLength;
  private final int strongLength;
  private final int blockCount;
  private final int[] weak;
  /** Block i's strong sum is strong[i*strongLength, (i+1)*strongLength). */
  private final byte[] strong;

  private Signature(SignatureKind kind, StrongFunction function, int blockLength, int strongLength,
      int count, int[] weak, byte[] strong) {
    this.kind = kind;
    this.function = function;
    this.blockLength = blockLength;
    this.strongLength = strongLength;
    this.blockCount = count;
    this.weak = weak;
    this.strong = strong;
  }

  /**
   * The signature of everything {@code newer} yields, byte-identical to {@code rdiff signature}
   * with the same block length, strong length and kind. Does not close the stream.
   */
  public static Signature compute(InputStream newer, int blockLength, int strongLength,
      SignatureKind kind) throws IOException {
    check(kind, blockLength, strongLength);
    return compute(newer, blockLength, strongLength, kind, kind.strongFunction());
  }

  /**
   * A signature for a delta encoded in this process only: rollsum weak sums as rdiff-backup's,
   * but 16 bytes of SHA-256 as strong sums, several times faster to compute than MD4 here. The
   * delta it yields is an ordinary librsync delta (deltas do not name the signature's hash), but
   * the signature itself matches no librsync magic, so {@link #writeTo} refuses it.
   */
  static Signature computeInProcess(InputStream newer, int blockLength) throws IOException {
    check(SignatureKind.MD4_ROLLSUM, blockLength, IN_PROCESS_STRONG_LENGTH);
    return compute(newer, blockLength, IN_PROCESS_STRONG_LENGTH, SignatureKind.MD4_ROLLSUM,
        StrongFunction.SHA256);
  }

  private static Signature compute(InputStream newer, int blockLength, int strongLength,
      SignatureKind kind, StrongFunction function) throws IOException {
    StrongHash hasher = new StrongHash(function);
    byte[] chunk = new byte[Math.max(1, READ_CHUNK / blockLength) * blockLength];
    Builder b = new Builder(strongLength);
    while (true) {
      int n = readFully(newer, chunk);
      for (int off = 0; off < n; off += blockLength) {
        int len = Math.min(blockLength, n - off);
        int w = kind.usesRabinKarp() ? RabinKarp.of(chunk, off, len) : Rollsum.of(chunk, off, len);
        b.add(w, hasher.hash(chunk, off, len), 0);
      }
      if (n < chunk.length) {
        break;
      }
    }
    return b.build(kind, function, blockLength);
  }

  /** Parses a librsync signature stream up to its end; does not close it. */
  public static Signature readFrom(InputStream in) throws IOException {
    ByteReader r = new ByteReader(in);
    int magic = (int) r.readUnsigned(4, "signature magic");
    SignatureKind kind = SignatureKind.byMagic(magic);
    if (kind == null) {
      throw new DeltaFormatException(String.format("unknown signature magic 0x%08x", magic), 0);
    }
    long blockLength = r.readUnsigned(4, "block length");
    long strongLength = r.readUnsigned(4, "strong length");
    if (blockLength < 1 || blockLength > MAX_BLOCK_LENGTH) {
      throw new DeltaFormatException("unsupported block length " + blockLength, 4);
    }
    if (strongLength < 1 || strongLength > kind.maxStrongLength()) {
      throw new DeltaFormatException("invalid strong length " + strongLength + " for " + kind, 8);
    }
    int sl = (int) strongLength;
    Builder b = new Builder(sl);
    byte[] sum = new byte[sl];
    while (!r.atEof()) {
      int w = (int) r.readUnsigned(4, "weak sum of block " + b.count);
      r.readFully(sum, 0, sl, "strong sum of block " + b.count);
      b.add(w, sum, 0);
    }
    return b.build(kind, kind.strongFunction(), (int) blockLength);
  }

  /** Writes this signature in librsync format; flushes but does not close {@code out}. */
  public void writeTo(OutputStream out) throws IOException {
    if (function != kind.strongFunction()) {
      throw new IllegalStateException("an in-process signature has no librsync form: " + this);
    }
    DataOutputStream d = new DataOutputStream(new BufferedOutputStream(out, 64 * 1024));
    d.writeInt(kind.magic());
    d.writeInt(blockLength);
    d.writeInt(strongLength);
    for (int i = 0; i < blockCount; i++) {
      d.writeInt(weak[i]);
      d.write(strong, i * strongLength, strongLength);
    }
    d.flush();
  }

  /** The hash of the strong sums: the kind's own, or SHA-256 for an in-process signature. */
  StrongFunction strongFunction() {
    return function;
  }

  public SignatureKind kind() {
    return kind;
  }

  public int blockLength() {
    return blockLength;
  }

  public int strongLength() {
    return strongLength;
  }

  public int blockCount() {
    return blockCount;
  }

  /** The weak sum of block {@code i}. */
  public int weakSum(int i) {
    return weak[Objects.checkIndex(i, blockCount)];
  }

  /** A copy of the (truncated) strong sum of block {@code i}. */
  public byte[] strongSum(int i) {
    int off = Objects.checkIndex(i, blockCount) * strongLength;
    return Arrays.copyOfRange(strong, off, off + strongLength);
  }

  /** Shared, not copied, for the encoder's index; callers in this package must not modify it. */
  int[] weakSums() {
    return weak;
  }

  /** Shared, not copied: all strong sums back to back; must not be modified. */
  byte[] strongSums() {
    return strong;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Signature s && kind == s.kind && function == s.function && blockLength == s.blockLength
        && strongLength == s.strongLength && blockCount == s.blockCount
        && Arrays.equals(weak, 0, blockCount, s.weak, 0, blockCount)
        && Arrays.equals(strong, 0, blockCount * strongLength, s.strong, 0, blockCount * strongLength);
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(kind, blockLength, strongLength, blockCount);
    for (int i = 0; i < blockCount; i++) {
      h = 31 * h + weak[i];
    }
    return h;
  }

  @Override
  public String toString() {
    return "Signature[" + kind + (function == kind.strongFunction() ? "" : "/" + function)
        + ", blockLength=" + blockLength + ", strongLength=" + strongLength
        + ", blocks=" + blockCount + "]";
  }

  /**
   * Reads until {@code chunk} is full or the stream ends. Not readNBytes: some streams override it
   * in ways that return short counts before the end (ByteArrayInputStream subclasses, for one).
   */
  private static int readFully(InputStream in, byte[] chunk) throws IOException {
    int n = 0;
    while (n < chunk.length) {
      int r = in.read(chunk, n, chunk.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  private static void check(SignatureKind kind, int blockLength, int strongLength) {
    Objects.requireNonNull(kind, "kind");
    if (blockLength < 1 || blockLength > MAX_BLOCK_LENGTH) {
      throw new IllegalArgumentException("block length " + blockLength + " not in 1.." + MAX_BLOCK_LENGTH);
    }
    if (strongLength < 1 || strongLength > kind.maxStrongLength()) {
      throw new IllegalArgumentException(
          "strong length " + strongLength + " not in 1.." + kind.maxStrongLength() + " for " + kind);
    }
  }

  /** Growable arrays for signatures whose block count is not known up front. */
  private static final class Builder {
    private final int strongLength;
    private int[] weak = new int[64];
    private byte[] strong;
    private int count;

    Builder(int strongLength) {
      this.strongLength = strongLength;
      this.strong = new byte[64 * strongLength];
    }

    void add(int w, byte[] sum, int off) {
      if (count == weak.length) {
        if (count > (Integer.MAX_VALUE - 8) / 2 / Math.max(4, strongLength)) {
          throw new IllegalStateException("too many blocks for one signature");
        }
        weak = Arrays.copyOf(weak, count * 2);
        strong = Arrays.copyOf(strong, count * 2 * strongLength);
      }
      weak[count] = w;
      System.arraycopy(sum, off, strong, count * strongLength, strongLength);
      count++;
    }

    Signature build(SignatureKind kind, StrongFunction function, int blockLength) {
      return new Signature(kind, function, blockLength, strongLength, count,
          Arrays.copyOf(weak, count), Arrays.copyOf(strong, count * strongLength));
    }
  }
}
