package dev.rewind.pull;

import dev.rewind.config.HostConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Pulls many hosts, at most {@code parallel} at once. Each host is isolated: whatever goes wrong
 * with one (unreachable, bad path, repository locked by another backup, a bug) becomes its
 * FAILED result and the others go on. Every attempt is recorded in the host's state file.
 * Retention runs only after a session without file errors: a partial session keeps the older
 * ones, which may hold the files it could not read.
 */
public final class PullRunner {
  static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  /**
   * What every host's pull shares.
   *
   * @param now the session time, epoch seconds ({@code --current-time} or the clock)
   * @param zone the zone of the session names
   * @param stateDir where {@code <host>.state} files go (created 0700)
   * @param keepOut directories of this machine never backed up by a local host (repositories)
   * @param describe one line for a failure, naming what failed
   */
  public record Settings(long now, ZoneId zone, int parallel, Path stateDir, List<String> keepOut,
      SourceOpener opener, Function<Throwable, String> describe) {
    public Settings {
      if (parallel < 1) {
        throw new IllegalArgumentException("parallel must be at least 1, not " + parallel);
      }
      keepOut = List.copyOf(keepOut);
    }
  }

  private final Settings settings;

  public PullRunner(Settings settings) {
    this.settings = settings;
  }

  /**
   * Pulls {@code hosts}; {@code log} gets a line when a host starts and its result line when it
   * ends (called from worker threads, one call at a time).
   *
   * @return the results in the order of {@code hosts}
   */
  public List<HostResult> run(List<HostConfig> hosts, Consumer<String> log) throws IOException {
    Files.createDirectories(settings.stateDir(), PRIVATE_DIR);
    Consumer<String> serialLog = line -> {
      synchronized (log) {
        log.accept(line);
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(settings.parallel(), Math.max(1, hosts.size())));
    try {
      List<Future<HostResult>> futures = new ArrayList<>();
      for (HostConfig h : hosts) {
        futures.add(pool.submit(() -> pullAndRecord(h, serialLog)));
      }
      List<HostResult> results = new ArrayList<>();
      for (Future<HostResult> f : futures) {
        results.add(await(f));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /** {@code 3 hosts: 2 ok, 1 failed} (partial only when there is one). */
  public static String summary(List<HostResult> results) {
    long ok = results.stream().filter(r -> r.outcome() == HostResult.Outcome.OK).count();
    long partial = results.stream().filter(r -> r.outcome() == HostResult.Outcome.PARTIAL).count();
    long failed = results.size() - ok - partial;
    return results.size() + (results.size() == 1 ? " host: " : " hosts: ") + ok + " ok, "
        + (partial > 0 ? partial + " partial, " : "") + failed + " failed";
  }

  private HostResult pullAndRecord(HostConfig host, Consumer<String> log) {
    long start = System.nanoTime();
    log.accept(host.name() + ": started, " + String.join(" ", host.paths()) + " -> " + host.repository());
    HostResult result;
    try {
      result = new HostPull(host, settings, new ProgressLog(host.name(), log, System::nanoTime)).run(start);
    } catch (Exception e) { // anything, so that one host never stops the others
      result = HostResult.failed(host.name(), Duration.ofNanos(System.nanoTime() - start), settings.describe().apply(e));
    }
    try {
      record(host, result);
    } catch (IOException e) {
      result = HostResult.failed(host.name(), result.elapsed(), "cannot write the state file: " + settings.describe().apply(e));
    }
    log.accept(result.line());
    return result;
  }

  private void record(HostConfig host, HostResult result) throws IOException {
    Path file = PullState.file(settings.stateDir(), host.name());
    OptionalLong lastSuccess;
    if (result.outcome() == HostResult.Outcome.FAILED) {
      lastSuccess = previousSuccess(file);
    } else {
      lastSuccess = OptionalLong.of(settings.now());
    }
    new PullState(settings.now(), lastSuccess, result.outcome().spelling(), result.message(),
        result.elapsed().toMillis()).write(file);
  }

  /** The last success recorded before; a damaged state file only loses that. */
  private static OptionalLong previousSuccess(Path file) {
    try {
      PullState previous = PullState.readOrNull(file);
      return previous == null ? OptionalLong.empty() : previous.lastSuccess();
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  private static HostResult await(Future<HostResult> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while pulling", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a host's pull escaped its handler", e.getCause()); // a bug: pullAndRecord catches all
    }
  }
}
