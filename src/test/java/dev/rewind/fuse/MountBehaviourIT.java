package dev.rewind.fuse;

import static dev.rewind.testing.TreeSnapshot.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.cli.Main;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.RewindMount;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount's behaviour as a product, each test on its own small rdiff-backup repository and its
 * own real mount: owners and modes enforced for other users, sessions appearing while mounted,
 * damaged increments, vanishing repositories, daemon mode, signals, a crashed daemon's dead
 * mount, the mount(8) helper and fstab, byte-exact names without the charset flag, bad input.
 */
@Tag("fuse")
@ExtendWith(RewindMount.Cleanup.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MountBehaviourIT {
  private static final long T1 = 1_700_000_000L;
  private static final long DAY = 86_400L;
  private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path work;
  private Path root;
  private Path mnt;
  private RdiffBackup rdiff;

  @BeforeAll
  static void tools() {
    Tools.requireRoot();
    Tools.require("fusermount", "rdiff-backup", "setpriv", "mount", "umount");
  }

  @BeforeEach
  void dirs() throws IOException {
    rdiff = RdiffBackup.withTz("UTC");
    root = Files.createDirectory(work.resolve("root"));
    // the mount point is reachable by everyone; the repositories (in the 0700 work dir) are not
    mnt = Files.createTempDirectory("rewind-it-mnt-");
    Files.setPosixFilePermissions(mnt, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void removeMountPoint() throws IOException {
    RewindMount.unmount(mnt);
    Files.deleteIfExists(mnt);
  }

  /** A source tree backed up at T1 into ROOT/host; returns the builder for later sessions. */
  private TreeBuilder hostWith(String host, Consumer<TreeBuilder> tree) {
    TreeBuilder t = TreeBuilder.at(work.resolve("src-" + host), T1 - 60);
    tree.accept(t);
    backup(host, T1);
    return t;
  }

  private void backup(String host, long time) {
    rdiff.backup(work.resolve("src-" + host), root.resolve(host), time);
  }

  private static String ts(long epoch) {
    return Instant.ofEpochSecond(epoch).toString(); // UTC: ISO 8601 with Z, the mount's form for tz=UTC
  }

  private static Proc.Result sh(List<String> prefix, String... cmd) {
    List<String> all = new ArrayList<>(prefix);
    all.addAll(List.of(cmd));
    return Proc.run(all, null, Map.of("LC_ALL", "C"), Duration.ofSeconds(30));
  }

  private static void await(String what, BooleanSupplier condition) {
    RewindMount.await(what, WAIT, condition);
  }

  private static List<String> list(Path dir) {
    return RewindMount.names(dir);
  }

  @Test
  void otherUsers_kernelEnforcesRecordedOwnersAndModes() {
    hostWith("web", t -> t.file("public", "for everyone\n").file("secret", "root only\n").chmod("secret", 0600)
        .dir("private").chmod("private", 0700).file("private/inner", "hidden\n")
        .file("theirs", "nobody's own\n").chmod("theirs", 0600).chown("theirs", 65534, 65534));
    RewindMount.foreground(root, mnt, "allow_other,tz=UTC");
    Path latest = mnt.resolve("web").resolve("latest");
    assertEquals("for everyone\n", sh(NOBODY, "cat", latest.resolve("public").toString()).expect(0).out());
    assertEquals("nobody's own\n", sh(NOBODY, "cat", latest.resolve("theirs").toString()).expect(0).out());
    Proc.Result secret = sh(NOBODY, "cat", latest.resolve("secret").toString());
    assertTrue(secret.exitCode() != 0 && secret.stderr().contains("Permission denied"), secret.stderr());
    Proc.Result inner = sh(NOBODY, "cat", latest.resolve("private/inner").toString());
    assertTrue(inner.exitCode() != 0 && inner.stderr().contains("Permission denied"), inner.stderr());
    assertEquals("root only\n", sh(List.of(), "cat", latest.resolve("secret").toString()).expect(0).out());
    Proc.Result direct = sh(NOBODY, "cat", root.resolve("web").resolve("public").toString());
    assertTrue(direct.exitCode() != 0 && direct.stderr().contains("Permission denied"),
        "the repository itself stays unreadable: " + direct.stderr());
  }

  @Test
  void withoutAllowOther_otherUsersCannotEnterAtAll() {
    hostWith("web", t -> t.file("public", "for everyone\n"));
    RewindMount.foreground(root, mnt, "tz=UTC");
    Proc.Result r = sh(NOBODY, "cat", mnt.resolve("web/latest/public").toString());
    assertNotEquals(0, r.exitCode());
  }

  @Test
  void newSession_appearsWhileMounted() throws IOException {
    TreeBuilder t = hostWith("web", b -> b.file("f", "one\n"));
    RewindMount m = RewindMount.foreground(root, mnt, "tz=UTC");
    Path host = m.path().resolve("web");
    assertEquals(List.of("2023-11-14", ts(T1), "latest"), list(host));
    assertEquals("one\n", Files.readString(host.resolve("latest/f")));
    t.clock(T1 + DAY - 60).write("f", "two\n").file("g", "new\n");
    backup("web", T1 + DAY);
    await("the new session is listed", () -> list(host).contains(ts(T1 + DAY)));
    assertEquals(ts(T1 + DAY), Files.readSymbolicLink(host.resolve("latest")).toString());
    assertEquals("two\n", Files.readString(host.resolve("latest/f")));
    assertEquals("new\n", Files.readString(host.resolve("latest/g")));
    assertEquals("one\n", Files.readString(host.resolve(ts(T1)).resolve("f")), "the old session, now rebuilt");
    assertFalse(Files.exists(host.resolve(ts(T1)).resolve("g")));
  }

  @Test
  void damagedIncrement_eioForThatFileOnly_loggedWithHostSessionPath() throws IOException {
    TreeBuilder t = hostWith("web", b -> b.file("victim.txt", "first version of the victim\n").file("bystander", "fine\n"));
    t.clock(T1 + DAY - 60).write("victim.txt", "second version\n");
    backup("web", T1 + DAY);
    Path inc;
    try (var s = Files.list(root.resolve("web/rdiff-backup-data/increments"))) {
      inc = s.filter(p -> p.getFileName().toString().startsWith("victim.txt.")).findFirst().orElseThrow();
    }
    Files.write(inc, "this is not a gzip stream".getBytes(StandardCharsets.US_ASCII));
    RewindMount m = RewindMount.foreground(root, mnt, "tz=UTC");
    Path old = m.path().resolve("web").resolve(ts(T1));
    Proc.Result r = sh(List.of(), "cat", old.resolve("victim.txt").toString());
    assertTrue(r.exitCode() != 0 && r.stderr().contains("Input/output error"), r.stderr());
    assertEquals("fine\n", Files.readString(old.resolve("bystander")));
    assertEquals("second version\n", Files.readString(m.path().resolve("web/latest/victim.txt")));
    await("the log line", () -> m.output().contains("host 'web' session " + ts(T1) + " path 'victim.txt'"));
  }

  @Test
  void repositoryRemoved_hostVanishes() throws IOException {
    hostWith("web", b -> b.file("f", "x\n"));
    hostWith("db", b -> b.file("g", "y\n"));
    RewindMount m = RewindMount.foreground(root, mnt, "tz=UTC");
    assertEquals(List.of("db", "web"), list(m.path()));
    Files.move(root.resolve("db/rdiff-backup-data"), work.resolve("db-data-moved-away"));
    await("db vanishes from the listing", () -> list(m.path()).equals(List.of("web")));
    assertFalse(list(m.path().resolve("db")).contains("latest"));
    assertEquals("x\n", Files.readString(m.path().resolve("web/latest/f")));
  }

  @Test
  void foreground_sigterm_unmountsAndExits() throws InterruptedException {
    hostWith("web", b -> b.file("f", "x\n"));
    RewindMount m = RewindMount.foreground(root, mnt, "tz=UTC");
    m.process().destroy();
    assertTrue(m.process().waitFor(30, TimeUnit.SECONDS), "exits after SIGTERM");
    assertFalse(m.isMounted(), "unmounted:\n" + m.output());
  }

  @Test
  void daemon_returnsOnceMounted_umountAndFusermountEndIt() {
    hostWith("web", b -> b.file("f", "x\n"));
    Path log = work.resolve("daemon.log");
    RewindMount.daemon(root, mnt, "tz=UTC,log=" + log);
    assertEquals(List.of("f"), list(mnt.resolve("web/latest/")));
    sh(List.of(), "umount", mnt.toString()).expect(0);
    assertFalse(RewindMount.isMounted(mnt));
    await("the daemon exits", () -> servingProcesses().isEmpty());
    RewindMount.daemon(root, mnt, "tz=UTC,log=" + log);
    sh(List.of(), "fusermount", "-u", mnt.toString()).expect(0);
    await("the daemon exits", () -> servingProcesses().isEmpty());
    assertFalse(RewindMount.isMounted(mnt));
  }

  private List<ProcessHandle> servingProcesses() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(a -> List.of(a).contains("--serve") && List.of(a).contains(mnt.toString()))
            .orElse(false))
        .toList();
  }

  @Test
  void crashedDaemon_deadMountClearedByTheNextMount() throws InterruptedException {
    hostWith("web", b -> b.file("f", "x\n"));
    RewindMount first = RewindMount.foreground(root, mnt, "tz=UTC");
    first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no unmount
    assertTrue(first.process().waitFor(30, TimeUnit.SECONDS));
    assertTrue(RewindMount.isMounted(mnt), "a dead mount is left behind");
    Proc.Result dead = sh(List.of(), "ls", mnt.toString());
    assertTrue(dead.stderr().contains("Transport endpoint is not connected"), dead.stderr());
    RewindMount second = RewindMount.foreground(root, mnt, "tz=UTC");
    assertEquals(List.of("f"), list(second.path().resolve("web/latest/")));
    assertTrue(second.output().contains("removing the dead mount"), second.output());
  }

  @Test
  void mountHelper_fstabLine_mountAndUmount() throws IOException {
    hostWith("web", b -> b.file("f", "x\n"));
    Path helper = Path.of("/sbin/mount.fuse.rewind");
    Path script = Path.of(System.getProperty("user.dir"), "mount-scripts", "mount.rewind").toAbsolutePath();
    boolean installed = false;
    if (!Files.exists(helper, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(helper, script);
      installed = true;
    }
    try {
      Path log = work.resolve("helper.log");
      Map<String, String> env = Map.of("REWIND_JAR", RewindJar.jar().toString(), "LC_ALL", "C.UTF-8");
      Path fstab = work.resolve("fstab");
      Files.writeString(fstab, root + " " + mnt + " fuse.rewind ro,allow_other,tz=UTC,log=" + log + " 0 0\n");
      RewindMount.adopt(mnt);
      Proc.run(List.of("mount", "-T", fstab.toString(), mnt.toString()), null, env, Duration.ofSeconds(60)).expect(0);
      assertEquals(List.of("f"), list(mnt.resolve("web/latest/")));
      assertEquals("x\n", sh(NOBODY, "cat", mnt.resolve("web/latest/f").toString()).expect(0).out(), "allow_other");
      sh(List.of(), "umount", mnt.toString()).expect(0);
      assertFalse(RewindMount.isMounted(mnt));
      // the helper called the way mount(8) calls it
      Proc.run(List.of(script.toString(), root.toString(), mnt.toString(), "-o", "ro,tz=UTC,log=" + log), null, env,
          Duration.ofSeconds(60)).expect(0);
      assertEquals(List.of("f"), list(mnt.resolve("web/latest/")));
    } finally {
      RewindMount.unmount(mnt);
      if (installed) {
        Files.delete(helper);
      }
    }
  }

  @Test
  void nonUtf8Names_byteExactThroughTheJarWithoutTheCharsetFlag() throws IOException {
    byte[] odd = TreeBuilder.raw("bad\u00ff\u00fe\nname");
    hostWith("web", b -> b.dir("d").file(TreeBuilder.path("d".getBytes(), odd), "odd content\n".getBytes(), 0644));
    RewindMount m = RewindMount.foreground(List.of(), root, mnt, "tz=UTC");
    TreeSnapshot mounted = TreeSnapshot.capture(m.path().resolve("web").resolve(ts(T1)));
    TreeSnapshot source = TreeSnapshot.capture(work.resolve("src-web"));
    assertSameTree(source, mounted, "names through a mount started without -Dfile.encoding");
    assertEquals(List.of(new String(odd, StandardCharsets.ISO_8859_1)), list(m.path().resolve("web/latest/d")));
  }

  @Test
  void badInput_oneLineErrorAndNonZeroExit() throws IOException {
    hostWith("web", b -> b.file("f", "x\n"));
    Files.writeString(work.resolve("file"), "x");
    // in process: the checks before anything is started
    assertEquals(1, Main.run("mount", work.resolve("file").toString(), mnt.toString()));
    assertEquals(1, Main.run("mount", root.toString(), work.resolve("nomnt").toString()));
    assertEquals(1, Main.run("mount", "-o", "tz=Mars/Base", root.toString(), mnt.toString()));
    assertEquals(2, Main.run("mount", root.toString()));
    // as users see it
    assertOneLineError(RewindJar.run("UTC", "mount", work.resolve("nope").toString(), mnt.toString()), "nope");
    assertOneLineError(RewindJar.run("UTC", "mount", "-o", "bogus", root.toString(), mnt.toString()), "bogus");
    RewindMount.foreground(root, mnt, "tz=UTC");
    assertOneLineError(RewindJar.run("UTC", "mount", root.toString(), mnt.toString()), "already a mount point");
  }

  private static void assertOneLineError(Proc.Result r, String mentions) {
    assertNotEquals(0, r.exitCode(), r.stderr());
    List<String> lines = r.stderr().lines().toList();
    assertEquals(1, lines.size(), r.stderr());
    assertTrue(lines.get(0).startsWith("rewind: error: ") && lines.get(0).contains(mentions), r.stderr());
  }
}
