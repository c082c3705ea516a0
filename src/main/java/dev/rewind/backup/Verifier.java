package dev.rewind.backup;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.MetadataChain;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks a session as rdiff-backup's {@code verify} does: every regular file is rebuilt (from the
 * mirror and the reverse increments) and compared with the size and SHA-1 its metadata records.
 * Every file that fails is reported, not just the first.
 *
 * <p>In a hard-link group only the first path usually carries a {@code SHA1Digest}; the others
 * are checked against the group's digest, as rdiff-backup does (each path has its own
 * increments, so each is rebuilt). A file with no digest at all (repositories older than
 * rdiff-backup 1.1.1) is checked for its size only and counted.
 *
 * <p>Files are rebuilt by a fixed number of worker threads; the report is the same whatever the
 * number. Thread-safe if the history is (it is).
 */
public final class Verifier {
  private final History history;
  private final int workers;

  /** @param workers how many files are rebuilt at once (at least 1) */
  public Verifier(History history, int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1: " + workers);
    }
    this.history = history;
    this.workers = workers;
  }

  /**
   * What a verification found.
   *
   * @param files the regular files checked
   * @param bytes their sizes added up
   * @param withoutDigest files that have no recorded SHA-1 (only their size was checked)
   * @param failures every file that failed, sorted by path
   */
  public record Report(SessionTime session, long files, long bytes, long withoutDigest, List<Failure> failures) {
    public Report {
      failures = List.copyOf(failures);
    }

    public boolean isClean() {
      return failures.isEmpty();
    }
  }

  /** One file that could not be rebuilt to its recorded size and SHA-1. */
  public record Failure(RelPath path, String message) {}

  /** Checks every regular file of {@code session} below {@code under} (the root for all). */
  public Report verify(SessionTime session, RelPath under) throws IOException {
    Run run = new Run(session);
    ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "rewind-verify");
      t.setDaemon(true);
      return t;
    });
    try {
      Semaphore inFlight = new Semaphore(workers * 4);
      for (FileMeta m : run.collect(under, pool, inFlight)) {
        run.submit(m, run.groupDigest.get(m.hardLinkKey()), pool, inFlight);
      }
      pool.shutdown();
      awaitTermination(pool);
    } finally {
      pool.shutdownNow();
    }
    return run.report();
  }

  private static void awaitTermination(ExecutorService pool) throws IOException {
    try {
      while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
        // keep waiting: big files take long
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("verification interrupted");
    }
  }

  /** The state of one verification. */
  private final class Run {
    final SessionTime session;
    final Map<String, String> groupDigest = new HashMap<>();
    final Queue<Failure> failures = new ConcurrentLinkedQueue<>();
    final AtomicLong files = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong withoutDigest = new AtomicLong();

    Run(SessionTime session) {
      this.session = session;
    }

    /**
     * Streams the session's entries, submitting each regular file below {@code under} whose
     * digest is known; returns the hard links whose group digest was not seen yet (it may be on
     * a later path), to be submitted once all entries are known.
     */
    List<FileMeta> collect(RelPath under, ExecutorService pool, Semaphore inFlight) throws IOException {
      List<FileMeta> deferred = new ArrayList<>();
      try (MetadataChain chain = history.entries(session)) {
        for (FileMeta m = chain.next(); m != null; m = chain.next()) {
          if (m.isHardLinked() && m.sha1() != null) {
            groupDigest.putIfAbsent(m.hardLinkKey(), m.sha1()); // also from outside the subtree
          }
          if (m.type() != FileType.REGULAR || !under.contains(m.path())) {
            continue;
          }
          if (m.sha1() != null || (m.isHardLinked() && groupDigest.containsKey(m.hardLinkKey()))) {
            submit(m, groupDigest.get(m.hardLinkKey()), pool, inFlight);
          } else if (m.isHardLinked()) {
            deferred.add(m);
          } else {
            submit(m, null, pool, inFlight);
          }
        }
      }
      return deferred;
    }

    void submit(FileMeta m, String groupSha1, ExecutorService pool, Semaphore inFlight) throws IOException {
      FileMeta checked = m.sha1() != null || groupSha1 == null ? m : withSha1(m, groupSha1);
      try {
        inFlight.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("verification interrupted");
      }
      pool.execute(() -> {
        try {
          check(checked);
        } finally {
          inFlight.release();
        }
      });
    }

    private void check(FileMeta m) {
      files.incrementAndGet();
      bytes.addAndGet(m.size());
      if (m.sha1() == null) {
        withoutDigest.incrementAndGet();
      }
      try {
        history.content().copyTo(m, session, OutputStream.nullOutputStream());
      } catch (IOException e) {
        failures.add(new Failure(m.path(), describe(m.path(), e.getMessage())));
      } catch (RuntimeException e) {
        // a decoder choking on damaged data is a finding about this file, not the end of the run
        failures.add(new Failure(m.path(), describe(m.path(), "cannot rebuild: " + e)));
      }
    }

    /** One line naming the path and the session, whatever the message already says. */
    private String describe(RelPath path, String message) {
      String m = message == null ? "unknown error" : message;
      boolean named = m.contains("'" + path + "'") && m.contains(" at session " + session);
      return (named ? m : "'" + path + "' at session " + session + ": " + m).replace("\n", "\\n");
    }

    Report report() {
      List<Failure> sorted = new ArrayList<>(failures);
      sorted.sort(Comparator.comparing(Failure::path));
      return new Report(session, files.get(), bytes.get(), withoutDigest.get(), sorted);
    }
  }

  private static FileMeta withSha1(FileMeta m, String sha1) {
    FileMeta.Builder b = m.toBuilder();
    b.sha1 = sha1;
    return b.build();
  }
}
