package dev.rewind.cli;

import dev.rewind.backup.BackupOptions;
import dev.rewind.backup.BackupSession;
import dev.rewind.backup.Progress;
import dev.rewind.backup.Selection;
import dev.rewind.backup.SourceSelection;
import dev.rewind.posix.Posix;
import dev.rewind.source.SourceTree;
import dev.rewind.source.local.LocalTree;
import dev.rewind.source.sftp.SftpAddress;
import dev.rewind.source.sftp.SftpTree;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code rewind backup [--include GLOB|--exclude GLOB]... SOURCE REPO}, SOURCE a local directory
 * or a remote one ({@code sftp://USER@HOST[:PORT]/PATH} or {@code USER@HOST::/PATH}).
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
    description = {"Back up a directory into a repository (created on the first run).",
        "The repository stays readable and writable by rdiff-backup 2.x."})
final class BackupCommand implements Callable<Integer> {
  @ParentCommand Main main;

  // exclusive: each --include, --exclude or --exclude-other-filesystems is a group instance of its
  // own, so that the list keeps command-line order (a non-exclusive group pairs an --include with
  // the next --exclude)
  @ArgGroup(exclusive = true, multiplicity = "0..*")
  List<SelectionOption> selection = new ArrayList<>();

  /** One selection rule, kept in command-line order (the first rule that decides wins). */
  static final class SelectionOption {
    @Option(names = "--include", paramLabel = "GLOB", description = "Back up paths matching GLOB (first matching rule wins).")
    String include;

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Skip paths matching GLOB, and everything below them.")
    String exclude;

    @Option(names = "--exclude-other-filesystems",
        description = "Skip what lies on other mounted file systems (a rule at its place among --include/--exclude).")
    boolean excludeOtherFilesystems;

    Selection.Rule rule() {
      if (include != null) {
        return Selection.Rule.of(true, include);
      }
      return exclude != null ? Selection.Rule.of(false, exclude) : Selection.Rule.excludeOtherFilesystems();
    }
  }

  @Option(names = "--no-compression", description = "Store increments uncompressed.")
  boolean noCompression;

  @Option(names = "--print-statistics", description = "Print the session statistics at the end (always on a terminal).")
  boolean printStatistics;

  @Option(names = "--ssh-key", paramLabel = "FILE",
      description = "Private key for a remote SOURCE (default: ${REWIND_CONFIG:-/etc/rewind}/id_ed25519).")
  Path sshKey;

  @Option(names = "--known-hosts", paramLabel = "FILE",
      description = "Trusted host keys for a remote SOURCE (default: ${REWIND_CONFIG:-/etc/rewind}/known_hosts; add with 'rewind trust').")
  Path knownHosts;

  @Option(names = "--ssh-timeout", paramLabel = "SECONDS",
      description = "Give up on a remote SOURCE that leaves a request unanswered this long (default: 120); "
          + "the session stops and the next backup rolls it back.")
  long sshTimeoutSeconds = SftpTree.DEFAULT_REQUEST_TIMEOUT.toSeconds();

  @Parameters(index = "0", paramLabel = "SOURCE",
      description = "The directory to back up: a local path, sftp://USER@HOST[:PORT]/PATH or USER@HOST::/PATH.")
  String source;

  @Parameters(index = "1", paramLabel = "REPO", description = "The repository directory.")
  String repo;

  @Override
  public Integer call() throws IOException {
    List<Selection.Rule> rules = new ArrayList<>();
    for (SelectionOption o : selection) {
      rules.add(o.rule());
    }
    if (SftpAddress.looksRemote(source)) {
      SftpAddress address = SftpAddress.parse(source);
      TrustCommand.SshFiles defaults = sshKey != null && knownHosts != null ? null : TrustCommand.SshFiles.of(main.configDir());
      Path key = sshKey != null ? sshKey : defaults.key();
      Path hosts = knownHosts != null ? knownHosts : defaults.knownHosts();
      // globs match the remote path, as with rdiff-backup's remote sources
      if (sshTimeoutSeconds < 1) {
        throw new IllegalArgumentException("--ssh-timeout must be at least 1 second, not " + sshTimeoutSeconds);
      }
      Duration timeout = Duration.ofSeconds(sshTimeoutSeconds);
      return run(() -> SftpTree.open(address, key, hosts, SftpTree.DEFAULT_CONNECTIONS, timeout), address.path(),
          new Selection(rules));
    }
    // never back up the repository into itself
    SourceSelection local = SourceSelection.of(source, List.of(repo), rules);
    return run(() -> new LocalTree(local.root()), local.matchPath(), local.selection());
  }

  /** Opens the source tree; for a remote one this connects. */
  private interface TreeOpener {
    SourceTree open() throws IOException;
  }

  private Integer run(TreeOpener opener, byte[] matchPath, Selection chosen) throws IOException {
    byte[] repoRoot = Posix.bytes(Path.of(repo));
    BackupOptions options = new BackupOptions(main.now(), ZoneId.systemDefault(), chosen, !noCompression);
    ProgressLine line = new ProgressLine(System.console() != null);
    long start = System.nanoTime();
    BackupSession.Result result;
    try (SourceTree tree = opener.open()) {
      result = BackupSession.run(tree, matchPath, repoRoot, options, line);
    } finally {
      line.finish();
    }
    for (String w : result.regressWarnings()) {
      System.err.println("rewind: warning: " + w);
    }
    for (String e : result.errors()) {
      System.err.println("rewind: error: " + e);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (printStatistics || System.console() != null) {
      System.out.println(result.stats().summary(seconds));
    }
    System.out.printf("rewind: %s session %s of '%s' done: %d entries, %d changed, %d errors%n",
        result.initial() ? "initial" : "incremental", result.time(), repo, result.stats().sourceFiles(),
        result.stats().changedFiles(), result.errors().size());
    return result.errors().isEmpty() ? ExitCode.OK : ExitCode.PARTIAL;
  }

  /** A live progress line on a terminal; plain periodic log lines otherwise. */
  static final class ProgressLine implements Progress {
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long entries;
    private long bytes;
    private long lastPrint = System.nanoTime();

    ProgressLine(boolean terminal) {
      this.terminal = terminal;
    }

    @Override
    public void entry(dev.rewind.core.RelPath path, long contentBytes) {
      entries++;
      bytes += contentBytes;
      long now = System.nanoTime();
      long interval = terminal ? 200_000_000L : 30_000_000_000L;
      if (now - lastPrint >= interval) {
        lastPrint = now;
        double secs = (now - start) / 1e9;
        String text = String.format("%d entries, %s copied, %s/s", entries, human(bytes), human((long) (bytes / Math.max(secs, 0.001))));
        if (terminal) {
          System.err.print("\r" + text + "   ");
        } else {
          System.err.println("rewind: progress: " + text);
        }
      }
    }

    void finish() {
      if (terminal && entries > 0) {
        System.err.print("\r" + " ".repeat(70) + "\r");
      }
    }

    private static String human(long b) {
      if (b < 1024 * 1024) {
        return (b / 1024) + " KiB";
      }
      return String.format("%.1f MiB", b / 1048576.0);
    }
  }
}
