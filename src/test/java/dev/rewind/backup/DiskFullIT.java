package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.Tmpfs;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository on a file system that fills up during a backup (an 8 MiB tmpfs mounted for this
 * class; needs root): the backup fails with one line naming the repository or file and "No space
 * left on device", without a stack trace; after {@code rewind regress} rdiff-backup verifies the
 * repository and every earlier session restores; once the source no longer needs the space, the
 * next backup succeeds. Four ways to run out: a new file too big for the free space, many new
 * files that fill the disk for good (after a changed file that regress must rebuild on the full
 * disk), a changed file whose reverse increment does not fit, and metadata that does not fit.
 */
@Tag("interop")
class DiskFullIT {
  private static final String TZ = CrashSafetyIT.TZ;
  private static final int MIB = 1 << 20;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static Path mount;
  private static Tmpfs small;

  @TempDir Path work;
  private Path src;
  private Path repo;
  private TreeBuilder tree;
  private final List<TreeSnapshot> sessions = new ArrayList<>();
  private RdiffBackup rdiff;

  @BeforeAll
  static void mountSmallFileSystem() throws IOException {
    Tools.requireRoot();
    Tools.require("rdiff-backup");
    mount = Files.createTempDirectory("rewind-disk-full-");
    small = Tmpfs.mount(mount, "8m");
  }

  @AfterAll
  static void unmount() throws IOException {
    if (small != null) {
      small.close();
    }
    if (mount != null) {
      Files.deleteIfExists(mount);
    }
  }

  /**
   * Two sessions that fit (about 3.1 MiB): {@code a.bin} (1 MiB), {@code base.bin} (2 MiB) and
   * 20 small files, then small edits.
   */
  @BeforeEach
  void twoSessions() throws IOException {
    try (Stream<Path> old = Files.list(mount)) {
      for (Path p : old.toList()) {
        TreeBuilder.deleteRecursively(p);
      }
    }
    resize("8m");
    rdiff = RdiffBackup.withTz(TZ);
    src = work.resolve("src");
    repo = mount.resolve("repo");
    tree = TreeBuilder.at(src, time(1) - 1000).randomFile("a.bin", MIB, 1).randomFile("base.bin", 2 * MIB, 2).dir("docs")
;
    for (int i = 0; i < 20; i++) {
      tree.file("docs/f" + i, "small file " + i + "\n");
    }
    backUp(1);
    tree.clock(time(2) - 1000).append("docs/f3", "more\n").editAt("base.bin", 4096, TreeBuilder.randomBytes(1000, 3));
    backUp(2);
  }

  @Test
  void backup_newFileDoesNotFit_failsWithOneLineAndEarlierSessionsSurvive() throws IOException {
    tree.clock(time(3) - 1000).randomFile("new.bin", 6 * MIB, 4).append("docs/f5", "more\n");
    failingBackupThenRecovery(List.of("new.bin"));
    nextBackupSucceeds();
  }

  @Test
  void backup_diskFillsUpForGood_failsWithOneLineAndRegressRebuildsOnTheFullDisk() throws IOException {
    tree.clock(time(3) - 1000).write(bytes("a.bin"), TreeBuilder.randomBytes(MIB, 5));
    List<String> names = new ArrayList<>(List.of("a.bin"));
    for (int i = 1; i <= 9; i++) {
      tree.randomFile("m" + i + ".bin", 600 * 1024, 10 + i);
      names.add("m" + i + ".bin");
    }
    failingBackupThenRecovery(names);
    nextBackupSucceeds();
  }

  @Test
  void backup_reverseIncrementDoesNotFit_failsWithOneLineAndEarlierSessionsSurvive() throws IOException {
    tree.clock(time(3) - 1000).randomFile("b-filler.bin", 2 * MIB, 6).write(bytes("base.bin"), TreeBuilder.randomBytes(2 * MIB, 7));
    failingBackupThenRecovery(List.of("base.bin", "b-filler.bin"));
    nextBackupSucceeds();
  }

  /**
   * A new file leaves only a few KiB free, then 1,500 new empty files with long random names
   * (they need no data blocks) make the metadata grow until writing it hits the full disk.
   */
  @Test
  void backup_metadataDoesNotFit_failsWithOneLineAndEarlierSessionsSurvive() throws IOException {
    long free = Files.getFileStore(mount).getUsableSpace();
    tree.clock(time(3) - 1000).randomFile("aaa-fills-the-disk.bin", (int) (free - 48 * 1024), 8).dir("names");
    java.util.Random random = new java.util.Random(9);
    for (int i = 0; i < 1500; i++) {
      tree.file(bytes("names/" + Long.toHexString(random.nextLong()).repeat(12)), new byte[0], 0644);
    }
    failingBackupThenRecovery(List.of("metadata"));
    nextBackupSucceeds();
  }

