package dev.rewind.delta;

import java.nio.ByteBuffer;

/** A read-only in-memory basis for tests; deliberately not a FileChannel, to test the seek path. */
final class MemoryChannel extends ReadOnlyChannel {
  private final byte[] data;

  MemoryChannel(byte[] data) {
    this.data = data;
  }

  @Override
  public int read(ByteBuffer dst) {
    if (position >= data.length) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), data.length - position);
    dst.put(data, (int) position, n);
    position += n;
    return n;
  }

  @Override
  public long size() {
    return data.length;
  }
}
