package dev.rewind.delta;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;

/**
 * Applies a chain of deltas to one basis file without writing out the versions in between: each
 * version is kept as a list of pieces, each either a range of the basis or of delta literals held
 * in memory. A COPY of the next delta turns into the pieces it covers; a LITERAL into a new piece.
 * Only the last version is ever written, straight from the basis and the literals.
 *
 * <p>Memory is bounded by the literal budget and a cap on the number of pieces; a delta that would
 * exceed either is refused, and the caller writes the current version out (see {@link #channel})
 * and starts a new chain on it. Not thread-safe.
 */
public final class DeltaChain {
  /**
   * 16 bytes a piece, two lists alive while a delta is applied: 8 MiB at most. A 128 MiB file
   * with a few edits a session needs tens of pieces; one delta has at most a command a block.
   */
  private static final int MAX_PIECES = 1 << 18;
  private static final int BUFFER = 256 * 1024;

  private final long literalBudget;
  private byte[] literals = new byte[0];
  private int literalSize;
  /** Piece i covers [ends[i-1], ends[i]) of the version (ends[-1] = 0). */
  private long[] ends;
  /** Piece i starts at basis offset sources[i] if that is >= 0, else at literal offset ~sources[i]. */
  private long[] sources;
  private int count;

  private DeltaChain(long basisSize, long literalBudget) {
    this.literalBudget = Math.min(literalBudget, Integer.MAX_VALUE - 8);
    this.ends = new long[] {basisSize};
    this.sources = new long[] {0};
    this.count = basisSize > 0 ? 1 : 0;
  }

  /** The basis itself, as the start of a chain that may hold up to {@code literalBudget} literal bytes. */
  public static DeltaChain over(long basisSize, long literalBudget) {
    if (basisSize < 0 || literalBudget < 0) {
      throw new IllegalArgumentException("negative size: basis " + basisSize + ", budget " + literalBudget);
    }
    return new DeltaChain(basisSize, literalBudget);
  }

  /** The size of the current version. */
  public long size() {
    return count == 0 ? 0 : ends[count - 1];
  }

  /**
   * Makes the version that {@code delta} describes relative to the current one the current
   * version. Reads the delta up to its END command and does not close it. Returns false, and
   * leaves the current version as it was, if the result would not fit the memory bounds.
   *
   * @throws DeltaFormatException if the delta is malformed or refers outside the current version
   */
  public boolean apply(InputStream delta) throws IOException {
    int literalMark = literalSize;
    Step step = new Step();
    try {
      DeltaCommands.read(delta, step);
    } catch (OverBudget e) {
      literalSize = literalMark;
      return false;
    }
    ends = step.ends;
    sources = step.sources;
    count = step.count;
    return true;
  }

  /** Writes the current version, whose basis is {@code basis}, to {@code out}; does not close either. */
  public void writeTo(FileChannel basis, OutputStream out) throws IOException {
    byte[] buf = new byte[(int) Math.min(BUFFER, Math.max(1, size()))];
    ByteBuffer window = ByteBuffer.wrap(buf);
    long start = 0;
    for (int i = 0; i < count; i++) {
      long length = ends[i] - start;
      long src = sources[i];
      if (src < 0) {
        out.write(literals, (int) ~src, (int) length);
      } else {
        for (long at = src; at < src + length; ) {
          window.clear().limit((int) Math.min(buf.length, src + length - at));
          int n = basis.read(window, at);
          if (n < 0) {
            throw new IOException("basis ended at " + at + " although a COPY reads up to " + (src + length));
          }
          out.write(buf, 0, n);
          at += n;
        }
      }
      start = ends[i];
    }
    out.flush();
  }

  /**
   * The current version as a read-only channel over {@code basis}, for writing it out when the
   * next delta does not fit in memory. Closing it does not close the basis.
   */
  public SeekableByteChannel channel(FileChannel basis) {
    return new View(basis);
  }

