package dev.rewind.history;

import dev.rewind.posix.Posix;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A private directory (mode 0700) for intermediate versions rebuilt from diff chains. Files are
 * created 0600 and deleted by their user; the directory is removed on {@link #close()}.
 */
public final class Scratch implements AutoCloseable {
  private final byte[] parent;
  private final AtomicLong counter = new AtomicLong();
  private byte[] dir;

  private Scratch(byte[] parent) {
    this.parent = parent;
  }

  /** A scratch area inside {@code parent}; the directory is made when first needed. */
  public static Scratch in(byte[] parent) {
    return new Scratch(parent.clone());
  }

  private synchronized byte[] dir() throws IOException {
    for (int attempt = 0; dir == null; attempt++) {
      String name = ".rewind-scratch-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
      byte[] candidate = dev.rewind.core.RelPath.of(name).under(parent);
      try {
        Posix.mkdir(candidate, 0700);
        dir = candidate;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (attempt > 10) {
          throw e;
        }
      }
    }
    return dir;
  }

  /** A new temporary file, open for writing; its path is {@link Temp#path()}. */
  public Temp newFile() throws IOException {
    byte[] path = dev.rewind.core.RelPath.of(("t" + counter.incrementAndGet()).getBytes(StandardCharsets.US_ASCII)).under(dir());
    return new Temp(path, Posix.createNew(path, 0600));
  }

  /** A temporary file being written. */
  public record Temp(byte[] path, FileChannel channel) {
    public void delete() {
      try {
        Posix.unlink(path);
      } catch (IOException e) {
        // already gone: nothing to clean up
      }
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (dir == null) {
      return;
    }
    try {
      for (byte[] name : Posix.list(dir)) {
        Posix.unlink(dev.rewind.core.RelPath.of(name).under(dir));
      }
      Posix.rmdir(dir);
    } catch (NoSuchFileException e) {
      // removed by someone else: fine
    }
  }
}
