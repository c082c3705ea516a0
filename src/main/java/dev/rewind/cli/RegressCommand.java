package dev.rewind.cli;

import dev.rewind.backup.Regress;
import dev.rewind.backup.RepositoryLock;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code rewind regress REPO}: undo an interrupted backup session. */
@Command(name = "regress", mixinStandardHelpOptions = true,
    description = "Return a repository whose last backup was interrupted to its last complete session.")
final class RegressCommand implements Callable<Integer> {
  @Parameters(paramLabel = "REPO", description = "The repository.")
  String repo;

  @Override
  public Integer call() throws IOException {
    Repository r = RepoArgs.locate(repo).repository();
    try (RepositoryLock lock = RepositoryLock.acquire(r, "regress")) {
      r = Repository.open(r.root());
      if (!Regress.needed(r)) {
        System.out.println("rewind: '" + r.display() + "' does not need to be regressed");
        return ExitCode.OK;
      }
      String target = r.markers().get(r.markers().size() - 2).spelling();
      List<String> warnings = Regress.run(r);
      for (String w : warnings) {
        System.err.println("rewind: warning: " + w);
      }
      System.out.println("rewind: regressed '" + r.display() + "' to session " + target);
      return warnings.isEmpty() ? ExitCode.OK : ExitCode.PARTIAL;
    }
  }
}
