package dev.rewind.cli;

import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.Scratch;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import dev.rewind.restore.RestoreReport;
import dev.rewind.restore.Restorer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code rewind restore --at TIME REPO[/PATH] TARGET}. */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = "Restore a session (or one path of it) to a new local directory or file.")
final class RestoreCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--at", paramLabel = "TIME", defaultValue = "now",
      description = "Session time: now, epoch seconds, 2024-04-01, 2024-04-01T11:00:00+02:00, 3D, 2B (default: now).")
  String at;

  @Option(names = "--preserve-numerical-ids",
      description = "Restore owners by numeric id, ignoring the recorded user and group names.")
  boolean numericIds;

  @Parameters(index = "0", paramLabel = "REPO[/PATH]", description = "The repository, or a path inside it.")
  String source;

  @Parameters(index = "1", paramLabel = "TARGET", description = "Where to restore; must not exist (or be an empty directory).")
  String target;

  @Override
  public Integer call() throws IOException {
    Repository.Located loc = RepoArgs.locate(source);
    byte[] targetPath = Posix.bytes(Path.of(target));
    Path parent = Path.of(target).toAbsolutePath().normalize().getParent();
    try (Scratch scratch = Scratch.in(Posix.bytes(parent))) {
      History h = RepoArgs.history(loc.repository(), scratch);
      SessionTime session = RepoArgs.session(h, at, main.now());
      RestoreReport report;
      try {
        report = new Restorer(h, session, numericIds).restore(loc.path(), targetPath);
      } catch (IOException e) {
        if (Posix.lstatOrNull(targetPath) != null) {
          throw new IOException(ErrorReporter.describe(e) + " (restore stopped; '" + target
              + "' holds an incomplete restore)", e);
        }
        throw e;
      }
      for (String limitation : report.limitations()) {
        System.err.println("rewind: note: " + limitation);
      }
      for (String failure : report.failures()) {
        System.err.println("rewind: error: " + failure);
      }
      if (!report.isComplete()) {
        System.err.println("rewind: restore of session " + session + " incomplete: "
            + report.failures().size() + " of " + report.entries() + " entries failed");
        return ExitCode.PARTIAL;
      }
      return ExitCode.OK;
    }
  }
}