  /**
   * A session is interrupted when everything is written; then other data fills the disk, so
   * regress cannot rebuild the edited {@code a.bin} at first: it removes the session's new 1.5
   * MiB file and succeeds in its second pass.
   */
  @Test
  void regress_onAFullDisk_rebuildsOnceTheFailedSessionsNewFileIsGone() throws IOException {
    tree.clock(time(3) - 1000).editAt("a.bin", 1000, TreeBuilder.randomBytes(2000, 11))
        .randomFile("n.bin", 3 * MIB / 2, 12);
    interruptBeforeCommitAndFillTheDisk(256 * 1024);
    Proc.Result regress = Proc.run(CrashSafetyIT.jarCommand("regress", repo.toString()), null, CrashSafetyIT.jarEnv(),
        TIMEOUT);
    assertEquals(0, regress.exitCode(), "rewind regress on the full disk: " + regress.stderr());
    checkSessionsOneAndTwo("after regress on the full disk");
    Files.delete(mount.resolve("other-data"));
    nextBackupSucceeds();
  }

  /**
   * The same without a new file to make room: regress fails with one line and gives nothing up
   * (both markers and the increment stay); once there is room, it succeeds and nothing is lost.
   */
  @Test
  void regress_onAFullDisk_failsWithoutLosingAnythingAndSucceedsLater() throws IOException {
    tree.clock(time(3) - 1000).editAt("a.bin", 1000, TreeBuilder.randomBytes(2000, 11));
    interruptBeforeCommitAndFillTheDisk(256 * 1024);
    Proc.Result regress = Proc.run(CrashSafetyIT.jarCommand("regress", repo.toString()), null, CrashSafetyIT.jarEnv(),
        TIMEOUT);
    List<String> lines = regress.stderr().lines().filter(l -> !l.isBlank()).toList();
    System.out.println("DiskFullIT: regress on the full disk: exit " + regress.exitCode() + ": " + lines);
    assertNotEquals(0, regress.exitCode(), "rewind regress on the full disk");
    assertEquals(1, lines.size(), "one line: " + regress.stderr());
    assertTrue(lines.get(0).contains("No space left on device") && lines.get(0).contains(repo.toString()), lines.get(0));
    assertEquals(2, CrashSafetyIT.markers(repo).size(), "the failed session still needs regress");
    assertTrue(CrashSafetyIT.dataFiles(repo).stream().anyMatch(f -> f.startsWith("increments/a.bin.")),
        "the increment that rebuilds a.bin of session 2 is still there: " + CrashSafetyIT.dataFiles(repo));
    Files.delete(mount.resolve("other-data"));
    Proc.run(CrashSafetyIT.jarCommand("regress", repo.toString()), null, CrashSafetyIT.jarEnv(), TIMEOUT).expect(0);
    checkSessionsOneAndTwo("after regress once there was room again");
    nextBackupSucceeds();
  }

  // ---- steps ----------------------------------------------------------------------------

  private static void resize(String size) {
    Proc.run(List.of("mount", "-o", "remount,size=" + size, mount.toString()), null, Map.of(), TIMEOUT).expect(0);
  }

