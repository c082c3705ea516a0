package dev.rewind.pull;

import dev.rewind.backup.BackupOptions;
import dev.rewind.backup.BackupSession;
import dev.rewind.backup.Progress;
import dev.rewind.backup.RepositoryLock;
import dev.rewind.backup.Retention;
import dev.rewind.backup.SourceSelection;
import dev.rewind.config.HostConfig;
import dev.rewind.history.TimeSpec;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import dev.rewind.source.SourceTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/** One host's pull as named steps: select, open the source, back up, apply retention. */
final class HostPull {
  private final HostConfig host;
  private final PullRunner.Settings settings;

  private final Progress progress;

  HostPull(HostConfig host, PullRunner.Settings settings, Progress progress) {
    this.host = host;
    this.settings = settings;
    this.progress = progress;
  }

  /** Runs the pull; an exception means no session was written. */
  HostResult run(long startNanos) throws IOException {
    SourceSelection selection = HostSelection.of(host, settings.keepOut());
    byte[] repoRoot = Posix.bytes(host.repository());
    createParent(host.repository());
    BackupOptions options = new BackupOptions(settings.now(), settings.zone(), selection.selection(), true);
    BackupSession.Result session;
    try (SourceTree tree = settings.opener().open(host, Posix.display(selection.root()))) {
      session = BackupSession.run(tree, selection.matchPath(), repoRoot, options, progress);
    }
    String problem = session.errors().isEmpty() ? ""
        : session.errors().size() + (session.errors().size() == 1 ? " file" : " files") + " failed, first: "
            + session.errors().get(0);
    int removed = 0;
    if (problem.isEmpty()) {
      try {
        removed = applyRetention(repoRoot);
      } catch (IOException | IllegalArgumentException e) {
        problem = "retention " + host.retention() + " failed: " + settings.describe().apply(e);
      }
    }
    return new HostResult(host.name(), problem.isEmpty() ? HostResult.Outcome.OK : HostResult.Outcome.PARTIAL,
        session.time(), session.stats().sourceFiles(), session.stats().changedBytes(), removed,
        Duration.ofNanos(System.nanoTime() - startNanos), problem);
  }

  /** Removes the sessions older than the host's retention, like {@code rewind remove increments}. */
  private int applyRetention(byte[] repoRoot) throws IOException {
    Repository repo = Repository.open(repoRoot);
    try (RepositoryLock lock = RepositoryLock.acquire(repo.dataDir(), "remove")) {
      repo = Repository.open(repoRoot); // listed again now that the lock is held
      Retention retention = Retention.of(repo);
      long cutoff = TimeSpec.resolve(host.retention(), settings.now(), retention.sessions(), settings.zone());
      Retention.Plan plan = retention.plan(cutoff);
      return plan.removed().isEmpty() ? 0 : retention.remove(plan, lock).removed().size();
    }
  }

  /** The repository's parent (usually repository_root), private to root like the repositories. */
  private static void createParent(Path repository) throws IOException {
    Path parent = repository.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent, PullRunner.PRIVATE_DIR);
    }
  }

}
