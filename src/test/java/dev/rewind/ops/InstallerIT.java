package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.RewindMount;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mount-scripts/install} run for real into a scratch root ({@code --root}): what it puts
 * where, with which owner and mode; that a second run changes nothing (not even a ctime); that
 * {@code --uninstall} removes exactly that and keeps configuration, key, repositories and user;
 * that the installed launcher runs Rewind and the installed units pass {@code systemd-analyze}.
 */
@ExtendWith(RewindMount.Cleanup.class)
class InstallerIT {
  private static final Path PROJECT = Path.of(System.getProperty("user.dir")).toAbsolutePath();
  private static final Path SCRIPT = PROJECT.resolve("mount-scripts/install");
  private static final String FUSE_CONF = "# the distribution's own\n#user_allow_other\nmount_max = 1000\n";
  private static final List<String> UNITS = List.of("rewind-pull@.service", "rewind-pull@.timer",
      "rewind-pull-local@.service", "rewind-pull-local@.timer", "rewind-pull-all.service", "rewind-pull-all.timer",
      "backups.mount", "rewind-pull-all.service.d/poweroff.conf.example");

  @TempDir Path tmp;
  private Path root;

  @BeforeEach
  void scratchRoot() throws IOException {
    Tools.requireRoot(); // chown and useradd --root
    Tools.require("useradd", "ssh-keygen", "systemd-analyze");
    root = Files.createDirectories(tmp.resolve("root"));
    Path etc = Files.createDirectories(root.resolve("etc"));
    // this machine's user database, without a backuphelper some other test or set-up made here
    for (String f : List.of("passwd", "group", "shadow", "gshadow")) {
      Files.write(etc.resolve(f), Files.readAllLines(Path.of("/etc", f)).stream()
          .filter(line -> !line.startsWith("backuphelper:")).toList());
    }
    Files.copy(Path.of("/etc/login.defs"), etc.resolve("login.defs"));
    Files.writeString(etc.resolve("fuse.conf"), FUSE_CONF);
  }

  @Test
  void install_thenAgainChangesNothing_thenUninstallKeepsConfigAndRepositories() throws IOException {
    String hostUser = Proc.run(List.of("getent", "passwd", "backuphelper")).out();
    Proc.Result first = install().expect(0);
    assertTrue(first.out().contains("created system user backuphelper"), first.out());

    assertInstalled();
    assertEquals(hostUser, Proc.run(List.of("getent", "passwd", "backuphelper")).out(), "the host's users changed");

    Map<String, String> before = snapshot();
    Proc.Result second = install().expect(0);
    assertEquals("install: nothing to change: Rewind is installed in " + root + "\n", second.out());
    assertEquals(before, snapshot(), "the second run changed something");

    Proc.Result help = launcher(Map.of(), "--help");
    assertEquals(0, help.exitCode(), help.stderr());
    assertTrue(help.out().startsWith("Usage: rewind"), help.out());

    SystemdRoot systemd = SystemdRoot.around(root); // the installed units, with the installed launcher
    for (String unit : UNITS.subList(0, 7)) {
      systemd.assertVerifiesCleanly(unit.replace("@.", "@web1."));
    }

    // what an administrator adds meanwhile: a host, an enabled timer, a repository
    Files.writeString(root.resolve("etc/rewind/hosts.d/web1.conf"), "address = web1.example.org\n");
    Path wants = Files.createDirectories(root.resolve("etc/systemd/system/timers.target.wants"));
    Files.createSymbolicLink(wants.resolve("rewind-pull@web1.timer"), Path.of("/etc/systemd/system/rewind-pull@.timer"));
    Path repoFile = Files.createDirectories(root.resolve("srv/rewind/web1/rdiff-backup-data")).resolve("current_mirror");
    Files.writeString(repoFile, "x");

    Proc.Result removed = install("--uninstall").expect(0);
    assertTrue(removed.out().contains("kept " + root.resolve("etc/rewind")), removed.out());
    for (String gone : List.of("usr/local/lib/rewind", "usr/local/bin/rewind", "usr/local/sbin/mount.rewind",
        "sbin/mount.fuse.rewind", "backups", "etc/systemd/system/rewind-pull-all.service.d",
        "etc/systemd/system/timers.target.wants/rewind-pull@web1.timer")) {
      assertFalse(Files.exists(root.resolve(gone), LinkOption.NOFOLLOW_LINKS), gone + " is still there");
    }
    for (String unit : UNITS) {
      assertFalse(Files.exists(root.resolve("etc/systemd/system").resolve(unit)), unit);
    }
    for (String kept : List.of("etc/rewind/rewind.conf", "etc/rewind/hosts.d/example.conf.example",
        "etc/rewind/hosts.d/web1.conf", "etc/rewind/id_ed25519", "etc/rewind/id_ed25519.pub", "var/lib/rewind")) {
      assertTrue(Files.exists(root.resolve(kept)), kept + " was removed");
    }
    assertEquals("x", Files.readString(repoFile));
    assertEquals(FUSE_CONF, Files.readString(root.resolve("etc/fuse.conf")), "fuse.conf is not as it was");
    assertTrue(Files.readString(root.resolve("etc/passwd")).contains("\nbackuphelper:"), "the user was removed");

    Proc.Result again = install("--uninstall").expect(0);
    assertTrue(again.out().startsWith("install: nothing to remove in " + root + "\n"), again.out());
  }