  private static byte[] bytes(String name) {
    return name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static long time(int session) {
    return CrashSafetyIT.time(session);
  }

  private void backUp(int session) throws IOException {
    sessions.add(TreeSnapshot.capture(src));
    assertEquals(0, CrashSafetyIT.PrivateJar.get().run("--current-time", Long.toString(time(session)), "backup",
        src.toString(), repo.toString()), "backup of session " + session);
  }

  /**
   * Session 3 runs out of space: one clear line; then {@code rewind regress} leaves a repository
   * that rdiff-backup verifies and that restores sessions 1 and 2.
   */
  private void failingBackupThenRecovery(List<String> changedNames) throws IOException {
    Proc.Result r = Proc.run(CrashSafetyIT.jarCommand("--current-time", Long.toString(time(3)), "backup",
        src.toString(), repo.toString()), null, CrashSafetyIT.jarEnv(), TIMEOUT);
    String stderr = r.stderr().length() > 3000 ? r.stderr().substring(0, 3000) + "..." : r.stderr();
    String context = "backup on a full disk (exit " + r.exitCode() + ", " + r.stderr().lines().count()
        + " stderr lines:\n" + stderr + ")";
    List<String> lines = r.stderr().lines().filter(l -> !l.isBlank() && !l.startsWith("rewind: progress:")).toList();
    System.out.println("DiskFullIT: the backup on the full disk: exit " + r.exitCode() + ", " + lines.size() + " line(s): "
        + (lines.isEmpty() ? "" : lines.get(0)));
    List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
    checks.add(() -> assertNotEquals(0, r.exitCode(), context));
    checks.add(() -> assertEquals(1, lines.size(), context + ": expected one line"));
    checks.add(() -> assertTrue(lines.stream().allMatch(l -> l.contains("No space left on device")), context));
    checks.add(() -> assertTrue(lines.stream().allMatch(l -> l.contains(repo.toString())
        || changedNames.stream().anyMatch(l::contains)), context + ": a line names neither the repository nor a file"));
    checks.add(() -> assertFalse(r.stderr().contains("Exception") || r.stderr().contains("\tat "), context + ": a stack trace"));
    checks.add(() -> {
      Proc.Result regress = Proc.run(CrashSafetyIT.jarCommand("regress", repo.toString()), null,
          CrashSafetyIT.jarEnv(), TIMEOUT);
      assertEquals(0, regress.exitCode(), "rewind regress on the full disk: " + regress.stderr());
      assertEquals(1, CrashSafetyIT.markers(repo).size(), "markers after regress " + CrashSafetyIT.markers(repo));
      rdiff.verify(repo);
      for (int k = 1; k <= 2; k++) {
        assertRestores(k, sessions.get(k - 1), "session " + k + " after the failed backup and regress");
      }
    });
    org.junit.jupiter.api.Assertions.assertAll("the backup that ran out of space", checks);
  }

  /**
   * Runs session 3 in the jar up to its last crash point (everything written, the old marker not
   * yet deleted), then fills the file system with other data up to {@code leaveFree} bytes.
   */
  private void interruptBeforeCommitAndFillTheDisk(long leaveFree) throws IOException {
    long points = CrashSafetyIT.countCrashPoints(src, repo, work.resolve("count"), time(3));
    Proc.Result r = CrashSafetyIT.crashRun(src, repo, time(3), points);
    assertEquals("before commit", CrashSafetyIT.expectCrash(r, points));
    assertEquals(2, CrashSafetyIT.markers(repo).size(), "markers after the crash");
    long free = Files.getFileStore(mount).getUsableSpace();
    TreeBuilder.at(mount.resolve("other-data-dir"), time(3)).randomFile("x", (int) Math.max(0, free - leaveFree), 13);
    Files.move(mount.resolve("other-data-dir/x"), mount.resolve("other-data"));
    Files.delete(mount.resolve("other-data-dir"));
  }

  private void checkSessionsOneAndTwo(String context) throws IOException {
    assertEquals(1, CrashSafetyIT.markers(repo).size(), context + ": markers " + CrashSafetyIT.markers(repo));
    rdiff.verify(repo);
    for (int k = 1; k <= 2; k++) {
      assertRestores(k, sessions.get(k - 1), "session " + k + " " + context);
    }
  }

  /** With more room on the file system, the next backup succeeds and every session restores. */
  private void nextBackupSucceeds() throws IOException {
    resize("32m");
    TreeSnapshot now = TreeSnapshot.capture(src);
    assertEquals(0, CrashSafetyIT.PrivateJar.get().run("--current-time", Long.toString(time(4)), "backup",
        src.toString(), repo.toString()), "the next backup");
    assertEquals(1, CrashSafetyIT.markers(repo).size(), "markers after the next backup");
    rdiff.verify(repo);
    assertRestores(4, now, "the next backup");
    for (int k = 1; k <= 2; k++) {
      assertRestores(k, sessions.get(k - 1), "session " + k + " after the next backup");
    }
  }

  private void assertRestores(int session, TreeSnapshot expected, String context) throws IOException {
    Path target = work.resolve("restored-" + session + "-" + Arrays.hashCode(context.getBytes()));
    assertEquals(0, CrashSafetyIT.PrivateJar.get().run("restore", "--at", Long.toString(time(session)),
        repo.toString(), target.toString()), context + ": rewind restore");
    TreeSnapshot.assertSameTree(expected, TreeSnapshot.capture(target), context);
    TreeBuilder.deleteRecursively(target);
  }
}
