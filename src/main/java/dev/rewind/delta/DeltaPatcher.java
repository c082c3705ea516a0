package dev.rewind.delta;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/** Applies a librsync delta stream to a random-access basis, streaming, with bounded memory. */
public final class DeltaPatcher {
  private static final int MAGIC = 0x72730236;
  private static final int CHUNK = 1 << 18;

  private DeltaPatcher() {}

  /** Writes {@code patch(basis, delta)} to {@code out}; returns the number of bytes written. */
  public static long apply(SeekableByteChannel basis, InputStream delta, OutputStream out) throws IOException {
    Reader in = new Reader(delta);
    if (in.u32() != MAGIC) {
      throw new DeltaFormatException("not a librsync delta (bad magic)", 0);
    }
    byte[] buf = new byte[CHUNK];
    long written = 0;
    while (true) {
      long at = in.pos;
      int op = in.u8();
      if (op == 0) {
        return written;
      } else if (op <= 0x44) {
        long len = op <= 0x40 ? op : in.uint(1 << (op - 0x41));
        checkLength(len, at);
        in.copyTo(out, len, buf);
        written += len;
      } else if (op <= 0x54) {
        int i = (op - 0x45) / 4;
        int j = (op - 0x45) % 4;
        long start = in.uint(1 << i);
        long len = in.uint(1 << j);
        checkLength(len, at);
        if (start < 0 || start + len > basis.size() || start + len < 0) {
          throw new DeltaFormatException("COPY " + start + "+" + len + " beyond basis of " + basis.size() + " bytes", at);
        }
        copyBasis(basis, start, len, out, buf);
        written += len;
      } else {
        throw new DeltaFormatException("bogus command 0x" + Integer.toHexString(op), at);
      }
    }
  }

  private static void checkLength(long len, long at) throws DeltaFormatException {
    if (len <= 0) {
      throw new DeltaFormatException("zero or negative length", at);
    }
  }

  private static void copyBasis(SeekableByteChannel basis, long start, long len, OutputStream out, byte[] buf)
      throws IOException {
    basis.position(start);
    long left = len;
    ByteBuffer bb = ByteBuffer.wrap(buf);
    while (left > 0) {
      bb.clear().limit((int) Math.min(buf.length, left));
      int n = basis.read(bb);
      if (n <= 0) {
        throw new EOFException("basis ended early");
      }
      out.write(buf, 0, n);
      left -= n;
    }
  }

  /** Big-endian reads from the delta stream, tracking the offset for error messages. */
  private static final class Reader {
    private final InputStream in;
    long pos;

    Reader(InputStream in) {
      this.in = in;
    }

    int u8() throws IOException {
      int b = in.read();
      if (b < 0) {
        throw new DeltaFormatException("truncated delta (no END command)", pos);
      }
      pos++;
      return b;
    }

    int u32() throws IOException {
      return (int) uint(4);
    }

    long uint(int bytes) throws IOException {
      long v = 0;
      for (int k = 0; k < bytes; k++) {
        v = (v << 8) | u8();
      }
      return v;
    }

    void copyTo(OutputStream out, long len, byte[] buf) throws IOException {
      long left = len;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new DeltaFormatException("truncated LITERAL", pos);
        }
        out.write(buf, 0, n);
        pos += n;
        left -= n;
      }
    }
  }
}
