package dev.rewind.fuse;

import static dev.rewind.testing.TreeSnapshot.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.posix.Posix;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindMount;
import dev.rewind.testing.SampleRepos;
import dev.rewind.testing.SampleRepos.Sample;
import dev.rewind.testing.SampleRepos.Session;
import dev.rewind.testing.SampleRepos.Variant;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount against the real rdiff-backup 2.2.2: an rdiff-backup-made sample repository (every
 * kind of change, odd names, owners, modes, devices, xattrs, ACLs, hard links) read through a
 * real FUSE mount of the packaged jar must equal {@code rdiff-backup restore --at} of every
 * session, and so must a {@code cp -a} out of the mount.
 */
@Tag("fuse")
@ExtendWith(RewindMount.Cleanup.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MountInteropIT {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXXXX");
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("uuuu-MM-dd");

  @TempDir static Path work;
  private static Sample sample;
  private static Path host;

  @BeforeAll
  static void mountTheSample() throws IOException {
    Tools.requireRoot();
    Tools.require("fusermount", "rdiff-backup", "setfacl", "setpriv", "cp");
    sample = SampleRepos.build(Variant.DEFAULT, work.resolve("root"));
    Path mnt = Files.createDirectory(work.resolve("mnt"));
    RewindMount.foreground(work.resolve("root"), mnt, "allow_other,tz=Europe/Berlin").keepForClass();
    host = mnt.resolve("repo"); // the sample's repository directory is its host name; 'src' is no repository
  }

  @AfterAll
  static void cleanUp() throws IOException {
    if (work != null) {
      try (var children = Files.list(work)) {
        for (Path p : children.toList()) {
          RewindMount.unmount(p);
          TreeBuilder.deleteRecursively(p);
        }
      }
    }
  }

  private static String timestamp(long epoch) {
    return TIMESTAMP.format(Instant.ofEpochSecond(epoch).atZone(BERLIN));
  }

  private static String day(long epoch) {
    return DAY.format(Instant.ofEpochSecond(epoch).atZone(BERLIN));
  }

  private static Path restored(Session s, String sub, String label) {
    Path target = work.resolve("restore-" + label + "-" + s.number());
    sample.rdiff().restoreAt(sub.isEmpty() ? sample.repo() : sample.repo().resolve(sub), s.time(), target);
    return target;
  }

  @Test
  void everySession_readThroughTheMount_equalsRdiffBackupRestoreAndTheSource() {
    List<Executable> checks = new ArrayList<>();
    for (Session s : sample.sessions()) {
      String context = "session " + s.number() + " (" + timestamp(s.time()) + ")";
      TreeSnapshot oracle = TreeSnapshot.capture(restored(s, "", "all"));
      TreeSnapshot mounted = TreeSnapshot.capture(host.resolve(timestamp(s.time())));
      checks.add(() -> assertSameTree(oracle, mounted, context + ": mount vs rdiff-backup restore --at"));
      checks.add(() -> assertSameTree(s.source(), mounted, context + ": mount vs source"));
    }
    assertAll("every session through the mount", checks);
  }

  @Test
  void hostDirectory_oneNamePerDayAndSessionAndLatest() throws IOException {
    List<String> expected = new ArrayList<>();
    for (Session s : sample.sessions()) {
      expected.add(day(s.time()));
      expected.add(timestamp(s.time()));
    }
    expected.add("latest");
    List<String> listed = new ArrayList<>();
    for (byte[] name : Posix.list(Posix.bytes(host))) {
      listed.add(new String(name, StandardCharsets.UTF_8));
    }
    listed.sort(null);
    expected.sort(null);
    assertEquals(expected, listed);
    assertEquals(timestamp(sample.last().time()), Files.readSymbolicLink(host.resolve("latest")).toString());
    TreeSnapshot latest = TreeSnapshot.capture(throughLatest());
    assertSameTree(sample.last().source(), latest, "latest");
    Session second = sample.session(2);
    assertSameTree(second.source(), TreeSnapshot.capture(host.resolve(day(second.time()))), "day name of session 2");
  }

  @Test
  void cpA_asRoot_equalsRdiffBackupRestore() {
    Session s2 = sample.session(2);
    Path whole = work.resolve("cp-whole");
    Proc.run(List.of("cp", "-a", host.resolve(day(s2.time())).toString(), whole.toString()), null, Map.of(),
        Duration.ofMinutes(2)).expect(0);
    assertSameTree(TreeSnapshot.capture(restored(s2, "", "cp")), TreeSnapshot.capture(whole), "cp -a of session 2");

    Session s5 = sample.session(5);
    Path into = work.resolve("cp-sub");
    Proc.run(List.of("mkdir", into.toString()), null, Map.of(), Duration.ofSeconds(10)).expect(0);
    Proc.run(List.of("cp", "-a", host.resolve(day(s5.time())).resolve("odd").toString(), into + "/"), null, Map.of(),
        Duration.ofMinutes(2)).expect(0);
    assertSameTree(TreeSnapshot.capture(restored(s5, "odd", "cp-odd")), TreeSnapshot.capture(into.resolve("odd")),
        "cp -a of odd/ at session 5");
  }

  @Test
  void everyWrite_readOnlyFileSystem() {
    Path t = host.resolve("latest").resolve("plain.txt");
    Path d = host.resolve("latest").resolve("sub");
    List<List<String>> writes = List.of(
        List.of("touch", t.toString()),
        List.of("sh", "-c", "echo x >> " + t),
        List.of("sh", "-c", "echo x > " + d.resolve("new")),
        List.of("mkdir", d.resolve("m").toString()),
        List.of("rm", t.toString()),
        List.of("rmdir", d.toString()),
        List.of("chmod", "600", t.toString()),
        List.of("chown", "1:1", t.toString()),
        List.of("mv", t.toString(), d.resolve("moved").toString()),
        List.of("ln", "-s", "x", d.resolve("l").toString()),
        List.of("ln", t.toString(), d.resolve("h").toString()),
        List.of("setfattr", "-n", "user.x", "-v", "1", t.toString()),
        List.of("truncate", "-s", "0", t.toString()));
    List<Executable> checks = new ArrayList<>();
    for (List<String> cmd : writes) {
      Proc.Result r = Proc.run(cmd, null, Map.of("LC_ALL", "C"), Duration.ofSeconds(20));
      checks.add(() -> assertNotEquals(0, r.exitCode(), cmd + " succeeded"));
      checks.add(() -> assertTrue(r.stderr().contains("Read-only file system"), cmd + ": " + r.stderr()));
    }
    assertAll("writes", checks);
    assertSameTree(sample.last().source(), TreeSnapshot.capture(throughLatest()), "nothing changed");
  }

  @Test
  void sixteenReadersAtOnce_acrossSessions_sameBytesAsTheSource() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<String>> results = new ArrayList<>();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        Session s = sample.session(1 + i % SampleRepos.SESSIONS);
        String file = i % 2 == 0 ? "big.bin" : "append.log";
        Path p = host.resolve(timestamp(s.time())).resolve(file);
        expected.add(s.source().get(file).sha1());
        results.add(pool.submit(() -> sha1(p)));
      }
      for (int i = 0; i < 16; i++) {
        assertEquals(expected.get(i), results.get(i).get(120, TimeUnit.SECONDS), "reader " + i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** {@code host/latest/} with its trailing slash: the link's target, as users reach it. */
  private static byte[] throughLatest() {
    return (host.resolve("latest") + "/").getBytes(StandardCharsets.UTF_8);
  }

  private static String sha1(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-1");
    try (InputStream in = Channels.newInputStream(Posix.openRead(Posix.bytes(p)))) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
