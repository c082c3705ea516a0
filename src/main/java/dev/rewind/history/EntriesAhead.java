package dev.rewind.history;

import dev.rewind.core.FileMeta;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A session's entries read on a thread of their own and handed over in batches, so that
 * decompressing and parsing the metadata overlaps with whatever the caller does with the
 * entries (indexing them takes about as long as reading them). The reading thread owns the
 * {@link MetadataChain} and closes it. At most {@link #BATCHES_AHEAD} batches wait. For one
 * consumer thread; close it.
 */
final class EntriesAhead implements Closeable {
  private static final int BATCH = 2048;
  private static final int BATCHES_AHEAD = 4;
  /** How long {@link #close} waits for the reading thread to notice and end. */
  private static final long STOP_WAIT_MS = 10_000;

  /** The end of the entries, or why reading stopped. */
  private record End(Throwable failure) {}

  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(BATCHES_AHEAD);
  private final Thread reader;
  private boolean ended;

  private EntriesAhead(MetadataChain chain, String name) {
    this.reader = new Thread(() -> read(chain), name);
    reader.setDaemon(true);
  }

  /** Starts reading {@code chain} on a new thread named {@code name}. */
  static EntriesAhead start(MetadataChain chain, String name) {
    EntriesAhead a = new EntriesAhead(chain, name);
    a.reader.start();
    return a;
  }

  private void read(MetadataChain chain) {
    Throwable failure = null;
    try (chain) {
      List<FileMeta> batch = new ArrayList<>(BATCH);
      for (FileMeta m = chain.next(); m != null; m = chain.next()) {
        batch.add(m);
        if (batch.size() == BATCH) {
          queue.put(batch);
          batch = new ArrayList<>(BATCH);
        }
      }
      if (!batch.isEmpty()) {
        queue.put(batch);
      }
    } catch (InterruptedException e) {
      return; // closed by the consumer: nobody waits for the rest
    } catch (IOException | RuntimeException | Error e) {
      failure = e;
    }
    try {
      queue.put(new End(failure));
    } catch (InterruptedException e) {
      // closed by the consumer meanwhile
    }
  }

  /**
   * The next batch of entries in index order, or null after the last.
   *
   * @throws IOException what reading the metadata threw (a RuntimeException or Error is rethrown as such)
   */
  @SuppressWarnings("unchecked")
  List<FileMeta> next() throws IOException {
    if (ended) {
      return null;
    }
    Object item;
    try {
      item = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading metadata");
    }
    if (item instanceof End end) {
      ended = true;
      Throwable f = end.failure();
      if (f instanceof IOException io) {
        throw io;
      }
      if (f instanceof RuntimeException r) {
        throw r;
      }
      if (f instanceof Error err) {
        throw err;
      }
      return null;
    }
    return (List<FileMeta>) item;
  }

  /** Stops the reading thread if it is still at work and waits (boundedly) until it has closed the chain. */
  @Override
  public void close() {
    reader.interrupt();
    queue.clear(); // a reader blocked on a full queue gets room, sees the interrupt and ends
    try {
      reader.join(STOP_WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