  /** The piece that holds version offset {@code pos} (which is below {@link #size()}). */
  private static int pieceAt(long[] ends, int count, long pos) {
    int i = Arrays.binarySearch(ends, 0, count, pos);
    // An exact hit is a piece's end, so pos is the first byte of the next piece.
    return i >= 0 ? i + 1 : -i - 1;
  }

  private static long shifted(long source, long by) {
    return source >= 0 ? source + by : ~(~source + by);
  }

  /** Thrown through the delta reader when a step outgrows the bounds; never escapes this class. */
  private static final class OverBudget extends IOException {
    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // control flow, not an error: no stack trace to fill in
    }
  }

  /** Builds the next version's pieces from one delta's commands. */
  private final class Step implements DeltaCommands.Sink {
    long[] ends = new long[Math.max(16, DeltaChain.this.count)];
    long[] sources = new long[ends.length];
    int count;
    long size;

    @Override
    public void literal(long length, ByteReader data, long at) throws IOException {
      if (length > literalBudget - literalSize) {
        throw new OverBudget();
      }
      int need = literalSize + (int) length;
      if (need > literals.length) {
        literals = Arrays.copyOf(literals, (int) Math.min(literalBudget, Math.max(need, 2L * literals.length)));
      }
      data.readFully(literals, literalSize, (int) length, "LITERAL data of command at offset " + at);
      add(~(long) literalSize, length);
      literalSize = need;
    }

    @Override
    public void copy(long start, long length, long at) throws IOException {
      long[] oldEnds = DeltaChain.this.ends;
      long[] oldSources = DeltaChain.this.sources;
      long oldSize = DeltaChain.this.size();
      if (start < 0 || start > oldSize || length > oldSize - start) {
        throw DeltaCommands.outsideBasis(start, length, oldSize, at);
      }
      long pos = start;
      for (int i = pieceAt(oldEnds, DeltaChain.this.count, start); pos < start + length; i++) {
        long pieceStart = i == 0 ? 0 : oldEnds[i - 1];
        long take = Math.min(oldEnds[i], start + length) - pos;
        add(shifted(oldSources[i], pos - pieceStart), take);
        pos += take;
      }
    }

    /** Appends a piece, merged into the last one when it continues it. */
    private void add(long source, long length) throws OverBudget {
      if (count > 0) {
        long last = sources[count - 1];
        long lastLength = ends[count - 1] - (count == 1 ? 0 : ends[count - 2]);
        if ((last >= 0) == (source >= 0) && shifted(last, lastLength) == source) {
          ends[count - 1] += length;
          size += length;
          return;
        }
      }
      if (count == ends.length) {
        if (count >= MAX_PIECES) {
          throw new OverBudget();
        }
        ends = Arrays.copyOf(ends, count * 2);
        sources = Arrays.copyOf(sources, count * 2);
      }
      size += length;
      ends[count] = size;
      sources[count] = source;
      count++;
    }
  }

  /** A read-only, positioned view of the current version. */
  private final class View extends ReadOnlyChannel {
    private final FileChannel basis;

    View(FileChannel basis) {
      this.basis = basis;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (position >= size()) {
        return -1;
      }
      int i = pieceAt(ends, count, position);
      long into = position - (i == 0 ? 0 : ends[i - 1]);
      int take = (int) Math.min(dst.remaining(), ends[i] - position);
      long src = shifted(sources[i], into);
      int n;
      if (src < 0) {
        dst.put(literals, (int) ~src, take);
        n = take;
      } else {
        int limit = dst.limit();
        dst.limit(dst.position() + take);
        try {
          n = basis.read(dst, src);
        } finally {
          dst.limit(limit);
        }
        if (n < 0) {
          throw new IOException("basis ended at " + src + " inside the version being read");
        }
      }
      position += n;
      return n;
    }

    @Override
    public long size() {
      return DeltaChain.this.size();
    }
  }
}
