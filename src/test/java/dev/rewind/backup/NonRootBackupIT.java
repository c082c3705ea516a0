package dev.rewind.backup;

import static dev.rewind.testing.TreeSnapshot.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rewind.core.FileType;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RepoChecks;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rewind backup} run as an unprivileged user (uid/gid 65534) over a tree of root-only
 * files, odd owners, setuid/setgid/sticky modes, a fifo and device nodes. With the ambient
 * {@code CAP_DAC_READ_SEARCH} (testbed.md §3) it backs up everything: the repository belongs to
 * that user and nothing in it is open to group or others, and {@code rdiff-backup restore} and
 * Rewind's restore, run as root, bring back the original owners, modes, devices and content of
 * every session. Without the capability, unreadable files are named on stderr and in the error
 * log, the exit code is 4 (partial) and everything else is backed up. A file that has not changed
 * is not read: a session without the capability over an unchanged root-only file succeeds.
 */
@Tag("interop")
class NonRootBackupIT {
  private static final String TZ = "Europe/Berlin";
  private static final long USER = 65534;
  private static final List<String> AS_USER =
      List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--clear-groups", "--");
  private static final List<String> AS_USER_WITH_CAPABILITY = List.of("setpriv", "--reuid=" + USER,
      "--regid=" + USER, "--clear-groups", "--inh-caps", "+dac_read_search", "--ambient-caps", "+dac_read_search", "--");
  private static final long T1 = 1711700000L;
  private static final long DAY = 86400L;
  private static final byte[] ODD_NAME = TreeBuilder.raw("root_only/bad\u00ff\u00fe\nname");

  @TempDir static Path work;

  @BeforeAll
  static void setUp() throws IOException {
    Tools.requireRoot();
    Tools.require("rdiff-backup", "setpriv", "setfacl");
    RewindJar.jar();
    // the unprivileged user must reach the trees without the capability too
    for (Path p = work.toAbsolutePath(); p.getParent() != null; p = p.getParent()) {
      byte[] b = Posix.bytes(p);
      int perms = Posix.lstat(b).permissions();
      if ((perms & 0001) == 0) {
        Posix.chmod(b, perms | 0005);
      }
    }
  }

  @AfterAll
  static void cleanUp() throws IOException {
    try (var children = Files.list(work)) { // names that are not UTF-8: delete byte-exact
      for (Path p : children.toList()) {
        TreeBuilder.deleteRecursively(p);
      }
    }
  }

  @Test
  void backupAsUserWithCapability_privateRepository_rootRestoresOwnersModesDevicesAndContent() throws IOException {
    Path dir = work.resolve("with-capability");
    Path repo = userOwnedParent(dir).resolve("repo");
    TreeBuilder tree = TreeBuilder.at(Files.createDirectories(dir).resolve("src"), T1 - 600);
    List<TreeSnapshot> sessions = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    List<Executable> checks = new ArrayList<>(); // run here, in this JVM
    List<Executable> rdiffChecks = new ArrayList<>(); // rdiff-backup, run concurrently
    for (int n = 1; n <= 3; n++) {
      long t = T1 + (n - 1) * DAY;
      tree.clock(t - 600);
      change(n, tree);
      sessions.add(TreeSnapshot.capture(tree.root()));
      times.add(t);
      Proc.Result r = backup(AS_USER_WITH_CAPABILITY, tree, repo, t);
      assertEquals(0, r.exitCode(), "session " + n + " exit code; stderr: " + r.stderr());
      checks.add(RepoChecks.rethrowing(RepoChecks.failureOf(() -> assertPrivateToUser(repo))));
    }
    RdiffBackup rdiff = RdiffBackup.withTz(TZ);
    rdiffChecks.add(() -> RepoChecks.assertListsSessions(rdiff, repo, times, "non-root repository"));
    for (int n = 1; n <= 3; n++) {
      TreeSnapshot source = sessions.get(n - 1);
      long t = times.get(n - 1);
      String context = "session " + n + " backed up as uid " + USER + " with CAP_DAC_READ_SEARCH";
      rdiffChecks.add(() -> RepoChecks.verifyAt(rdiff, repo, t, context));
      rdiffChecks.add(() -> assertSameTree(source, RepoChecks.rdiffRestore(rdiff, repo, t, dir.resolve("rdiff-" + t)),
          context + ", rdiff-backup restore as root"));
      checks.add(() -> assertSameTree(source, RepoChecks.rewindRestore(repo, t, dir.resolve("rewind-" + t), context),
          context + ", rewind restore as root"));
    }
    RepoChecks.assertAllConcurrently("unprivileged backup with the capability", rdiffChecks, checks);
  }

