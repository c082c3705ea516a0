package dev.rewind.cli;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.SessionTime;
import dev.rewind.backup.BackupOptions;
import dev.rewind.backup.BackupSession;
import dev.rewind.backup.Progress;
import dev.rewind.backup.SourceSelection;
import dev.rewind.fuse.MountOptions;
import dev.rewind.history.History;
import dev.rewind.history.MetadataChain;
import dev.rewind.history.Scratch;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import dev.rewind.restore.RestoreReport;
import dev.rewind.restore.Restorer;
import dev.rewind.source.local.LocalTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code rewind demo}: a guided tour. Backs up a built-in sample tree (or a given directory) over
 * three simulated days, mounts the history at {@code ./rewind-demo/backups}, shows a day
 * directory and what changed between the first and the last day, and unmounts on Enter or
 * Ctrl-C. Where this machine cannot mount (no FUSE, or a non-root user without access to {@code
 * /dev/fuse}), it says why and restores the first day instead.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Back up a sample tree (or --source DIR) over three simulated days, mount the history",
        "at DIR/backups, show a day and what changed, and unmount on Enter or Ctrl-C."})
final class DemoCommand implements Callable<Integer> {
  private static final long DAY = 86400;
  private static final String HOST = "sample";

  @ParentCommand Main main;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = "rewind-demo",
      description = "Working directory for the demo (default: ./rewind-demo); it is recreated.")
  Path dir;

  @Option(names = "--source", paramLabel = "SOURCE_DIR",
      description = "Back up this directory (read only, left as it is) instead of the sample tree.")
  Path given;

  @Option(names = "--no-mount", description = "Do not mount; restore the first day instead.")
  boolean noMount;

  @Override
  public Integer call() throws IOException, InterruptedException {
    Path work = dir.toAbsolutePath().normalize();
    Path source = given == null ? work.resolve("source") : given.toAbsolutePath().normalize();
    Path repos = work.resolve("repos");
    Path repo = repos.resolve(HOST);
    if (given != null && !Files.isDirectory(source)) {
      throw new java.nio.file.NotDirectoryException(source + " (--source)");
    }
    if (given != null && source.startsWith(work)) { // the demo directory is recreated: never a user's files
      throw new IllegalArgumentException("--source '" + source + "' lies inside the demo directory '" + work
          + "', which the demo recreates; give another --dir");
    }
    recreate(work);
    Files.createDirectories(repos);
    long day1 = main.now() - 2 * DAY;
    say((given == null ? "Sample tree in " : "Backing up ") + source + ", repository in " + repo);
    for (int day = 0; day < 3; day++) {
      if (given == null) {
        SampleTree.writeDay(source, day, day1 + day * DAY);
      }
      backup(source, work, repo, day1 + day * DAY);
    }
    say("\n$ rewind list increments " + repo);
    Main.run("list", "increments", repo.toString());

    Repository r = Repository.open(Posix.bytes(repo));
    History h = History.open(r, Scratch.in(r.dataDir()));
    SessionTime first = h.sessions().get(0);
    SessionTime last = h.current();
    List<String> changes = changes(h, first, last);
    if (!noMount && showMounted(work, repos, first, last, changes)) {
      return ExitCode.OK;
    }
    showRestored(work, repo, r, first, last, changes);
    return ExitCode.OK;
  }

  /** Mounts the history, shows it, waits for Enter; false when this machine cannot mount. */
  private boolean showMounted(Path work, Path repos, SessionTime first, SessionTime last, List<String> changes)
      throws IOException, InterruptedException {
    Path mp = work.resolve("backups");
    Files.createDirectories(mp);
    say("\n$ rewind mount " + repos + " " + mp);
    MountLauncher launcher = new MountLauncher(MountOptions.parse(List.of()), List.of(), repos, mp);
    MountLauncher.Attached mount;
    try {
      mount = launcher.attached();
    } catch (IOException e) {
      say("rewind: note: cannot mount here (" + e.getMessage() + "); showing a restore instead");
      return false;
    }
    try (mount) {
      Path host = mp.resolve(HOST);
      String firstDay = day(first);
      run("ls", "-l", host.toString());
      run("ls", "-l", "--time-style=long-iso", host.resolve(firstDay).toString());
      say("\nWhat changed between " + firstDay + " and " + day(last) + ":");
      print(changes);
      say("\n$ cat " + host.resolve(firstDay).resolve(SampleTree.NOTES));
      if (Files.isRegularFile(host.resolve(firstDay).resolve(SampleTree.NOTES))) {
        System.out.print(Files.readString(host.resolve(firstDay).resolve(SampleTree.NOTES)));
      }
      say("\nThe history is mounted at " + mp + " (read-only; restore with cp -a).");
      say("Press Enter to unmount (Ctrl-C unmounts too).");
      System.out.flush();
      new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }
    say("unmounted " + mp);
    return true;
  }

  private void showRestored(Path work, Path repo, Repository r, SessionTime first, SessionTime last, List<String> changes)
      throws IOException {
    Path restored = work.resolve("restored-day1");
    say("\n$ rewind restore --at " + first.spelling() + " " + repo + " " + restored);
    try (Scratch scratch = Scratch.in(Posix.bytes(work))) {
      RestoreReport report = new Restorer(History.open(r, scratch), first, false).restore(RelPath.ROOT, Posix.bytes(restored));
      say("restored " + report.entries() + " entries, " + report.bytes() + " bytes");
    }
    say("\nWhat changed between " + day(first) + " and " + day(last) + ":");
    print(changes);
    if (Files.isRegularFile(restored.resolve(SampleTree.NOTES))) {
      say("\n" + SampleTree.NOTES + " on day 1 (restored by Rewind):");
      System.out.print(Files.readString(restored.resolve(SampleTree.NOTES)));
    }
  }

  /** The name of a session's day directory in the mount (local time, as the mount's default). */
  private static String day(SessionTime t) {
    return java.time.Instant.ofEpochSecond(t.epochSecond()).atZone(java.time.ZoneId.systemDefault()).toLocalDate().toString();
  }

  private static void print(List<String> changes) {
    if (changes.isEmpty()) {
      say("  (nothing)");
    }
    for (String line : changes) {
      say("  " + line);
    }
  }

  /** Runs a command for the reader to see, with its output on ours. */
  private static void run(String... cmd) throws IOException, InterruptedException {
    say("\n$ " + String.join(" ", cmd));
    System.out.flush();
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("'" + String.join(" ", cmd) + "' did not finish within 60 s");
    }
  }

  private static void recreate(Path work) throws IOException {
    if (Files.exists(work.resolve("repos/" + HOST + "/rdiff-backup-data")) || Files.exists(work.resolve("source"))) {
      try (var walk = Files.walk(work)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    } else if (Files.exists(work) && Files.list(work).findAny().isPresent()) {
      // a directory of the user's: never delete what the demo did not make
      throw new IOException("'" + work + "' exists and is not a previous demo directory; use --dir");
    }
    Files.createDirectories(work);
  }

  /** One session, as {@code rewind backup} makes it; the demo directory is left out when it lies inside the source. */
  private static void backup(Path source, Path work, Path repo, long time) throws IOException {
    say("$ rewind --current-time " + time + " backup " + source + " " + repo);
    SourceSelection chosen = SourceSelection.of(source.toString(), List.of(work.toString()), List.of());
    try (LocalTree tree = new LocalTree(chosen.root())) {
      BackupOptions options = new BackupOptions(time, java.time.ZoneId.systemDefault(), chosen.selection(), true);
      BackupSession.Result r = BackupSession.run(tree, chosen.matchPath(), Posix.bytes(repo), options, Progress.NONE);
      say("  session " + r.time() + ": " + r.stats().sourceFiles() + " entries, " + r.stats().changedFiles() + " changed");
    }
  }

  private static List<String> changes(History h, SessionTime from, SessionTime to) throws IOException {
    Map<RelPath, FileMeta> before = entries(h, from);
    Map<RelPath, FileMeta> after = entries(h, to);
    List<String> out = new ArrayList<>();
    for (var e : after.entrySet()) {
      FileMeta old = before.get(e.getKey());
      if (old == null) {
        out.add("new      " + e.getKey());
      } else if (e.getValue().type() == FileType.REGULAR && !java.util.Objects.equals(old.sha1(), e.getValue().sha1())) {
        out.add("changed  " + e.getKey());
      }
    }
    for (RelPath p : before.keySet()) {
      if (!after.containsKey(p)) {
        out.add("deleted  " + p);
      }
    }
    return out;
  }

  private static Map<RelPath, FileMeta> entries(History h, SessionTime t) throws IOException {
    Map<RelPath, FileMeta> out = new TreeMap<>();
    try (MetadataChain c = h.entries(t)) {
      for (FileMeta m = c.next(); m != null; m = c.next()) {
        out.put(m.path(), m);
      }
    }
    return out;
  }

  private static void say(String s) {
    System.out.println(s);
  }
}