  @Test
  void installedLauncherBacksUp_andTheInstalledMountHelperMountsWithBackupsMountsOptions() throws IOException {
    Tools.require("fusermount", "mount");
    install().expect(0);
    Path src = Files.createDirectories(tmp.resolve("web1/etc"));
    Files.writeString(src.resolve("hostname"), "web1\n");
    Map<String, String> env = Map.of("PATH", javaBin() + ":/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C.UTF-8",
        "REWIND_JAR", root.resolve("usr/local/lib/rewind/rewind.jar").toString());
    launcher(Map.of("LC_ALL", "C.UTF-8"), "backup", src.getParent().toString(),
        root.resolve("srv/rewind/web1").toString()).expect(0);

    UnitFile unit = UnitFile.read(root.resolve("etc/systemd/system/backups.mount"));
    assertEquals("fuse.rewind", unit.one("Mount", "Type"), "mount(8) runs /sbin/mount.fuse.rewind");
    Path mnt = Files.createDirectories(tmp.resolve("backups"));
    RewindMount.adopt(mnt);
    try {
      // what mount(8) runs for the unit: the helper with What=, Where= and -o Options=
      String options = unit.one("Mount", "Options") + ",log=" + tmp.resolve("mount.log");
      Proc.run(List.of(root.resolve("usr/local/sbin/mount.rewind").toString(),
          root + unit.one("Mount", "What"), mnt.toString(), "-o", options), null, env, Duration.ofSeconds(120)).expect(0);
      assertEquals("web1\n", Files.readString(mnt.resolve("web1/latest/etc/hostname")));
    } finally {
      RewindMount.unmount(mnt);
    }
    assertFalse(RewindMount.isMounted(mnt));
  }

  @Test
  void launcher_passesTheCompilerDirectivesQuietly_andReportsRunningOutOfMemoryOnStderr() throws IOException {
    install().expect(0);
    Proc.Result version = launcher(Map.of(), "--version").expect(0);
    assertTrue(version.out().matches("rewind \\S.*\n"), "more than the version on stdout: " + version.out());
    assertEquals("", version.stderr());
    Proc.Result loud = launcher(Map.of("REWIND_JAVA_OPTS", "-XX:+DisplayVMOutput"), "--version").expect(0);
    assertTrue(loud.out().startsWith("3 compiler directives added\n"), "the directives are not in effect: " + loud.out());

    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.write(src.resolve("a"), new byte[1 << 20]);
    Proc.Result oom = launcher(Map.of("REWIND_JAVA_OPTS", "-Xms2m -Xmx3m"), "backup", src.toString(),
        tmp.resolve("repo").toString());
    assertEquals(3, oom.exitCode(), oom.stderr());
    assertTrue(oom.stderr().contains("rewind: out of memory: the Java heap is full (give a larger limit than the launcher"
        + " -Xmx1g with REWIND_JAVA_OPTS, e.g. -Xmx4g)\n"), oom.stderr());
  }

