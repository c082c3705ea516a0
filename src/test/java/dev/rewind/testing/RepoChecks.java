package dev.rewind.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rewind.cli.Main;
import dev.rewind.core.FileMeta;
import dev.rewind.core.SessionTime;
import dev.rewind.history.MetadataChain;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.function.Executable;

/**
 * Checks of a repository written by Rewind, rdiff-backup or both, session by session, with
 * rdiff-backup 2.2.2 as the oracle ({@code verify --at}, {@code compare --method hash --at},
 * {@code restore --at}) and Rewind's own restore; plus plain readings of the data directory
 * (session time strings, statistics, increments named with a time, metadata diffs) that do not
 * go through Rewind's reader.
 */
public final class RepoChecks {
  private static final Pattern STATS_NAME = Pattern.compile("session_statistics\\.(.+)\\.data");

  private RepoChecks() {}

  /** {@code rdiff-backup verify --at T REPO}: every file of session T has its recorded SHA-1. */
  public static void verifyAt(RdiffBackup rdiff, Path repo, long time, String context) {
    Proc.Result r = rdiff.run(List.of(), "verify", List.of("--at", Long.toString(time), repo.toString()));
    assertEquals(0, r.exitCode(), context + ": rdiff-backup verify --at " + time + " exit code\nstdout: "
        + r.out() + "\nstderr: " + r.stderr());
  }

  /**
   * {@code rdiff-backup compare --method hash --at T SRC REPO} finds no difference between the
   * source as it is now and session T (run it while the source still is what T saw).
   */
  public static void compareHashAt(RdiffBackup rdiff, Path source, Path repo, long time, String context) {
    Proc.Result r = rdiff.run(List.of(), "compare",
        List.of("--method", "hash", "--at", Long.toString(time), source.toString(), repo.toString()));
    if (r.exitCode() != 0 || !r.out().isBlank()) {
      fail(context + ": rdiff-backup compare --method hash --at " + time + " found differences (exit "
          + r.exitCode() + "):\n" + r.out() + r.stderr());
    }
  }

  /** {@code rdiff-backup restore --at T REPO TARGET} as the current user; returns the restored tree. */
  public static TreeSnapshot rdiffRestore(RdiffBackup rdiff, Path repo, long time, Path target) {
    rdiff.restoreAt(repo, time, target);
    return TreeSnapshot.capture(target);
  }

  /** {@code rewind restore --at T REPO TARGET}, in this JVM; fails on a non-zero exit code. */
  public static TreeSnapshot rewindRestore(Path repo, long time, Path target, String context) {
    int exit = Main.run("restore", "--at", Long.toString(time), repo.toString(), target.toString());
    assertEquals(0, exit, context + ": rewind restore --at " + time + " exit code");
    return TreeSnapshot.capture(target);
  }

  /**
   * The session time strings of a repository's data directory, from the statistics files, keyed
   * by the instant each string names in ISO 8601. Caution: in America/St_Johns rdiff-backup (and
   * so Rewind) writes the standard offset in summer ({@code 05:43:20-03:30} for 08:13:20Z), an
   * hour off; the order of the keys is still the order of the sessions.
   */
  public static SortedMap<Long, String> sessionSpellings(Path repo) {
    SortedMap<Long, String> out = new TreeMap<>();
    for (String name : dataDirNames(repo)) {
      Matcher m = STATS_NAME.matcher(name);
      if (m.matches()) {
        out.put(OffsetDateTime.parse(m.group(1)).toEpochSecond(), m.group(1));
      }
    }
    return out;
  }

