package dev.rewind.delta;

import java.io.ByteArrayInputStream;
import java.util.Random;

/** Returns data in random short reads, as pipes and sockets do, to shake out refill bugs. */
final class TrickleInputStream extends ByteArrayInputStream {
  private final Random random;

  TrickleInputStream(byte[] data, Random random) {
    super(data);
    this.random = random;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) {
    return super.read(b, off, Math.min(len, 1 + random.nextInt(4096)));
  }
}
