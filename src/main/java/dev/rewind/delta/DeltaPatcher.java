package dev.rewind.delta;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;

/** Applies a librsync delta to a random-access basis, streaming the result with bounded memory. */
public final class DeltaPatcher {
  /** One buffer collects output for both LITERAL and COPY, so small commands become big writes. */
  private static final int BUFFER = 256 * 1024;

  private final SeekableByteChannel basis;
  private final long basisSize;
  private final ByteReader delta;
  private final OutputStream out;
  private final byte[] buf = new byte[BUFFER];
  private final ByteBuffer window = ByteBuffer.wrap(buf);
  private int buffered;
  private long written;

  private DeltaPatcher(SeekableByteChannel basis, InputStream delta, OutputStream out)
      throws IOException {
    this.basis = basis;
    this.basisSize = basis.size();
    this.delta = new ByteReader(delta);
    this.out = out;
  }

  /**
   * Writes to {@code out} the file that {@code delta} describes relative to {@code basis}, and
   * returns the number of bytes written. Reads the delta only up to its END command and does not
   * close anything.
   *
   * @throws DeltaFormatException if the delta is malformed or refers outside the basis
   */
  public static long apply(SeekableByteChannel basis, InputStream delta, OutputStream out)
      throws IOException {
    return new DeltaPatcher(basis, delta, out).run();
  }

  private long run() throws IOException {
    long magic = delta.readUnsigned(4, "magic");
    if (magic != DeltaFormat.DELTA_MAGIC) {
      throw new DeltaFormatException(
          String.format("bad delta magic 0x%08x (expected 0x%08x)", magic, DeltaFormat.DELTA_MAGIC), 0);
    }
    while (command()) {
      // each call handles one command
    }
    drain();
    out.flush();
    return written;
  }

  /** Executes one command; false after END. */
  private boolean command() throws IOException {
    long at = delta.offset();
    int op = delta.readByteOrEof();
    if (op < 0) {
      throw new DeltaFormatException("delta ends without END command", at);
    }
    if (op == DeltaFormat.OP_END) {
      return false;
    }
    if (op <= DeltaFormat.MAX_INLINE_LITERAL) {
      literal(op, at);
    } else if (op < DeltaFormat.OP_COPY) {
      int width = DeltaFormat.width(op - DeltaFormat.OP_LITERAL_N);
      literal(checkLength(delta.readUnsigned(width, "LITERAL length"), "LITERAL", at), at);
    } else if (op <= DeltaFormat.OP_LAST_COPY) {
      int widths = op - DeltaFormat.OP_COPY;
      long start = delta.readUnsigned(DeltaFormat.width(widths >> 2), "COPY start");
      long length = delta.readUnsigned(DeltaFormat.width(widths & 3), "COPY length");
      copy(start, checkLength(length, "COPY", at), at);
    } else {
      throw new DeltaFormatException(String.format("bogus command 0x%02x", op), at);
    }
    return true;
  }

  private static long checkLength(long length, String command, long at)
      throws DeltaFormatException {
    // An 8-byte length with the top bit set reads as negative; librsync rejects zero as corrupt.
    if (length <= 0) {
      throw new DeltaFormatException(
          command + " with invalid length " + Long.toUnsignedString(length), at);
    }
    return length;
  }

  private void literal(long length, long at) throws IOException {
    for (long left = length; left > 0; ) {
      int n = (int) Math.min(left, BUFFER - buffered);
      delta.readFully(buf, buffered, n, "LITERAL data of command at offset " + at);
      advance(n);
      left -= n;
    }
  }

  private void copy(long start, long length, long at) throws IOException {
    if (start < 0 || start > basisSize || length > basisSize - start) {
      throw new DeltaFormatException(
          "COPY of " + length + " bytes from " + Long.toUnsignedString(start)
              + " lies outside the basis of " + basisSize + " bytes", at);
    }
    long pos = start;
    for (long left = length; left > 0; ) {
      int n = (int) Math.min(left, BUFFER - buffered);
      readBasis(pos, n);
      advance(n);
      pos += n;
      left -= n;
    }
  }

  /** Fills buf[buffered, buffered+n) from the basis at {@code pos}. */
  private void readBasis(long pos, int n) throws IOException {
    window.limit(buffered + n).position(buffered);
    long p = pos;
    while (window.hasRemaining()) {
      int r = readAt(p);
      if (r < 0) {
        throw new IOException("basis ended at " + p + " although its size was " + basisSize);
      }
      p += r;
    }
  }

  private int readAt(long pos) throws IOException {
    // Positional reads keep a FileChannel's own position untouched and need no seek.
    if (basis instanceof FileChannel fc) {
      return fc.read(window, pos);
    }
    basis.position(pos);
    return basis.read(window);
  }

  private void advance(int n) throws IOException {
    buffered += n;
    written += n;
    if (buffered == BUFFER) {
      drain();
    }
  }

  private void drain() throws IOException {
    if (buffered > 0) {
      out.write(buf, 0, buffered);
      buffered = 0;
    }
  }
}
