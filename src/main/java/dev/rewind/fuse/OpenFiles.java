package dev.rewind.fuse;

import dev.rewind.history.Version;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The files open through the mount, by the handle FUSE carries in {@code fi->fh}. Thread-safe. */
final class OpenFiles {
  private final ConcurrentHashMap<Long, Version> open = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong(1);

  long add(Version v) {
    long fh = next.getAndIncrement();
    open.put(fh, v);
    return fh;
  }

  /** The open version, or null for an unknown handle. */
  Version get(long fh) {
    return open.get(fh);
  }

  /** Forgets and closes a handle. */
  void close(long fh) throws IOException {
    Version v = open.remove(fh);
    if (v != null) {
      v.close();
    }
  }

  int size() {
    return open.size();
  }

  /** Closes everything (at unmount). */
  void closeAll() {
    for (Long fh : open.keySet()) {
      try {
        close(fh);
      } catch (IOException e) {
        // unmounting: nothing left to tell the reader
      }
    }
  }
}
