package dev.rewind.cli;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.SessionTime;
import dev.rewind.backup.BackupOptions;
import dev.rewind.backup.BackupSession;
import dev.rewind.backup.Progress;
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
 * {@code rewind demo}: a guided tour on a built-in sample tree: three simulated days of backups,
 * the list of sessions, a restore of the first day and what changed since.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Back up a sample tree over three simulated days and restore the first day.")
final class DemoCommand implements Callable<Integer> {
  private static final long DAY = 86400;

  @ParentCommand Main main;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = "rewind-demo",
      description = "Working directory for the demo (default: ./rewind-demo); it is recreated.")
  Path dir;

  @Override
  public Integer call() throws IOException {
    Path work = dir.toAbsolutePath().normalize();
    Path source = work.resolve("source");
    Path repo = work.resolve("repo");
    Path restored = work.resolve("restored-day1");
    recreate(work);
    long day1 = main.now() - 3 * DAY;
    say("Sample tree in " + source + ", repository in " + repo);
    writeDay1(source);
    backup(source, repo, day1);
    writeDay2(source);
    backup(source, repo, day1 + DAY);
    writeDay3(source);
    backup(source, repo, day1 + 2 * DAY);

    Repository r = Repository.open(Posix.bytes(repo));
    History h = History.open(r, Scratch.in(r.dataDir()));
    say("\n$ rewind list increments " + repo);
    new picocli.CommandLine(new Main()).execute("list", "increments", repo.toString());
    SessionTime first = h.sessions().get(0);
    say("\n$ rewind restore --at " + first.spelling() + " " + repo + " " + restored);
    try (Scratch scratch = Scratch.in(Posix.bytes(work))) {
      History forRestore = History.open(r, scratch);
      RestoreReport report = new Restorer(forRestore, first, false).restore(RelPath.ROOT, Posix.bytes(restored));
      say("restored " + report.entries() + " entries, " + report.bytes() + " bytes");
    }
    say("\nWhat changed between day 1 and day 3:");
    for (String line : changes(h, first, h.current())) {
      say("  " + line);
    }
    say("\nnotes.txt on day 1 (restored by Rewind):");
    System.out.print(Files.readString(restored.resolve("notes.txt")));
    say("notes.txt today:");
    System.out.print(Files.readString(source.resolve("notes.txt")));
    return ExitCode.OK;
  }

  private static void recreate(Path work) throws IOException {
    if (Files.exists(work.resolve("repo/rdiff-backup-data")) || Files.exists(work.resolve("source"))) {
      try (var walk = Files.walk(work)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    } else if (Files.exists(work) && Files.list(work).findAny().isPresent()) {
      throw new IOException("'" + work + "' exists and is not a previous demo directory; use --dir");
    }
    Files.createDirectories(work);
  }

  private static void writeDay1(Path s) throws IOException {
    Files.createDirectories(s.resolve("docs"));
    Files.writeString(s.resolve("notes.txt"), "Day 1: the server was installed.\n");
    Files.writeString(s.resolve("docs/plan.md"), "# Plan\n- install\n");
    Files.write(s.resolve("docs/big.bin"), pseudoRandom(3 << 20, 1));
    Files.writeString(s.resolve("will-vanish.txt"), "only on day 1\n");
    Files.createSymbolicLink(s.resolve("latest-notes"), Path.of("notes.txt"));
  }

  private static void writeDay2(Path s) throws IOException {
    Files.writeString(s.resolve("notes.txt"), "Day 2: backups were configured.\n", java.nio.file.StandardOpenOption.APPEND);
    byte[] big = Files.readAllBytes(s.resolve("docs/big.bin"));
    System.arraycopy("edited on day 2".getBytes(StandardCharsets.US_ASCII), 0, big, 1 << 20, 15);
    Files.write(s.resolve("docs/big.bin"), big);
    Files.delete(s.resolve("will-vanish.txt"));
  }

  private static void writeDay3(Path s) throws IOException {
    Files.writeString(s.resolve("notes.txt"), "Day 3: someone rewrote the notes.\n");
    Files.writeString(s.resolve("docs/new-on-day3.txt"), "new\n");
  }

  private static byte[] pseudoRandom(int size, long seed) {
    byte[] b = new byte[size];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  private static void backup(Path source, Path repo, long time) throws IOException {
    say("$ rewind --current-time " + time + " backup " + source + " " + repo);
    byte[] src = Posix.bytes(source);
    try (LocalTree tree = new LocalTree(src)) {
      BackupSession.Result r = BackupSession.run(tree, src, Posix.bytes(repo), BackupOptions.defaults(time), Progress.NONE);
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