  /** Root-only files and directories, odd owners and modes, special files; then changes to them. */
  private static void change(int session, TreeBuilder t) {
    switch (session) {
      case 1 -> t.file("public.txt", "anyone may read this\n")
          .acl("public.txt", "u:12345:r--")
          .file(TreeBuilder.raw("secret"), bytes("root only\n"), 0600)
          .xattr("secret", "user.note", bytes("on a root-only file"))
          .hardlink("secret_link", "secret")
          .file(TreeBuilder.raw("big_secret.bin"), TreeBuilder.randomBytes(1 << 20, 7), 0600)
          .dir(TreeBuilder.raw("root_only"), 0700)
          .file(TreeBuilder.raw("root_only/inner.txt"), bytes("inside a root 0700 dir\n"), 0600)
          .dir(TreeBuilder.raw("root_only/deeper"), 0500)
          .file(TreeBuilder.raw("root_only/deeper/ro"), bytes("read only for root\n"), 0400)
          .file(ODD_NAME, bytes("a name with invalid UTF-8 and a newline\n"), 0600)
          .file(TreeBuilder.raw("u12345"), bytes("owner without a name\n"), 0640)
          .chown("u12345", 12345, 54321)
          .file(TreeBuilder.raw("setuid"), bytes("#!/bin/sh\n"), 04755)
          .dir(TreeBuilder.raw("setgid_dir"), 02750)
          .chown("setgid_dir", 0, 54321)
          .dir(TreeBuilder.raw("sticky"), 01777)
          .file(TreeBuilder.raw("sticky/theirs"), bytes("someone else's\n"), 0600)
          .chown("sticky/theirs", 12345, 12345)
          .fifo("fifo")
          .charDevice("null_dev", 1, 3)
          .blockDevice("loop_dev", 7, 0)
          .symlink("link_to_secret", "secret")
          .touch("", t.clock());
      case 2 -> t.write(TreeBuilder.raw("secret"), bytes("root only, changed through a hard link\n"))
          .editAt(TreeBuilder.raw("big_secret.bin"), 500_000, bytes("EDITED"))
          .chown("u12345", 54321, 12345)
          .chmod("setuid", 02755)
          .delete("fifo")
          .file(TreeBuilder.raw("root_only/new.txt"), bytes("new and root only\n"), 0600)
          .delete("loop_dev")
          .blockDevice("loop_dev", 7, 1);
      case 3 -> { } // nothing changes
      default -> throw new IllegalArgumentException("no session " + session);
    }
  }

  @Test
  void backupAsUserWithoutCapability_unreadableFiles_partialExitNamedOnStderrAndInErrorLog() throws IOException {
    Path dir = work.resolve("without-capability");
    Path repo = userOwnedParent(dir).resolve("repo");
    TreeBuilder tree = TreeBuilder.at(Files.createDirectories(dir).resolve("src"), T1 - 600)
        .file("public.txt", "anyone may read this\n")
        .file(TreeBuilder.raw("secret"), bytes("root only\n"), 0600)
        .dir("pub")
        .file("pub/readable.txt", "readable\n")
        .dir(TreeBuilder.raw("root_only"), 0700)
        .file(TreeBuilder.raw("root_only/inner.txt"), bytes("inside a root 0700 dir\n"), 0600)
        .touch("", T1 - 600);
    TreeSnapshot source = TreeSnapshot.capture(tree.root());

    Proc.Result r = backup(AS_USER, tree, repo, T1);

    String errorLog = errorLog(repo);
    RdiffBackup rdiff = RdiffBackup.withTz(TZ);
    TreeSnapshot expected = source.without(TreeBuilder.raw("secret")).without(TreeBuilder.raw("root_only/inner.txt"));
    assertAll("unreadable files without the capability",
        () -> assertEquals(4, r.exitCode(), "exit code (partial); stderr: " + r.stderr()),
        () -> assertTrue(r.stderr().contains("secret"), "stderr names the unreadable file: " + r.stderr()),
        () -> assertTrue(r.stderr().contains("root_only"), "stderr names the unlistable directory: " + r.stderr()),
        () -> assertTrue(errorLog.contains("secret"), "error log names the unreadable file: " + errorLog),
        () -> assertTrue(errorLog.contains("root_only"), "error log names the unlistable directory: " + errorLog),
        () -> assertPrivateToUser(repo),
        () -> RepoChecks.verifyAt(rdiff, repo, T1, "partial backup"),
        () -> assertSameTree(expected, RepoChecks.rdiffRestore(rdiff, repo, T1, dir.resolve("rdiff")),
            "everything readable is backed up (rdiff-backup restore as root)"));
  }