  @Test
  void startUpAids_comeFromTheJar_areUsedByTheLauncher_andAreMadeAnewWhenTheyNoLongerFit() throws IOException {
    install().expect(0);
    Path lib = root.resolve("usr/local/lib/rewind");
    Path stub = lib.resolve("native/libjffi-1.2.so");
    assertEquals("644", mode(lib.resolve("rewind.jsa")));
    assertEquals("644", mode(stub));
    try (ZipFile jar = new ZipFile(lib.resolve("rewind.jar").toFile())) {
      ZipEntry entry = jar.getEntry("jni/x86_64-Linux/libjffi-1.2.so");
      assertTrue(entry != null, "no x86_64 stub in the jar: is this another platform?");
      assertArrayEquals(jar.getInputStream(entry).readAllBytes(), Files.readAllBytes(stub), "not the jar's stub");
    }

    // a backup through the launcher: Rewind's classes come from the archive, the stub from native/,
    // and nothing is unpacked into the temporary directory
    Path tmpDir = Files.createDirectories(tmp.resolve("java-tmp"));
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("a"), "a\n");
    Proc.Result traced = launcher(Map.of("REWIND_JAVA_OPTS", "-Xlog:class+load=info,library=info -Djava.io.tmpdir="
        + tmpDir), "backup", src.toString(), tmp.resolve("repo").toString()).expect(0);
    assertTrue(traced.out().contains(" dev.rewind.backup.BackupSession source: shared objects file (top)"),
        "Rewind's classes were not mapped from the archive");
    // picocli and ASM (jnr-ffi's code generator) ship Java 5 class files, which the archive
    // cannot hold; the build rewrites them (src/build/ClassFileUpgrade.java)
    for (String library : List.of("picocli.CommandLine", "org.objectweb.asm.ClassWriter")) {
      assertTrue(traced.out().contains(" " + library + " source: shared objects file (top)"),
          library + " was not mapped from the archive");
    }
    assertTrue(traced.out().contains("Loaded library " + lib.resolve("native/libjffi-1.2.so")),
        "jffi's stub was not loaded from native/");
    try (Stream<Path> left = Files.list(tmpDir)) {
      assertEquals(List.of(), left.toList(), "something was unpacked into the temporary directory");
    }

    // a jar put in place by hand: the archive no longer fits, and Rewind runs quietly without it
    Files.setLastModifiedTime(lib.resolve("rewind.jar"), FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    Proc.Result version = launcher(Map.of(), "--version").expect(0);
    assertTrue(version.out().matches("rewind \\S.*\n"), version.out());
    assertEquals("", version.stderr());
    Proc.Result again = install().expect(0);
    assertTrue(again.out().contains("install: made the start-up aids " + lib.resolve("rewind.jsa")), again.out());
    launcher(Map.of("REWIND_JAVA_OPTS", "-Xshare:on"), "--version").expect(0);
  }

  @Test
  void existingConfigKeyAndFuseSetting_areNeverTouched() throws IOException {
    Path conf = Files.createDirectories(root.resolve("etc/rewind")).resolve("rewind.conf");
    Files.writeString(conf, "parallel = 4\n");
    Files.writeString(root.resolve("etc/rewind/id_ed25519"), "the administrator's key\n");
    Files.writeString(root.resolve("etc/fuse.conf"), "user_allow_other\n");

    install().expect(0);
    assertEquals("parallel = 4\n", Files.readString(conf));
    assertEquals("the administrator's key\n", Files.readString(root.resolve("etc/rewind/id_ed25519")));
    assertFalse(Files.exists(root.resolve("etc/rewind/id_ed25519.pub")), "a key was generated beside it");
    assertEquals("user_allow_other\n", Files.readString(root.resolve("etc/fuse.conf")));

    install("--uninstall").expect(0);
    assertEquals("user_allow_other\n", Files.readString(root.resolve("etc/fuse.conf")), "not ours to remove");
    assertEquals("parallel = 4\n", Files.readString(conf));
  }

  @Test
  void rootWithoutUserDatabase_skipsTheUserAndSaysSo() throws IOException {
    Files.delete(root.resolve("etc/passwd"));
    Proc.Result r = install().expect(0);
    assertTrue(r.out().contains("no " + root + "/etc/passwd: user backuphelper not created"), r.out());
    assertEquals("700", mode(root.resolve("srv/rewind")));
  }

  @Test
  void badArguments_giveOneLineErrors() {
    Proc.Result noRoot = run(List.of("--root", tmp.resolve("missing").toString()));
    assertEquals(1, noRoot.exitCode());
    assertEquals("install: --root '" + tmp.resolve("missing") + "' is not a directory\n", noRoot.stderr());

    Proc.Result noJar = run(List.of("--root", root.toString(), "--jar", tmp.resolve("none.jar").toString()));
    assertEquals(1, noJar.exitCode());
    assertEquals("install: --jar '" + tmp.resolve("none.jar") + "' is not a file\n", noJar.stderr());

    Proc.Result unknown = run(List.of("--frobnicate"));
    assertEquals(2, unknown.exitCode());
    assertTrue(unknown.stderr().startsWith("install: unknown argument '--frobnicate'\nusage: "), unknown.stderr());
    assertFalse(Files.exists(root.resolve("usr")), "something was installed after all");
  }

