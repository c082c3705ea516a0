package dev.rewind.cli;

import dev.rewind.backup.RepositoryLock;
import dev.rewind.backup.Verifier;
import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.Scratch;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code rewind verify [--at TIME] REPO[/PATH]} and {@code rewind verify --restore-test [--sample N] [--seed S] REPO[/PATH]}. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {
        "Check the size and SHA-1 of every file of a session (like rdiff-backup verify).",
        "Every regular file is rebuilt from the mirror and the increments and compared with its"
            + " metadata. Every file that fails is named on stderr with the session; the others are"
            + " still checked. Hard links without a digest of their own are checked against their"
            + " group's digest. Refused while a backup, regress or remove holds the repository.",
        "With --restore-test, a restore drill instead: N regular files, each from a random session,"
            + " are rebuilt as restore rebuilds them into a private temporary directory and read back;"
            + " each line names the session and file; the seed is printed so that a failing sample can"
            + " be drawn again."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every file verified",
        "1:could not verify at all (not a repository, locked, unreadable metadata); one line on stderr",
        "2:bad command line",
        "4:some files failed verification or the restore drill (each named on stderr); the repository"
            + " may be corrupted"})
final class VerifyCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--at", paramLabel = "TIME", defaultValue = "now",
      description = "Session to verify: now, epoch seconds, 2024-04-01, 2024-04-01T11:00:00+02:00, 3D, 2B"
          + " (default: now, the current mirror).")
  String at;

  @Parameters(paramLabel = "REPO[/PATH]", description = "The repository, or a path inside it to verify only that subtree.")
  String repo;

  @Option(names = "--restore-test", description = "Run a restore drill on a random sample of files and sessions.")
  boolean restoreTest;

  @Option(names = "--sample", paramLabel = "N", defaultValue = "20",
      description = "With --restore-test: how many files to restore (default: ${DEFAULT-VALUE}).")
  int sample;

  @Option(names = "--seed", paramLabel = "S",
      description = "With --restore-test: the random seed, to draw a previous sample again (default: random).")
  Long seed;

  @Override
  public Integer call() throws IOException {
    if (restoreTest) {
      if (!at.equals("now")) {
        throw new IllegalArgumentException("--at does not go with --restore-test, which draws its sessions at random");
      }
      return RestoreDrillRun.run(repo, sample, seed);
    }
    Repository.Located loc = RepoArgs.locate(repo);
    try (RepositoryLock lock = RepositoryLock.acquireShared(loc.repository().dataDir(), Clock.systemDefaultZone());
        Scratch scratch = scratchFor(loc.repository())) {
      Repository r = Repository.open(loc.repository().root()); // listed again now that writers are excluded
      History h = RepoArgs.history(r, scratch);
      SessionTime session = RepoArgs.session(h, at, main.now());
      Verifier.Report report = new Verifier(h, workers()).verify(session, loc.path());
      return print(report, r);
    }
  }

  private static int print(Verifier.Report report, Repository r) {
    for (Verifier.Failure f : report.failures()) {
      System.err.println("rewind: error: " + f.message());
    }
    if (report.withoutDigest() > 0) {
      System.err.println("rewind: note: " + report.withoutDigest() + " files have no recorded SHA-1"
          + " (written before rdiff-backup 1.1.1?); only their size was checked");
    }
    String what = report.files() + " files, " + report.bytes() + " bytes, session " + report.session()
        + " of '" + r.display() + "'";
    if (!report.isClean()) {
      System.err.println("rewind: Verification found " + report.failures().size()
          + " potentially corrupted files (" + what + ")");
      return ExitCode.PARTIAL;
    }
    System.out.println("All files verified successfully (" + what + ")");
    return ExitCode.OK;
  }

  /** Rebuilt versions go next to the repository (room for big files), else to the temp dir. */
  private static Scratch scratchFor(Repository r) {
    Scratch inRepo = Scratch.in(r.dataDir());
    try {
      Scratch.Temp probe = inRepo.newFile();
      probe.channel().close();
      probe.delete();
      return inRepo;
    } catch (IOException e) {
      closeQuietly(inRepo);
      return Scratch.in(Posix.bytes(Path.of(System.getProperty("java.io.tmpdir"))));
    }
  }

  private static void closeQuietly(Scratch s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing was made
    }
  }

  private static int workers() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }
}
