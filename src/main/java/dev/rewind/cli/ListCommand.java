package dev.rewind.cli;

import dev.rewind.core.FileMeta;
import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.MetadataChain;
import dev.rewind.history.Scratch;
import dev.rewind.repo.Repository;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code rewind list increments|files}: what a repository holds. */
@Command(name = "list", description = "List the sessions of a repository or the files of one session.",
    mixinStandardHelpOptions = true,
    subcommands = {ListCommand.Increments.class, ListCommand.Files.class})
final class ListCommand implements Runnable {
  @ParentCommand Main main;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "say what to list: 'increments' or 'files'");
  }

  static final DateTimeFormatter HUMAN =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);

  static String human(SessionTime t) {
    return HUMAN.format(Instant.ofEpochSecond(t.epochSecond()).atZone(ZoneId.systemDefault()));
  }

  /** Every session, oldest first, the current mirror last (also sessions with no changes). */
  @Command(name = "increments", mixinStandardHelpOptions = true,
      description = "List every session of the repository, oldest first.")
  static final class Increments implements Callable<Integer> {
    @ParentCommand ListCommand list;

    @Parameters(paramLabel = "REPO", description = "The repository.")
    String repo;

    @Option(names = "--parsable-output", description = "One 'EPOCH TYPE' line per session.")
    boolean parsable;

    @Override
    public Integer call() throws IOException {
      Repository r = RepoArgs.locate(repo).repository();
      History h = RepoArgs.history(r, Scratch.in(r.dataDir()));
      List<SessionTime> sessions = h.sessions();
      StringBuilder out = new StringBuilder();
      if (parsable) {
        for (SessionTime s : sessions) {
          out.append(s.epochSecond()).append(" directory\n");
        }
      } else {
        out.append("Found ").append(sessions.size() - 1).append(" increments:\n");
        for (SessionTime s : sessions.subList(0, sessions.size() - 1)) {
          out.append(String.format("    %-38s %s%n", "increments." + s.spelling() + ".dir", human(s)));
        }
        out.append("Current mirror: ").append(human(h.current())).append('\n');
      }
      System.out.print(out);
      System.out.flush();
      return ExitCode.OK;
    }
  }

  /** The paths present at one session, one per line, raw bytes like rdiff-backup. */
  @Command(name = "files", mixinStandardHelpOptions = true,
      description = "List the paths present at a session (raw names, one per line).")
  static final class Files implements Callable<Integer> {
    @ParentCommand ListCommand list;

    @Option(names = "--at", paramLabel = "TIME", defaultValue = "now",
        description = "Session time: now, epoch seconds, 2024-04-01, 3D, 2B, ... (default: now).")
    String at;

    @Parameters(paramLabel = "REPO[/PATH]", description = "The repository, or a path inside it.")
    String repo;

    @Override
    public Integer call() throws IOException {
      Repository.Located loc = RepoArgs.locate(repo);
      History h = RepoArgs.history(loc.repository(), Scratch.in(loc.repository().dataDir()));
      SessionTime session = RepoArgs.session(h, at, list.main.now());
      OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
      try (MetadataChain chain = h.entries(session)) {
        for (FileMeta m = chain.next(); m != null; m = chain.next()) {
          if (loc.path().contains(m.path())) {
            out.write(m.path().indexBytes());
            out.write('\n');
          }
        }
      }
      out.flush();
      return ExitCode.OK;
    }
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
