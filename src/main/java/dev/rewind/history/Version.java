package dev.rewind.history;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The content of one regular file at one session, open for positional reads: straight from the
 * mirror or an uncompressed snapshot increment, or a version rebuilt and held by the {@link
 * VersionCache} (in memory or in a spill file). Reads are thread-safe; close it once.
 */
public interface Version extends Closeable {
  /** The content length in bytes. */
  long size();

  /**
   * Reads from {@code position} until {@code dst} is full or the content ends.
   *
   * @return the number of bytes read, 0 at or after the end
   */
  int read(ByteBuffer dst, long position) throws IOException;

  /** A version backed by an open file whose content is exactly this version. */
  static Version of(FileChannel channel, long size) {
    return new Version() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return readFully(channel, dst, position, size);
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  /** A version held in memory. */
  static Version of(byte[] content) {
    return new Version() {
      @Override
      public long size() {
        return content.length;
      }

      @Override
      public int read(ByteBuffer dst, long position) {
        if (position >= content.length) {
          return 0;
        }
        int n = (int) Math.min(dst.remaining(), content.length - position);
        dst.put(content, (int) position, n);
        return n;
      }

      @Override
      public void close() {}
    };
  }

  /** Positional reads until {@code dst} is full or {@code size} is reached. */
  static int readFully(FileChannel channel, ByteBuffer dst, long position, long size) throws IOException {
    int total = 0;
    if (position >= size) {
      return 0;
    }
    int limit = dst.limit();
    dst.limit(dst.position() + (int) Math.min(dst.remaining(), size - position));
    try {
      while (dst.hasRemaining()) {
        int n = channel.read(dst, position + total);
        if (n < 0) {
          break;
        }
        total += n;
      }
    } finally {
      dst.limit(limit);
    }
    return total;
  }
}
