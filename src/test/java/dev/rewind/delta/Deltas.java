package dev.rewind.delta;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** Test helpers: hand-built delta streams and one-call encode/patch/signature on byte arrays. */
final class Deltas {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private Deltas() {}

  /** A builder that already holds the delta magic. */
  static Deltas delta() {
    return new Deltas().be(DeltaFormat.DELTA_MAGIC, 4);
  }

  static Deltas raw() {
    return new Deltas();
  }

  Deltas op(int opcode) {
    out.write(opcode);
    return this;
  }

  /** {@code v} big-endian in {@code width} bytes. */
  Deltas be(long v, int width) {
    for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
    return this;
  }

  Deltas bytes(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  /** COPY with explicit widths in bytes (1, 2, 4 or 8 each). */
  Deltas copy(long start, int startWidth, long length, int lengthWidth) {
    int op = DeltaFormat.OP_COPY + 4 * index(startWidth) + index(lengthWidth);
    return op(op).be(start, startWidth).be(length, lengthWidth);
  }

  Deltas end() {
    return op(DeltaFormat.OP_END);
  }

  byte[] build() {
    return out.toByteArray();
  }

  static int index(int width) {
    return Integer.numberOfTrailingZeros(width);
  }

  static byte[] patch(byte[] basis, byte[] delta) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    long n = DeltaPatcher.apply(new MemoryChannel(basis), new ByteArrayInputStream(delta), o);
    if (n != o.size()) {
      throw new AssertionError("apply returned " + n + " but wrote " + o.size());
    }
    return o.toByteArray();
  }

  static Signature signature(byte[] basis, int blockLength, int strongLength, SignatureKind kind)
      throws IOException {
    return Signature.compute(new ByteArrayInputStream(basis), blockLength, strongLength, kind);
  }

  static byte[] encode(Signature sig, byte[] target) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    DeltaEncoder.encode(sig, new ByteArrayInputStream(target), o);
    return o.toByteArray();
  }

  /** The commands of a delta as text, e.g. "L3 C0+128 E", to assert on what an encoder chose. */
  static String commands(byte[] delta) {
    StringBuilder sb = new StringBuilder();
    int i = 4;
    while (true) {
      int op = delta[i++] & 0xff;
      if (op == 0) {
        return sb.append('E').toString();
      }
      if (op <= 0x40) {
        sb.append('L').append(op).append(' ');
        i += op;
      } else if (op <= 0x44) {
        int w = 1 << (op - 0x41);
        long len = read(delta, i, w);
        sb.append("L").append(len).append('/').append(w).append(' ');
        i += w + (int) len;
      } else {
        int ws = 1 << ((op - 0x45) >> 2);
        int wl = 1 << ((op - 0x45) & 3);
        sb.append('C').append(read(delta, i, ws)).append('+').append(read(delta, i + ws, wl));
        sb.append('/').append(ws).append(wl).append(' ');
        i += ws + wl;
      }
    }
  }

  private static long read(byte[] b, int off, int width) {
    long v = 0;
    for (int k = 0; k < width; k++) {
      v = (v << 8) | (b[off + k] & 0xff);
    }
    return v;
  }

  static byte[] hex(String s) {
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }
}
