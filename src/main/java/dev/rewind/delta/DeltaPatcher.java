package dev.rewind.delta;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;

/** Applies a librsync delta to a random-access basis, streaming the result with bounded memory. */
public final class DeltaPatcher implements DeltaCommands.Sink {
  /** One buffer collects output for both LITERAL and COPY, so small commands become big writes. */
  private static final int BUFFER = 256 * 1024;

  private final SeekableByteChannel basis;
  private final long basisSize;
  private final InputStream delta;
  private final OutputStream out;
  private final byte[] buf = new byte[BUFFER];
  private final ByteBuffer window = ByteBuffer.wrap(buf);
  private int buffered;
  private long written;

  private DeltaPatcher(SeekableByteChannel basis, InputStream delta, OutputStream out)
      throws IOException {
    this.basis = basis;
    this.basisSize = basis.size();
    this.delta = delta;
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
    DeltaCommands.read(delta, this);
    drain();
    out.flush();
    return written;
  }

  @Override
  public void literal(long length, ByteReader data, long at) throws IOException {
    for (long left = length; left > 0; ) {
      int n = (int) Math.min(left, BUFFER - buffered);
      data.readFully(buf, buffered, n, "LITERAL data of command at offset " + at);
      advance(n);
      left -= n;
    }
  }

  @Override
  public void copy(long start, long length, long at) throws IOException {
    if (start < 0 || start > basisSize || length > basisSize - start) {
      throw DeltaCommands.outsideBasis(start, length, basisSize, at);
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
