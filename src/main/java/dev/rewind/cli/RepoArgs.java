package dev.rewind.cli;

import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.Scratch;
import dev.rewind.history.TimeSpec;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneId;

/** Opening the repository named on the command line, and resolving {@code --at}. */
final class RepoArgs {
  private RepoArgs() {}

  static Repository.Located locate(String repoArg) throws IOException {
    return Repository.locate(Posix.bytes(Path.of(repoArg)));
  }

  static History history(Repository repo, Scratch scratch) throws IOException {
    return History.open(repo, scratch);
  }

  /** The session that {@code --at SPEC} selects. */
  static SessionTime session(History history, String spec, long now) {
    long t = TimeSpec.resolve(spec, now, history.sessions(), ZoneId.systemDefault());
    return history.sessionAt(t);
  }
}
