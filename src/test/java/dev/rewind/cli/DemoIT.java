package dev.rewind.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rewind.posix.Posix;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.RewindMount;
import dev.rewind.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** README's first command, {@code rewind demo}, with a real FUSE mount. */
@ExtendWith(RewindMount.Cleanup.class)
class DemoIT {
  private static final long NOW = 1711962000; // 2024-04-01T09:00:00Z
  private static final String DAY1 = "2024-03-30"; // the first session: two days before NOW

  @Test
  void demo_mountsTheHistory_showsDayOne_unmountsOnEnter() throws Exception {
    Tools.require("fusermount");
    Tools.requireRoot();
    Path work = Files.createTempDirectory("rewind-demo-it-");
    Process p = start(List.of(), work);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread drain = drain(p.getInputStream(), out);
    try {
      awaitOutput(p, out, "Press Enter");
      Path day1 = work.resolve("backups/sample/" + DAY1);
      assertEquals("Day 1: the server was installed.\n", Files.readString(day1.resolve("notes.txt")),
          "day 1 as it was, read through the mount while the demo waits");
      assertTrue(Files.exists(day1.resolve("will-vanish.txt")));
      assertFalse(Files.exists(day1.resolve("docs/new-on-day3.txt")));
      assertThrows(IOException.class, () -> Files.writeString(day1.resolve("notes.txt"), "x"), "read-only");
      try (OutputStream in = p.getOutputStream()) {
        in.write('\n');
      }
      assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the demo ends after Enter");
      drain.join(10_000);
      String said = out.toString(StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), said);
      assertTrue(said.contains("$ ls -l --time-style=long-iso " + day1), said);
      assertTrue(said.contains("will-vanish.txt"), "the listing of day 1 is shown: " + said);
      assertTrue(said.contains("deleted  will-vanish.txt"), "what changed is shown: " + said);
      assertTrue(said.contains("unmounted"), said);
      assertFalse(RewindMount.isMounted(work.resolve("backups")), "nothing stays mounted");
    } finally {
      p.destroyForcibly();
      RewindMount.unmount(work.resolve("backups"));
    }
  }

  @Test
  void demo_withoutATerminal_endsByItself() throws Exception {
    Tools.require("fusermount");
    Path work = Files.createTempDirectory("rewind-demo-it-");
    Proc.Result r = RewindJar.run("UTC", "--current-time", Long.toString(NOW), "demo", "--dir", work.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.out().contains("Day 1: the server was installed."), r.out());
    assertFalse(RewindMount.isMounted(work.resolve("backups")));
  }

  @Test
  void demo_asNonRoot_showsDayOne() throws Exception {
    Tools.require("setpriv");
    Tools.requireRoot();
    Path parent = Files.createTempDirectory("rewind-demo-it-");
    Posix.chmod(Posix.bytes(parent), 0777);
    Path work = parent.resolve("demo");
    Proc.Result r = RewindJar.run(RdiffBackup.AS_NOBODY, "UTC", "--current-time", Long.toString(NOW), "demo",
        "--dir", work.toString());
    assertEquals(0, r.exitCode(), r.out() + r.stderr());
    // mounted where this user may use /dev/fuse, otherwise the restore stands in for it
    assertTrue(r.out().contains("Day 1: the server was installed."), r.out());
    assertTrue(r.out().contains("unmounted") || r.out().contains("showing a restore instead"), r.out());
    assertFalse(RewindMount.isMounted(work.resolve("backups")));
  }

  private static Process start(List<String> prefix, Path work) throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        RewindJar.jar().toString(), "--current-time", Long.toString(NOW), "demo", "--dir", work.toString()));
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
    b.environment().put("TZ", "UTC");
    return b.start();
  }

  private static Thread drain(InputStream in, ByteArrayOutputStream out) {
    Thread t = new Thread(() -> {
      try {
        byte[] buf = new byte[8192];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          synchronized (out) {
            out.write(buf, 0, n);
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void awaitOutput(Process p, ByteArrayOutputStream out, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      synchronized (out) {
        if (out.toString(StandardCharsets.UTF_8).contains(text)) {
          return;
        }
      }
      if (!p.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    synchronized (out) {
      fail("the demo did not say '" + text + "': " + out.toString(StandardCharsets.UTF_8));
    }
  }
}
