package dev.rewind.backup;

import static dev.rewind.testing.TreeSnapshot.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RepoChecks;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SampleRepos;
import dev.rewind.testing.SourceSeries;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rewind writes, rdiff-backup 2.2.2 reads: {@code rewind backup} (the packaged jar, as users run
 * it) makes the six sessions of the sample series (every change kind, names with a newline and
 * invalid UTF-8, owners, modes, devices, xattrs, ACLs, a session without changes); then for every
 * session rdiff-backup verifies it, restores exactly the source of that session and finds no
 * difference with {@code compare --method hash}, lists it in {@code list increments}, and Rewind
 * restores it exactly too. The time strings in the names must be the ones rdiff-backup writes in
 * the same zone.
 */
@Tag("interop")
class BackupInteropIT {
  /** How the series is written. */
  enum Variant {
    DEFAULT("Europe/Berlin", false),
    NO_COMPRESSION("Europe/Berlin", true),
    UTC("UTC", false),
    ST_JOHNS("America/St_Johns", false);

    final String tz;
    final boolean noCompression;

    Variant(String tz, boolean noCompression) {
      this.tz = tz;
      this.noCompression = noCompression;
    }
  }

  /** Data-directory names that carry a session time string. */
  private static final Pattern TIMED_NAME =
      Pattern.compile("[a-z_]+\\.(\\d{4}-\\d\\d-\\d\\dT[^.]+)\\.(data|dir|snapshot|diff)(\\.gz)?");

  @TempDir static Path work;
  private static final Map<String, SortedMap<Long, String>> ORACLE_SPELLINGS = new HashMap<>();

  @BeforeAll
  static void tools() {
    Tools.requireRoot();
    Tools.require("rdiff-backup", "setfacl");
    RewindJar.jar();
  }

