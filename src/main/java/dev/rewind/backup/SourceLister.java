package dev.rewind.backup;

import dev.rewind.core.RelPath;
import dev.rewind.source.SourceEntry;
import dev.rewind.source.SourceTree;
import dev.rewind.source.local.LocalTree;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Lists source directories for the walk, reading ahead on a second thread: while the walk works
 * through one directory, the directories it will enter next are already being listed (an lstat
 * and an llistxattr per entry, the bulk of a no-change backup's system calls). Only a local
 * tree reads ahead; other trees are listed by the walk itself. Used by the walk's thread only.
 */
final class SourceLister implements AutoCloseable {
  /** Listings started but not yet taken: bounds the memory read-ahead may hold. */
  private static final int MAX_AHEAD = 64;

  private final SourceTree source;
  private final ExecutorService lister;
  private final Map<RelPath, Future<List<SourceEntry>>> ahead = new HashMap<>();

  SourceLister(SourceTree source) {
    this.source = source;
    this.lister = source instanceof LocalTree ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "rewind-lister");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  /** Starts listing {@code dir} in the background, if there is room for it. */
  void readAhead(RelPath dir) {
    if (lister != null && ahead.size() < MAX_AHEAD && !ahead.containsKey(dir)) {
      ahead.put(dir, lister.submit(() -> source.list(dir)));
    }
  }

  /** The entries of {@code dir}: read ahead if they were, else listed now. */
  List<SourceEntry> list(RelPath dir) throws IOException {
    Future<List<SourceEntry>> f = ahead.remove(dir);
    if (f == null || f.cancel(false)) {
      return source.list(dir); // the lister has not got to it yet: no point waiting for it
    }
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while listing " + dir);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw (Error) cause;
    }
  }

  @Override
  public void close() {
    if (lister != null) {
      ahead.values().forEach(f -> f.cancel(true));
      ahead.clear();
      lister.shutdownNow();
    }
  }
}
