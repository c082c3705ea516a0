package dev.rewind.cli;

import dev.rewind.backup.LockHolder;
import dev.rewind.backup.RepositoryLock;
import dev.rewind.backup.Retention;
import dev.rewind.core.SessionTime;
import dev.rewind.history.TimeSpec;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code rewind remove increments --older-than TIME REPO}: retention. */
@Command(name = "remove", description = "Remove old sessions from a repository.",
    mixinStandardHelpOptions = true,
    subcommands = {RemoveCommand.Increments.class})
final class RemoveCommand implements Runnable {
  @ParentCommand Main main;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "say what to remove: 'increments'");
  }

  /** Deletes every session older than a time, never the current mirror. */
  @Command(name = "increments", mixinStandardHelpOptions = true,
      description = {
          "Remove every session older than TIME (never the current mirror).",
          "A removed session loses its metadata, increments, statistics and logs; directories of"
              + " increments that became empty go too. The current mirror (the newest session) is"
              + " never removed, whatever TIME says.",
          "Unlike rdiff-backup, removing several sessions at once needs no --force: a scheduled"
              + " '--older-than 30D' removes everything that has expired, also after missed runs,"
              + " and prints each removed session. Use --dry-run to see them first.",
          "The oldest sessions are forgotten first, so an interrupted removal leaves a shorter but"
              + " consistent history (run it again to finish). Refused while a backup, regress or"
              + " other remove holds the repository (also rdiff-backup with --api-version 201), and"
              + " on a repository whose last backup did not finish (regress it first)."},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
          "0:done, also when no session was old enough",
          "1:error (not a repository, locked, unfinished backup, cannot delete); one line on stderr",
          "2:bad command line"})
  static final class Increments implements Callable<Integer> {
    @ParentCommand RemoveCommand remove;

    @Option(names = "--older-than", paramLabel = "TIME", required = true,
        description = "Remove sessions before this time: an interval back from now (30D, 2W, 6M),"
            + " a date (2024-04-01), epoch seconds, a time string, or NB to keep the last N sessions"
            + " (and the current mirror).")
    String olderThan;

    @Option(names = "--dry-run", description = "Only print which sessions would be removed.")
    boolean dryRun;

    @Parameters(paramLabel = "REPO", description = "The repository (its root directory).")
    String repo;

    @Override
    public Integer call() throws IOException {
      Repository.Located loc = RepoArgs.locate(repo);
      if (!loc.path().isRoot()) {
        throw new IllegalArgumentException("increments can only be removed from a whole repository: give '"
            + loc.repository().display() + "', not a path inside it");
      }
      byte[] dataDir = loc.repository().dataDir();
      Clock clock = Clock.systemDefaultZone();
      try (RepositoryLock lock = dryRun ? RepositoryLock.acquireShared(dataDir, clock)
          : RepositoryLock.acquire(dataDir, "remove", clock)) {
        noteStale(lock.staleHolder(), loc.repository());
        Repository r = Repository.open(loc.repository().root()); // listed again now that the lock is held
        Retention retention = Retention.of(r);
        long cutoff = TimeSpec.resolve(olderThan, remove.main.now(), retention.sessions(), ZoneId.systemDefault());
        Retention.Plan plan = retention.plan(cutoff);
        if (plan.removed().isEmpty()) {
          System.out.println("No session of '" + r.display() + "' is older than " + human(cutoff)
              + "; nothing removed (oldest session: " + plan.cutoff() + ")");
          return ExitCode.OK;
        }
        if (dryRun) {
          print("Would remove " + count(plan.removed()) + " older than " + human(cutoff) + ":", plan.removed());
          return ExitCode.OK;
        }
        Retention.Result result = retention.remove(plan, lock);
        print("Removed " + count(result.removed()) + " older than " + human(cutoff) + ":", result.removed());
        System.out.println("Deleted " + result.files() + " files (" + result.bytes() + " bytes) and "
            + result.directories() + " empty directories; the oldest session is now " + plan.cutoff() + ".");
        return ExitCode.OK;
      }
    }

    private static void noteStale(LockHolder stale, Repository r) {
      if (stale != null) {
        System.err.println("rewind: note: '" + r.display() + "' was last locked by " + stale.describe()
            + ", which ended without unlocking it (crashed?); it no longer holds the lock");
      }
    }

    private static String count(List<SessionTime> sessions) {
      return sessions.size() == 1 ? "1 session" : sessions.size() + " sessions";
    }

    private static void print(String heading, List<SessionTime> sessions) {
      StringBuilder out = new StringBuilder(heading).append('\n');
      for (SessionTime s : sessions) {
        out.append(String.format("    %-26s %s%n", s.spelling(), ListCommand.human(s)));
      }
      System.out.print(out);
      System.out.flush();
    }

    private static String human(long epochSecond) {
      return ListCommand.HUMAN.format(Instant.ofEpochSecond(epochSecond).atZone(ZoneId.systemDefault()));
    }
  }
}