  /** Names in {@code rdiff-backup-data} (not below it), as Latin-1 strings; none if it is missing. */
  public static List<String> dataDirNames(Path repo) {
    List<String> out = new ArrayList<>();
    try {
      byte[] data = Posix.bytes(repo.resolve("rdiff-backup-data"));
      if (Posix.lstatOrNull(data) == null) {
        return out;
      }
      for (byte[] n : Posix.list(data)) {
        out.add(new String(n, StandardCharsets.ISO_8859_1));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(null);
    return out;
  }

  /** The {@code session_statistics} of the session spelled {@code spelling}, key to value. */
  public static Map<String, String> sessionStatistics(Path repo, String spelling) {
    byte[] text = read(repo.resolve("rdiff-backup-data").resolve("session_statistics." + spelling + ".data"));
    Map<String, String> out = new TreeMap<>();
    for (String line : new String(text, StandardCharsets.UTF_8).split("\n")) {
      String[] kv = line.trim().split(" ", 3);
      if (kv.length >= 2) {
        out.put(kv[0], kv[1]);
      }
    }
    return out;
  }

  /**
   * Every file below {@code rdiff-backup-data/increments} (and {@code long_filename_data})
   * whose name carries the time string {@code spelling}, as escaped relative paths.
   */
  public static List<String> incrementsNamed(Path repo, String spelling) {
    List<String> out = new ArrayList<>();
    byte[] data = Posix.bytes(repo.resolve("rdiff-backup-data"));
    for (String top : List.of("increments", "long_filename_data")) {
      byte[] dir = TreeBuilder.path(data, top.getBytes(StandardCharsets.US_ASCII));
      collect(dir, top, "." + spelling + ".", out);
    }
    return out;
  }

  private static void collect(byte[] dir, String rel, String marker, List<String> out) {
    try {
      Stat st = Posix.lstatOrNull(dir);
      if (st == null || (st.mode() & Stat.S_IFMT) != Stat.S_IFDIR) {
        return;
      }
      for (byte[] name : Posix.list(dir)) {
        String display = rel + "/" + TreeSnapshot.escape(name);
        if (new String(name, StandardCharsets.ISO_8859_1).contains(marker)) {
          out.add(display);
        }
        collect(TreeBuilder.path(dir, name), display, marker, out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The decompressed reverse metadata diff {@code mirror_metadata.<spelling>.diff[.gz]}, or null
   * when that session's metadata is kept as a snapshot instead.
   */
  public static byte[] metadataDiff(Path repo, String spelling) {
    Path data = repo.resolve("rdiff-backup-data");
    for (String name : dataDirNames(repo)) {
      if (name.equals("mirror_metadata." + spelling + ".diff")) {
        return read(data.resolve(name));
      }
      if (name.equals("mirror_metadata." + spelling + ".diff.gz")) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(read(data.resolve(name))))) {
          return in.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return null;
  }

  /** Every record of session {@code epochSecond}'s metadata, read with Rewind's metadata reader. */
  public static List<FileMeta> metadataAt(Path repo, long epochSecond) {
    List<FileMeta> out = new ArrayList<>();
    try {
      Repository r = Repository.open(Posix.bytes(repo));
      SessionTime at = r.sessions().stream().filter(s -> s.epochSecond() == epochSecond).findFirst()
          .orElseThrow(() -> new AssertionError("no session " + epochSecond + " in " + repo));
      try (MetadataChain chain = MetadataChain.open(r, at)) {
        for (FileMeta m = chain.next(); m != null; m = chain.next()) {
          out.add(m);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The escaped paths in the newest session's metadata, read with Rewind's metadata reader. */
  public static TreeSet<String> metadataPaths(Path repo) {
    TreeSet<String> out = new TreeSet<>();
    try {
      Repository r = Repository.open(Posix.bytes(repo));
      assertEquals(1, r.markers().size(), "markers of " + repo);
      try (MetadataChain chain = MetadataChain.open(r, r.markers().get(0))) {
        for (FileMeta m = chain.next(); m != null; m = chain.next()) {
          out.add(m.path().isRoot() ? "." : TreeSnapshot.escape(m.path().bytes()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Fails unless rdiff-backup lists exactly these sessions (its current mirror last). */
  public static void assertListsSessions(RdiffBackup rdiff, Path repo, List<Long> expected, String context) {
    List<Long> listed = rdiff.listIncrementsParsable(repo);
    assertEquals(expected, listed, context + ": sessions listed by rdiff-backup list increments");
    assertTrue(listed.size() >= 1);
  }

  /**
   * The time strings rdiff-backup 2.x puts into file names for these epoch seconds under {@code
   * TZ=tz}: its own {@code rdiff_backup.Time.timetostring}, run by the Python interpreter of the
   * installed {@code rdiff-backup} script.
   */
  public static SortedMap<Long, String> rdiffBackupTimeStrings(String tz, List<Long> times) {
    Tools.require("rdiff-backup");
    String python = "python3";
    String firstLine = new String(read(Tools.find("rdiff-backup")), StandardCharsets.UTF_8).split("\n", 2)[0];
    if (firstLine.startsWith("#!")) {
      python = firstLine.substring(2).trim().split(" ")[0];
    }
    StringBuilder code = new StringBuilder("from rdiff_backup import Time\n");
    for (long t : times) {
      code.append("print(").append(t).append(", Time.timetostring(").append(t).append("))\n");
    }
    Proc.Result r = Proc.run(List.of(python, "-c", code.toString()), null, Map.of("TZ", tz), java.time.Duration.ofSeconds(30))
        .expect(0);
    SortedMap<Long, String> out = new TreeMap<>();
    for (String line : r.out().split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length == 2) {
        out.put(Long.parseLong(f[0]), f[1]);
      }
    }
    assertEquals(times.size(), out.size(), "time strings from rdiff-backup's formatter: " + r.out());
    return out;
  }

  /**
   * The regular files of {@code after} that a backup taking {@code before} as the previous state
   * may have to read (escaped paths): new ones, those whose recorded attributes changed, and
   * those whose hard-link group (the paths sharing their inode) changed. Every other regular
   * file compares equal in rdiff-backup's change detection and must not be read.
   */
  public static java.util.Set<String> changedRegularFiles(TreeSnapshot before, TreeSnapshot after) {
    Map<String, java.util.Set<String>> groupsBefore = inodeGroups(before);
    Map<String, java.util.Set<String>> groupsAfter = inodeGroups(after);
    java.util.Set<String> out = new TreeSet<>();
    for (byte[] p : after.paths()) {
      TreeSnapshot.Entry a = after.get(p);
      if (a.type() != dev.rewind.core.FileType.REGULAR) {
        continue;
      }
      TreeSnapshot.Entry b = before.get(p);
      String name = TreeSnapshot.escape(p);
      boolean changed = b == null || !b.fields().equals(a.fields())
          || !java.util.Objects.equals(groupOf(groupsBefore, b), groupOf(groupsAfter, a));
      if (changed) {
        out.add(name);
        out.addAll(groupOf(groupsAfter, a)); // any path of the group may be the one read
      }
    }
    return out;
  }

  private static Map<String, java.util.Set<String>> inodeGroups(TreeSnapshot s) {
    Map<String, java.util.Set<String>> out = new java.util.HashMap<>();
    for (byte[] p : s.paths()) {
      String inode = s.get(p).inodeKey();
      if (inode != null) {
        out.computeIfAbsent(inode, k -> new TreeSet<>()).add(TreeSnapshot.escape(p));
      }
    }
    return out;
  }

  private static java.util.Set<String> groupOf(Map<String, java.util.Set<String>> groups, TreeSnapshot.Entry e) {
    return e.inodeKey() == null ? java.util.Set.of() : groups.get(e.inodeKey());
  }

  /**
   * Runs {@code concurrent} on two threads (rdiff-backup is single-threaded and slow to start)
   * while running {@code sequential} on this thread (Rewind in this JVM), then reports every
   * failure of both, like {@code assertAll}.
   */
  public static void assertAllConcurrently(String heading, List<Executable> concurrent, List<Executable> sequential) {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<Throwable>> futures = new ArrayList<>();
      for (Executable e : concurrent) {
        futures.add(pool.submit(() -> failureOf(e)));
      }
      List<Executable> outcomes = new ArrayList<>();
      for (Executable e : sequential) {
        outcomes.add(rethrowing(failureOf(e)));
      }
      for (java.util.concurrent.Future<Throwable> f : futures) {
        try {
          outcomes.add(rethrowing(f.get()));
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
          outcomes.add(rethrowing(e));
        }
      }
      org.junit.jupiter.api.Assertions.assertAll(heading, outcomes);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Runs a check now and returns what it threw, or null. */
  public static Throwable failureOf(Executable check) {
    try {
      check.execute();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  /** An executable that throws {@code t} (or passes when it is null), for {@code assertAll}. */
  public static Executable rethrowing(Throwable t) {
    return () -> {
      if (t != null) {
        throw t;
      }
    };
  }

  /** The whole content of a file with an ASCII path. */
  public static byte[] read(Path file) {
    try (InputStream in = Channels.newInputStream(Posix.openRead(Posix.bytes(file)))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