  @AfterAll
  static void cleanUp() throws IOException {
    try (var children = Files.list(work)) { // names that are not UTF-8: delete byte-exact
      for (Path p : children.toList()) {
        TreeBuilder.deleteRecursively(p);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Variant.class)
  void rewindSeries_everySession_verifiedComparedListedAndRestoredByRdiffBackup(Variant v) {
    Path dir = work.resolve(v.name());
    Path repo = dir.resolve("repo");
    SourceSeries series = SourceSeries.create(dir.resolve("src"));
    RdiffBackup rdiff = RdiffBackup.withTz(v.tz);
    List<Executable> rdiffChecks = new ArrayList<>();
    List<Executable> rewindChecks = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    for (int n = 1; n <= SampleRepos.SESSIONS; n++) {
      series.next();
      long t = SourceSeries.time(n);
      times.add(t);
      rewindBackup(v, series.source(), repo, t);
      // compare needs the source as the session saw it (same inodes for the hard links): now
      String context = v + " session " + n;
      rewindChecks.add(RepoChecks.rethrowing(RepoChecks.failureOf(
          () -> RepoChecks.compareHashAt(rdiff, series.source(), repo, t, context))));
    }
    rdiffChecks.add(() -> RepoChecks.assertListsSessions(rdiff, repo, times, v.toString()));
    for (int n = 1; n <= SampleRepos.SESSIONS; n++) {
      int session = n;
      long t = SourceSeries.time(n);
      String context = v + " session " + n + " (--at " + t + ")";
      rdiffChecks.add(() -> RepoChecks.verifyAt(rdiff, repo, t, context));
      rdiffChecks.add(() -> assertSameTree(series.snapshot(session),
          RepoChecks.rdiffRestore(rdiff, repo, t, dir.resolve("rdiff-" + session)), context + ", rdiff-backup restore"));
      rewindChecks.add(() -> assertSameTree(series.snapshot(session),
          RepoChecks.rewindRestore(repo, t, dir.resolve("rewind-" + session), context), context + ", rewind restore"));
    }
    rewindChecks.add(() -> assertTimeStringsAsRdiffBackupWrites(v, repo));
    rewindChecks.add(() -> assertCompression(v, repo));
    RepoChecks.assertAllConcurrently(v + ": every session", rdiffChecks, rewindChecks);
  }

  /**
   * As root, Rewind's mirror is what rdiff-backup's is (owners, modes, xattrs, ACLs, devices,
   * hard links, mtimes), after an initial and an incremental session; only the repository root
   * stays 0700, deliberately.
   */
  @Test
  void rootBackup_mirror_likeRdiffBackupsMirror() {
    Path dir = work.resolve("mirror");
    SourceSeries series = SourceSeries.create(dir.resolve("src"));
    RdiffBackup rdiff = RdiffBackup.withTz(Variant.DEFAULT.tz);
    List<Executable> checks = new ArrayList<>();
    for (int n = 1; n <= 2; n++) {
      series.next();
      long t = SourceSeries.time(n);
      rewindBackup(Variant.DEFAULT, series.source(), dir.resolve("rewind"), t);
      rdiff.backup(series.source(), dir.resolve("rdiff"), t);
      TreeSnapshot theirs = TreeSnapshot.capture(dir.resolve("rdiff")).without("rdiff-backup-data");
      TreeSnapshot.Entry root = theirs.get(new byte[0]);
      TreeSnapshot expected = theirs.with(new byte[0], new TreeSnapshot.Entry(root.type(), 0700, root.uid(), root.gid(),
          root.mtime(), root.size(), root.sha1(), root.symlinkTarget(), root.device(), root.xattrs(), root.aclAccess(),
          root.aclDefault(), root.inodeKey()));
      TreeSnapshot ours = TreeSnapshot.capture(dir.resolve("rewind")).without("rdiff-backup-data");
      int session = n;
      checks.add(() -> assertSameTree(expected, ours, "mirror after session " + session + ", rdiff-backup's vs Rewind's"));
    }
    assertAll("mirrors as root", checks);
  }

  /**
   * A session in which a directory and everything below it stayed the same leaves the mirror's
   * copy of it alone, as rdiff-backup does: not even its ctime moves. A change below it still
   * gets its attributes set again.
   */
  @Test
  void unchangedDirectories_areLeftAloneInTheMirror_likeRdiffBackupLeavesThem() throws IOException {
    Path dir = work.resolve("untouched");
    Path src = Files.createDirectories(dir.resolve("src/a/b"));
    Files.createDirectories(dir.resolve("src/c"));
    Files.writeString(src.resolve("f"), "one\n");
    Files.writeString(dir.resolve("src/c/g"), "two\n");
    RdiffBackup rdiff = RdiffBackup.withTz(Variant.DEFAULT.tz);
    long t = SourceSeries.time(1);
    rewindBackup(Variant.DEFAULT, dir.resolve("src"), dir.resolve("rewind"), t);
    rdiff.backup(dir.resolve("src"), dir.resolve("rdiff"), t);
    Map<String, Object> rewindBefore = ctimes(dir.resolve("rewind"));
    Map<String, Object> rdiffBefore = ctimes(dir.resolve("rdiff"));

    rewindBackup(Variant.DEFAULT, dir.resolve("src"), dir.resolve("rewind"), t + 60);
    rdiff.backup(dir.resolve("src"), dir.resolve("rdiff"), t + 60);
    assertEquals(rdiffBefore, ctimes(dir.resolve("rdiff")), "rdiff-backup touched its mirror's directories");
    assertEquals(rewindBefore, ctimes(dir.resolve("rewind")), "Rewind touched the mirror's unchanged directories");

    Files.writeString(src.resolve("f"), "one, changed\n");
    rewindBackup(Variant.DEFAULT, dir.resolve("src"), dir.resolve("rewind"), t + 120);
    Map<String, Object> after = ctimes(dir.resolve("rewind"));
    assertEquals(rewindBefore.get("c"), after.get("c"), "c has no change below it");
    assertEquals(Files.getLastModifiedTime(src).toMillis() / 1000,
        Files.getLastModifiedTime(dir.resolve("rewind/a/b")).toMillis() / 1000,
        "the mirror's a/b did not get the source's mtime (whole seconds, as recorded) back after the write inside it");
  }

  /**
   * A session in which nothing changed copies the previous metadata snapshot; one with a change
   * copies the records before it from the previous snapshot's text. Either way every session's
   * records are rdiff-backup's for the same trees, and rdiff-backup verifies every session.
   */
  @Test
  void metadataOfSessionsWithoutAndWithChanges_isRdiffBackupsRecordForRecord() throws IOException {
    Path dir = work.resolve("same-metadata");
    Path src = Files.createDirectories(dir.resolve("src/m"));
    for (String name : List.of("a", "m/b", "m/c", "z")) {
      Files.writeString(dir.resolve("src").resolve(name), name + "\n");
    }
    RdiffBackup rdiff = RdiffBackup.withTz(Variant.DEFAULT.tz);
    Path ours = dir.resolve("rewind");
    Path theirs = dir.resolve("rdiff");
    List<Long> times = new ArrayList<>();
    List<byte[]> snapshots = new ArrayList<>(); // each session's own, right after it
    List<Runnable> changes = List.of(
        () -> { }, // initial
        () -> { }, // nothing changed: the snapshot is copied
        () -> write(src.resolve("b"), "b, longer\n"), // in the middle
        () -> write(dir.resolve("src/zz"), "new at the end\n"),
        () -> delete(dir.resolve("src/a")), // at the start
        () -> { },
        () -> delete(dir.resolve("src/zz"))); // at the end
    for (int n = 0; n < changes.size(); n++) {
      changes.get(n).run();
      long t = SourceSeries.time(n + 1);
      times.add(t);
      rewindBackup(Variant.DEFAULT, dir.resolve("src"), ours, t);
      rdiff.backup(dir.resolve("src"), theirs, t);
      snapshots.add(Files.readAllBytes(snapshot(ours, t)));
    }
    assertTrue(java.util.Arrays.equals(snapshots.get(0), snapshots.get(1)), "session 2's snapshot is not session 1's");
    assertTrue(java.util.Arrays.equals(snapshots.get(4), snapshots.get(5)), "session 6's snapshot is not session 5's");
    assertFalse(java.util.Arrays.equals(snapshots.get(1), snapshots.get(2)), "session 3 changed a file");
    RepoChecks.assertListsSessions(rdiff, ours, times, "same-metadata");
    for (long t : times) {
      assertEquals(RepoChecks.metadataAt(theirs, t), RepoChecks.metadataAt(ours, t), "records at " + t);
      RepoChecks.verifyAt(rdiff, ours, t, "same-metadata at " + t);
    }
  }

  /** Session {@code t}'s metadata snapshot (while it is the newest session, before it becomes a diff). */
  private static Path snapshot(Path repo, long t) throws IOException {
    String prefix = "mirror_metadata." + dev.rewind.repo.TimeStrings.format(t, java.time.ZoneId.of(Variant.DEFAULT.tz), false);
    try (var files = Files.list(repo.resolve("rdiff-backup-data"))) {
      return files.filter(f -> f.getFileName().toString().startsWith(prefix)).findFirst().orElseThrow();
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The ctime of every directory of a mirror but the repository root, by relative path. */
  private static Map<String, Object> ctimes(Path mirror) throws IOException {
    Map<String, Object> out = new java.util.TreeMap<>();
    try (var all = Files.walk(mirror)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        String rel = mirror.relativize(p).toString();
        if (!rel.isEmpty() && !rel.startsWith("rdiff-backup-data") && Files.isDirectory(p)) {
          out.put(rel, Files.getAttribute(p, "unix:ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
      }
    }
    assertEquals(List.of("a", "a/b", "c"), List.copyOf(out.keySet()), mirror.toString());
    return out;
  }

  private static void rewindBackup(Variant v, Path src, Path repo, long time) {
    List<String> args = new ArrayList<>(List.of("--current-time", Long.toString(time), "backup"));
    if (v.noCompression) {
      args.add("--no-compression");
    }
    args.addAll(List.of(src.toString(), repo.toString()));
    Proc.Result r = RewindJar.run(v.tz, args.toArray(new String[0]));
    assertEquals(0, r.exitCode(), v + ": rewind backup at " + time + " exit code; stderr: " + r.stderr());
  }

  /**
   * Every time string in the data directory's names is the one rdiff-backup writes for that
   * session in the same zone (its own formatter, {@code rdiff_backup.Time.timetostring}), and
   * every session has its statistics file under that name.
   */
  private static void assertTimeStringsAsRdiffBackupWrites(Variant v, Path repo) {
    SortedMap<Long, String> expected = oracleSpellings(v.tz);
    // by session order: the instants of St. John's strings are an hour off (see sessionSpellings)
    assertEquals(new ArrayList<>(expected.values()), new ArrayList<>(RepoChecks.sessionSpellings(repo).values()),
        v + ": time strings of the sessions, oldest first");
    for (String name : RepoChecks.dataDirNames(repo)) {
      Matcher m = TIMED_NAME.matcher(name);
      if (m.matches()) {
        assertTrue(expected.containsValue(m.group(1)), v + ": time string of " + name + " is not one of " + expected.values());
      }
    }
  }

  /** The names rdiff-backup gives the sessions in this zone, from its own time formatter. */
  private static synchronized SortedMap<Long, String> oracleSpellings(String tz) {
    return ORACLE_SPELLINGS.computeIfAbsent(tz, zone -> {
      List<Long> times = new ArrayList<>();
      for (int n = 1; n <= SampleRepos.SESSIONS; n++) {
        times.add(SourceSeries.time(n));
      }
      return RepoChecks.rdiffBackupTimeStrings(zone, times);
    });
  }

  /** Increments are gzipped by default (except already compressed formats), never with --no-compression. */
  private static void assertCompression(Variant v, Path repo) {
    List<String> all = new ArrayList<>();
    for (long t : RepoChecks.sessionSpellings(repo).keySet()) {
      all.addAll(RepoChecks.incrementsNamed(repo, RepoChecks.sessionSpellings(repo).get(t)));
    }
    List<String> gz = all.stream().filter(n -> n.endsWith(".gz")).toList();
    if (v.noCompression) {
      assertEquals(List.of(), gz, v + ": compressed increments");
    } else {
      assertTrue(gz.stream().anyMatch(n -> n.startsWith("increments/big.bin.")), v + ": big.bin's increments are gzipped: " + all);
      assertFalse(gz.stream().anyMatch(n -> n.startsWith("increments/photo.jpg.")), v + ": a .jpg is stored as is: " + gz);
    }
  }
}
