package dev.rewind.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Interrupted;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SshTarget;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rewind pull --all} over two real OpenSSH daemons (two "hosts" on 127.0.0.1, each its
 * own sshd and host key, the target prepared by rewind-target-setup) and a third host whose
 * port nobody listens on: the two good hosts are pulled and restore with rdiff-backup, the bad
 * one fails alone with a line naming it.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PullOverSshIT {
  private static final String TZ = "UTC";
  private static final long T1 = 1_780_000_000L;

  @TempDir static Path work;
  static SshTarget web1;
  static SshTarget web2;

  @BeforeAll
  static void start() throws IOException {
    RewindJar.jar();
    web1 = SshTarget.start(work.resolve("sshd-web1"));
    web2 = SshTarget.start(work.resolve("sshd-web2"));
  }

  @AfterAll
  static void stop() throws IOException {
    try {
      if (web1 != null) {
        web1.close();
      }
    } finally {
      if (web2 != null) {
        web2.close();
      }
    }
  }

  @Test
  void pullAll_twoSshHostsOk_unreachableHostFailsAlone_repositoriesRestore() throws IOException {
    Path conf = work.resolve("conf");
    Files.createDirectories(conf.resolve("hosts.d"));
    Files.createDirectories(work.resolve("src"));
    TreeBuilder.at(work.resolve("src/web1"), T1 - 1000).dir("etc").file("etc/motd", "web one\n").chmod("etc/motd", 0600)
        .symlink("link", "etc/motd");
    TreeBuilder.at(work.resolve("src/web2"), T1 - 1000).file("index.html", "<h1>two</h1>\n").dir("logs")
        .file("logs/access.log", "GET /\n");
    Files.writeString(conf.resolve("known_hosts"), Files.readString(web1.knownHosts()) + Files.readString(web2.knownHosts()));
    Files.writeString(conf.resolve("rewind.conf"), String.join("\n", "repository_root = " + work.resolve("repos"),
        "state_dir = " + work.resolve("state"), "known_hosts = " + conf.resolve("known_hosts"), "user = " + SshTarget.USER,
        "parallel = 3", ""));
    hostFile(conf, "web1", web1.port(), web1.clientKey(), work.resolve("src/web1"), "");
    hostFile(conf, "web2", web2.port(), web2.clientKey(), work.resolve("src/web2"), "exclude = " + work.resolve("src/web2/logs"));
    hostFile(conf, "web3", closedPort(), web1.clientKey(), work.resolve("src/web1"), "");

    Proc.Result r = RewindJar.run(TZ, "--current-time", Long.toString(T1), "--config", conf.toString(), "pull", "--all");

    assertEquals(1, r.exitCode(), r.out() + r.stderr());
    assertEquals(1, r.out().lines().filter(l -> l.startsWith("web1: ok, session ")).count(), r.out());
    assertEquals(1, r.out().lines().filter(l -> l.startsWith("web2: ok, session ")).count(), r.out());
    List<String> failed = r.out().lines().filter(l -> l.startsWith("web3: FAILED: ")).toList();
    assertEquals(1, failed.size(), r.out());
    assertTrue(failed.get(0).contains("127.0.0.1"), "the failure names the address: " + failed.get(0));
    assertTrue(r.out().endsWith("3 hosts: 2 ok, 1 failed\n"), r.out());

    RdiffBackup rdiff = RdiffBackup.withTz(TZ);
    rdiff.verify(work.resolve("repos/web1"));
    Path restored = Files.createDirectories(work.resolve("restored"));
    rdiff.restoreAt(work.resolve("repos/web1"), T1, restored.resolve("web1")).expect(0);
    rdiff.restoreAt(work.resolve("repos/web2"), T1, restored.resolve("web2")).expect(0);
    assertEquals("web one\n", Files.readString(restored.resolve("web1/etc/motd")), "a 0600 file read over SFTP");
    assertEquals("etc/motd", Files.readSymbolicLink(restored.resolve("web1/link")).toString());
    assertEquals("<h1>two</h1>\n", Files.readString(restored.resolve("web2/index.html")));
    assertTrue(Files.notExists(restored.resolve("web2/logs")), "the host's exclude applies");
    assertTrue(Files.readString(work.resolve("state/web3.state")).contains("last_result=failed"));
  }

  @Test
  void pull_unknownHostKeyRefused_untilTrustOfTheConfiguredHostName() throws IOException {
    Path conf = work.resolve("conf-trust");
    Files.createDirectories(conf.resolve("hosts.d"));
    Files.createDirectories(work.resolve("src"));
    TreeBuilder.at(work.resolve("src/trusted"), T1 - 1000).file("a", "alpha\n");
    Files.writeString(conf.resolve("rewind.conf"), String.join("\n", "repository_root = " + work.resolve("repos-trust"),
        "state_dir = " + work.resolve("state-trust"), "user = " + SshTarget.USER, ""));
    hostFile(conf, "web1", web1.port(), web1.clientKey(), work.resolve("src/trusted"), "");

    Proc.Result refused = RewindJar.run(TZ, "--current-time", Long.toString(T1), "--config", conf.toString(), "pull", "web1");
    assertEquals(1, refused.exitCode(), refused.out());
    assertTrue(refused.out().contains("web1: FAILED: ") && refused.out().toLowerCase().contains("host key"), refused.out());

    Proc.Result trust = RewindJar.run(TZ, "--config", conf.toString(), "trust", "--yes", "web1");
    assertEquals(0, trust.exitCode(), trust.out() + trust.stderr());
    assertTrue(trust.out().contains("SHA256:"), "shows the fingerprint: " + trust.out());
    assertTrue(Files.readString(conf.resolve("known_hosts")).startsWith("[127.0.0.1]:" + web1.port() + " "),
        "recorded for the configured address and port");

    Proc.Result pulled = RewindJar.run(TZ, "--current-time", Long.toString(T1), "--config", conf.toString(), "pull", "web1");
    assertEquals(0, pulled.exitCode(), pulled.out() + pulled.stderr());
  }

  /**
   * A host whose sftp-server stops answering in the middle of a big file: with {@code ssh_timeout
   * = 3s} the pull of that host fails within seconds with one line naming the loss, and the next
   * pull rolls the unfinished session back and succeeds.
   */
  @Test
  void pull_hostStopsAnsweringMidFile_failsAfterSshTimeout_nextPullRecovers() throws Exception {
    Path conf = work.resolve("conf-stall");
    Files.createDirectories(conf.resolve("hosts.d"));
    Path src = work.resolve("src/stall");
    TreeBuilder.at(src, T1 - 1000).file("notes.txt", "before\n");
    Path repo = work.resolve("repos-stall/web1");
    Files.writeString(conf.resolve("rewind.conf"), String.join("\n", "repository_root = " + work.resolve("repos-stall"),
        "state_dir = " + work.resolve("state-stall"), "known_hosts = " + web1.knownHosts(), "user = " + SshTarget.USER,
        "ssh_timeout = 3s", ""));
    hostFile(conf, "web1", web1.port(), web1.clientKey(), src, "");
    Interrupted.Run pull = () -> RewindJar.run(TZ, "--current-time", Long.toString(T1), "--config", conf.toString(), "pull", "web1");
    assertEquals(0, pull.run().exitCode());

    Interrupted.addBigFiles(src, "256M"); // first in index order: the stop comes while one is read
    long t2 = T1 + 86_400;
    CompletableFuture<Proc.Result> run = Interrupted.inBackground(
        () -> RewindJar.run(TZ, "--current-time", Long.toString(t2), "--config", conf.toString(), "pull", "web1"));
    List<Long> stopped = List.of();
    Proc.Result stalled;
    try {
      Interrupted.waitForStagedFile(repo, run);
      stopped = web1.sftpServers();
      SshTarget.signal("STOP", stopped);
      stalled = run.get(5, TimeUnit.MINUTES); // far above the timeout: what matters is that it ends
    } finally {
      SshTarget.signal("CONT", stopped);
      SshTarget.signal("KILL", stopped);
    }
    assertEquals(1, stalled.exitCode(), stalled.out() + stalled.stderr());
    List<String> failed = stalled.out().lines().filter(l -> l.startsWith("web1: FAILED: ")).toList();
    assertEquals(1, failed.size(), stalled.out());
    assertTrue(failed.get(0).contains("no answer within 3 s"), failed.get(0));

    long t3 = t2 + 86_400;
    Proc.Result next = RewindJar.run(TZ, "--current-time", Long.toString(t3), "--config", conf.toString(), "pull", "web1");
    assertEquals(0, next.exitCode(), next.out() + next.stderr());
    assertEquals(List.of(T1, t3), RdiffBackup.withTz(TZ).listIncrementsParsable(repo), "the stalled session is gone");
    RdiffBackup.withTz(TZ).verify(repo);
  }

  private static void hostFile(Path conf, String host, int port, Path key, Path path, String extra) throws IOException {
    Files.writeString(conf.resolve("hosts.d/" + host + ".conf"), String.join("\n", "address = 127.0.0.1", "port = " + port,
        "key = " + key, "path = " + path, extra, ""));
  }

  /** A loopback port nobody listens on (bound, then released). */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
