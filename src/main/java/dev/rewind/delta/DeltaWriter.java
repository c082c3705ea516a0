package dev.rewind.delta;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Emits delta commands with librsync's smallest-width encoding, merging adjacent COPYs; it buffers
 * itself so that many small commands do not become many small writes on the caller's stream.
 */
final class DeltaWriter {
  private static final int BUFFER = 64 * 1024;

  private final OutputStream out;
  private final byte[] buf = new byte[BUFFER];
  private int len;
  private long copyStart = -1;
  private long copyLength;

  DeltaWriter(OutputStream out) throws IOException {
    this.out = out;
    putInt(DeltaFormat.DELTA_MAGIC, 4);
  }

  void literal(byte[] data, int off, int n) throws IOException {
    if (n <= 0) {
      return;
    }
    flushCopy();
    if (n <= DeltaFormat.MAX_INLINE_LITERAL) {
      put(n);
    } else {
      int w = DeltaFormat.widthIndex(n);
      put(DeltaFormat.OP_LITERAL_N + w);
      putInt(n, DeltaFormat.width(w));
    }
    if (n <= BUFFER - len) {
      System.arraycopy(data, off, buf, len, n);
      len += n;
    } else {
      drain();
      out.write(data, off, n);
    }
  }

  /** Appends a copy of basis[start, start+n); held back in case the next copy continues it. */
  void copy(long start, long n) throws IOException {
    if (copyStart >= 0 && copyStart + copyLength == start) {
      copyLength += n;
      return;
    }
    flushCopy();
    copyStart = start;
    copyLength = n;
  }

  /** Writes END and hands everything to the caller's stream. */
  void finish() throws IOException {
    flushCopy();
    put(DeltaFormat.OP_END);
    drain();
    out.flush();
  }

  private void flushCopy() throws IOException {
    if (copyStart < 0) {
      return;
    }
    int ws = DeltaFormat.widthIndex(copyStart);
    int wl = DeltaFormat.widthIndex(copyLength);
    put(DeltaFormat.OP_COPY + 4 * ws + wl);
    putInt(copyStart, DeltaFormat.width(ws));
    putInt(copyLength, DeltaFormat.width(wl));
    copyStart = -1;
  }

  private void put(int b) throws IOException {
    if (len == BUFFER) {
      drain();
    }
    buf[len++] = (byte) b;
  }

  private void putInt(long v, int width) throws IOException {
    for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
      put((int) (v >>> shift));
    }
  }

  private void drain() throws IOException {
    if (len > 0) {
      out.write(buf, 0, len);
      len = 0;
    }
  }
}
