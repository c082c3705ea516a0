package dev.rewind.delta;

import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * The bookkeeping every read-only {@link SeekableByteChannel} of this package shares: a position
 * that {@link #read} advances, an open flag, and refusal of writes. Not thread-safe.
 */
abstract class ReadOnlyChannel implements SeekableByteChannel {
  /** Where the next {@link #read} starts; subclasses advance it. */
  protected long position;
  private boolean open = true;

  @Override
  public final int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public final long position() {
    return position;
  }

  @Override
  public final SeekableByteChannel position(long newPosition) {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    position = newPosition;
    return this;
  }

  @Override
  public final SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public final boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
  }
}
