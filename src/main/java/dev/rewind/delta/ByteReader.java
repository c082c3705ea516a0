package dev.rewind.delta;

import java.io.IOException;
import java.io.InputStream;

/**
 * A buffered big-endian reader over a caller's stream that counts its offset, so format errors can
 * say where they are; it buffers itself because callers may hand over unbuffered streams.
 */
final class ByteReader {
  private static final int BUFFER = 64 * 1024;

  private final InputStream in;
  private final byte[] buf = new byte[BUFFER];
  private int head;
  private int limit;
  /** Stream offset of buf[0]. */
  private long base;

  ByteReader(InputStream in) {
    this.in = in;
  }

  /** Offset of the next byte to be read. */
  long offset() {
    return base + head;
  }

  /** The next byte (0-255), or -1 at a clean end of stream. */
  int readByteOrEof() throws IOException {
    if (head == limit && !fill()) {
      return -1;
    }
    return buf[head++] & 0xff;
  }

  /** True if the stream is at its end; does not consume anything. */
  boolean atEof() throws IOException {
    return head == limit && !fill();
  }

  /** A big-endian unsigned integer of {@code width} (1..8) bytes; 8-byte values may be negative. */
  long readUnsigned(int width, String what) throws IOException {
    long v = 0;
    for (int i = 0; i < width; i++) {
      int b = readByteOrEof();
      if (b < 0) {
        throw truncated(what);
      }
      v = (v << 8) | b;
    }
    return v;
  }

  /** Reads exactly {@code len} bytes into {@code dst}; large reads bypass the buffer. */
  void readFully(byte[] dst, int off, int len, String what) throws IOException {
    int done = Math.min(len, limit - head);
    System.arraycopy(buf, head, dst, off, done);
    head += done;
    if (done < len && len - done >= BUFFER) {
      base += limit;
      head = limit = 0;
      while (done < len) {
        int n = in.read(dst, off + done, len - done);
        if (n < 0) {
          throw truncated(what);
        }
        done += n;
        base += n;
      }
    }
    while (done < len) {
      if (head == limit && !fill()) {
        throw truncated(what);
      }
      int n = Math.min(len - done, limit - head);
      System.arraycopy(buf, head, dst, off + done, n);
      head += n;
      done += n;
    }
  }

  DeltaFormatException truncated(String what) {
    return new DeltaFormatException("stream truncated inside " + what, offset());
  }

  private boolean fill() throws IOException {
    base += limit;
    head = limit = 0;
    int n;
    do {
      n = in.read(buf, 0, buf.length);
    } while (n == 0);
    if (n < 0) {
      return false;
    }
    limit = n;
    return true;
  }
}
