package dev.rewind.cli;

import dev.rewind.backup.RepositoryLock;
import dev.rewind.core.RelPath;
import dev.rewind.history.History;
import dev.rewind.history.Scratch;
import dev.rewind.ops.RestoreDrill;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

/** {@code rewind verify --restore-test}: runs a {@link RestoreDrill} and prints what it checked. */
final class RestoreDrillRun {
  private RestoreDrillRun() {}

  static int run(String repoArg, int sample, Long seedOption) throws IOException {
    if (sample < 1) {
      throw new IllegalArgumentException("--sample " + sample + ": must be at least 1");
    }
    long seed = seedOption != null ? seedOption : new SecureRandom().nextLong();
    Repository.Located loc = RepoArgs.locate(repoArg);
    Path work = Files.createTempDirectory("rewind-restore-drill-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try (RepositoryLock lock = RepositoryLock.acquireShared(loc.repository().dataDir(), Clock.systemDefaultZone());
        Scratch scratch = Scratch.in(Posix.bytes(work))) {
      Repository r = Repository.open(loc.repository().root()); // listed again now that writers are excluded
      History h = RepoArgs.history(r, scratch);
      System.out.println("rewind: restore drill of '" + r.display() + "': " + sample + " files, seed " + seed);
      List<RestoreDrill.Check> checks =
          new RestoreDrill(h, seed).run(sample, loc.path(), Posix.bytes(work), RestoreDrillRun::print);
      return summary(checks, seed);
    } finally {
      deleteTree(work);
    }
  }

  private static void print(RestoreDrill.Check c) {
    String what = c.session() + "  " + printable(c.path().toString());
    if (c.passed()) {
      System.out.println("ok      " + what + String.format(Locale.ROOT, " (%d bytes)", c.size()));
    } else {
      System.out.println("FAILED  " + what);
      String named = "'" + c.path() + "' at session " + c.session();
      System.err.println("rewind: error: " + printable(c.failure().contains(named) ? c.failure() : named + ": " + c.failure()));
    }
    System.out.flush();
  }

  private static int summary(List<RestoreDrill.Check> checks, long seed) {
    long failed = checks.stream().filter(c -> !c.passed()).count();
    long sessions = checks.stream().map(RestoreDrill.Check::session).distinct().count();
    String what = checks.size() + " files from " + sessions + " sessions (seed " + seed + ")";
    if (checks.isEmpty()) {
      System.err.println("rewind: error: restore drill found no regular file with a recorded SHA-1 to restore");
      return ExitCode.ERROR;
    }
    if (failed > 0) {
      System.err.println("rewind: restore drill FAILED: " + failed + " of " + what + " did not restore intact");
      return ExitCode.PARTIAL;
    }
    System.out.println("rewind: restore drill passed: " + what + " restored and matched their SHA-1");
    return ExitCode.OK;
  }

  private static String printable(String s) {
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