  private void assertInstalled() throws IOException {
    String ids = userIds();
    assertFile("usr/local/lib/rewind/rewind.jar", RewindJar.jar(), "644", "0:0");
    assertFile("usr/local/lib/rewind/compiler-directives.json", PROJECT.resolve("mount-scripts/compiler-directives.json"),
        "644", "0:0");
    assertFile("usr/local/sbin/mount.rewind", PROJECT.resolve("mount-scripts/mount.rewind"), "755", "0:0");
    assertEquals(Path.of("/usr/local/sbin/mount.rewind"), Files.readSymbolicLink(root.resolve("sbin/mount.fuse.rewind")));
    assertEquals("755", mode(root.resolve("usr/local/bin/rewind")));
    for (String unit : UNITS) {
      assertFile("etc/systemd/system/" + unit, PROJECT.resolve("systemd").resolve(unit), "644", "0:0");
    }
    assertFile("etc/rewind/rewind.conf", PROJECT.resolve("mount-scripts/etc/rewind.conf"), "644", "0:0");
    assertFile("etc/rewind/hosts.d/example.conf.example",
        PROJECT.resolve("mount-scripts/etc/hosts.d/example.conf.example"), "644", "0:0");
    assertEquals("600", mode(root.resolve("etc/rewind/id_ed25519")));
    assertEquals(ids, owner(root.resolve("etc/rewind/id_ed25519")));
    Proc.run(List.of("ssh-keygen", "-l", "-f", root.resolve("etc/rewind/id_ed25519").toString())).expect(0);
    for (String dir : List.of("srv/rewind", "var/lib/rewind")) {
      assertEquals("700", mode(root.resolve(dir)), dir);
      assertEquals(ids, owner(root.resolve(dir)), dir);
    }
    assertTrue(Files.isDirectory(root.resolve("backups")));
    String fuse = Files.readString(root.resolve("etc/fuse.conf"));
    assertTrue(fuse.startsWith(FUSE_CONF) && fuse.endsWith("\nuser_allow_other\n"), fuse);
  }

  /** uid:gid of backuphelper in the scratch root's passwd: a system user with no login. */
  private String userIds() throws IOException {
    for (String line : Files.readAllLines(root.resolve("etc/passwd"))) {
      String[] f = line.split(":");
      if (f[0].equals("backuphelper")) {
        assertTrue(Integer.parseInt(f[2]) < 1000, "not a system uid: " + line);
        assertEquals("/usr/sbin/nologin", f[6], line);
        return f[2] + ":" + f[3];
      }
    }
    throw new AssertionError("no backuphelper in " + root.resolve("etc/passwd"));
  }

  private void assertFile(String rel, Path expected, String mode, String owner) throws IOException {
    Path p = root.resolve(rel);
    assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(p), rel);
    assertEquals(mode, mode(p), rel);
    assertEquals(owner, owner(p), rel);
  }

  /** Every path under the root with type, mode, owner, size, mtime, ctime and link target. */
  private Map<String, String> snapshot() throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,ctime",
            LinkOption.NOFOLLOW_LINKS);
        String link = Files.isSymbolicLink(p) ? " -> " + Files.readSymbolicLink(p) : "";
        out.put(root.relativize(p).toString(), a.get("mode") + " " + a.get("uid") + ":" + a.get("gid") + " "
            + a.get("size") + " " + a.get("lastModifiedTime") + " " + a.get("ctime") + link);
      }
    }
    return out;
  }

  /** Runs the installed launcher with java on its PATH. */
  private Proc.Result launcher(Map<String, String> env, String... args) {
    Map<String, String> all = new TreeMap<>(env);
    all.put("PATH", javaBin() + ":/usr/bin:/bin");
    List<String> cmd = new ArrayList<>(List.of(root.resolve("usr/local/bin/rewind").toString()));
    cmd.addAll(List.of(args));
    return Proc.run(cmd, null, all, Duration.ofSeconds(120));
  }

  private static Path javaBin() {
    return Path.of(System.getProperty("java.home"), "bin");
  }

  private static String mode(Path p) throws IOException {
    return Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
  }

  private static String owner(Path p) throws IOException {
    return Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
        + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
  }

  private Proc.Result install(String... extra) {
    List<String> args = new ArrayList<>(List.of("--root", root.toString()));
    if (extra.length == 0) {
      args.addAll(List.of("--jar", RewindJar.jar().toString()));
    }
    args.addAll(List.of(extra));
    return run(args);
  }

  private static Proc.Result run(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    cmd.addAll(args);
    return Proc.run(cmd, null, Map.of(), Duration.ofSeconds(120));
  }
}