  /**
   * A root-only file backed up with the capability and unchanged since is not read: a session
   * without the capability succeeds although it could not open the file. Touching the file then
   * makes the next session fail on it, which shows the user really cannot read it.
   */
  @Test
  void backupAsUserWithoutCapability_unchangedUnreadableFile_isNotRead() throws IOException {
    Path dir = work.resolve("unchanged");
    Path repo = userOwnedParent(dir).resolve("repo");
    TreeBuilder tree = TreeBuilder.at(Files.createDirectories(dir).resolve("src"), T1 - 600)
        .file("public.txt", "anyone may read this\n")
        .file(TreeBuilder.raw("big_secret.bin"), TreeBuilder.randomBytes(2 << 20, 11), 0600)
        .touch("", T1 - 600);

    Proc.Result first = backup(AS_USER_WITH_CAPABILITY, tree, repo, T1);
    assertEquals(0, first.exitCode(), "first session, with the capability; stderr: " + first.stderr());
    Proc.Result unchanged = backup(AS_USER, tree, repo, T1 + DAY);
    String spelling = RepoChecks.sessionSpellings(repo).get(T1 + DAY);
    tree.touch("big_secret.bin", T1 + DAY);
    Proc.Result touched = backup(AS_USER, tree, repo, T1 + 2 * DAY);

    assertAll("an unchanged file is not read",
        () -> assertEquals(0, unchanged.exitCode(), "unchanged session without the capability; stderr: " + unchanged.stderr()),
        () -> assertEquals("0", RepoChecks.sessionStatistics(repo, spelling).get("ChangedFiles"), "ChangedFiles"),
        () -> assertEquals(4, touched.exitCode(), "after a touch the file must be read, and cannot be; stderr: " + touched.stderr()),
        () -> assertTrue(touched.stderr().contains("big_secret.bin"), "stderr names it: " + touched.stderr()));
  }

  private static Proc.Result backup(List<String> asUser, TreeBuilder tree, Path repo, long time) {
    return RewindJar.run(asUser, TZ, "--current-time", Long.toString(time), "backup",
        Posix.display(tree.root()), repo.toString());
  }

  /** {@code dir/out}, owned by the backup user and private to it: where it may create the repository. */
  private static Path userOwnedParent(Path dir) throws IOException {
    Path out = Files.createDirectories(dir.resolve("out"));
    Posix.lchown(Posix.bytes(out), USER, USER);
    Posix.chmod(Posix.bytes(out), 0700);
    return out;
  }

  /** Every entry of the repository belongs to the backup user; none is open to group or others. */
  private static void assertPrivateToUser(Path repo) throws IOException {
    List<String> wrong = new ArrayList<>();
    byte[] root = Posix.bytes(repo);
    Stat st = Posix.lstat(root);
    if (st.permissions() != 0700) {
      wrong.add(". has mode 0" + Integer.toOctalString(st.permissions()) + ", not 0700");
    }
    walk(root, ".", wrong);
    if (!wrong.isEmpty()) {
      fail("repository entries not private to uid " + USER + " (" + wrong.size() + "):\n  "
          + String.join("\n  ", wrong.subList(0, Math.min(40, wrong.size()))));
    }
  }

  private static void walk(byte[] abs, String rel, List<String> wrong) throws IOException {
    Stat st = Posix.lstat(abs);
    if (st.uid() != USER || st.gid() != USER) {
      wrong.add(rel + " is owned by " + st.uid() + ":" + st.gid());
    }
    if (st.type() != FileType.SYMLINK && (st.permissions() & 077) != 0) {
      wrong.add(rel + " has mode 0" + Integer.toOctalString(st.permissions()));
    }
    if (st.type() == FileType.DIRECTORY) {
      for (byte[] name : Posix.list(abs)) {
        walk(TreeBuilder.path(abs, name), rel + "/" + TreeSnapshot.escape(name), wrong);
      }
    }
  }

  /** The session's error log (plain or gzipped), as text. */
  private static String errorLog(Path repo) throws IOException {
    for (String name : RepoChecks.dataDirNames(repo)) {
      if (name.startsWith("error_log.")) {
        byte[] raw = RepoChecks.read(repo.resolve("rdiff-backup-data").resolve(name));
        if (name.endsWith(".gz")) {
          try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            raw = in.readAllBytes();
          }
        }
        return new String(raw, StandardCharsets.UTF_8);
      }
    }
    return "";
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
