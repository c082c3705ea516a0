package dev.rewind.source.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Interrupted;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SshTarget;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rewind backup sftp://...} (the packaged jar) against a real sshd and sftp-server whose
 * configuration each subclass chooses: a full and an incremental backup restore equal to the
 * source, and a server that stops answering in the middle of a big file ends the backup with one
 * line (not a hang) and leaves a repository the next backup carries on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
abstract class SftpServerScenarios {
  private static final String TZ = "UTC";
  private static final long T0 = 1_700_000_000L;
  private static final long T1 = T0 + 86_400;
  private static final long T2 = T1 + 86_400;
  private static final long T3 = T2 + 86_400;
  /** The stalled backup's --ssh-timeout: short, so that the test does not wait the default two minutes. */
  private static final int STALL_TIMEOUT_SECONDS = 3;

  Path work;
  SshTarget target;

  /** Lines added to the target's sshd_config. */
  abstract List<String> sshdConfig();

  @BeforeAll
  void start(@TempDir Path dir) throws IOException {
    work = dir;
    target = SshTarget.start(work.resolve("sshd"), sshdConfig());
  }

  @AfterAll
  void stop() throws IOException {
    if (target != null) {
      target.close();
    }
  }

  Proc.Result backup(long time, Path src, Path repo, String... options) throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("--current-time", Long.toString(time), "backup",
        "--ssh-key", target.clientKey().toString(), "--known-hosts", target.knownHosts().toString()));
    args.addAll(List.of(options));
    args.addAll(List.of(target.url(src.toString()), repo.toString()));
    return RewindJar.run(TZ, args.toArray(String[]::new));
  }

  /** What SFTP carries in its awkward forms, several files of over 1 MiB (read in many requests) and small ones. */
  private static TreeBuilder sampleTree(Path src) {
    return SftpSample.build(src, T0)
        .dir("big")
        .randomFile("big/a", 3 * 1024 * 1024 + 17, 1)
        .randomFile("big/b", 1536 * 1024, 2)
        .randomFile("big/c", 2 * 1024 * 1024, 3)
        .file("big/small", "small\n")
        .touch("big", T0);
  }

  private void assertRestoresEqual(Path repo, Object at, TreeSnapshot expected, String what) {
    Path byRdiff = work.resolve(repo.getFileName() + "-rdiff-" + what.hashCode());
    RdiffBackup.withTz(TZ).restoreAt(repo, at.toString(), byRdiff).expect(0);
    TreeSnapshot.assertSameTree(expected, TreeSnapshot.capture(byRdiff), what + ", restored by rdiff-backup");
    if ("now".equals(at)) {
      Path byRewind = work.resolve(repo.getFileName() + "-rewind-" + what.hashCode());
      RewindJar.run(TZ, "restore", "--at", "now", repo.toString(), byRewind.toString()).expect(0);
      TreeSnapshot.assertSameTree(expected, TreeSnapshot.capture(byRewind), what + ", restored by rewind");
    }
  }

  @Test
  void backup_fullThenIncremental_restoresEqualToSource() throws IOException {
    Path src = work.resolve("full-src");
    Path repo = work.resolve("full-repo");
    TreeBuilder tree = sampleTree(src);
    Proc.Result first = backup(T1, src, repo).expect(0);
    assertTrue(first.out().contains("initial session") && first.out().contains(", 0 errors"), first.out());
    TreeSnapshot atT1 = TreeSnapshot.capture(src);
    assertRestoresEqual(repo, "now", atT1, "the initial session");

    // a big file changed in the middle (a delta against the mirror), one new, one gone
    tree.clock(T1).editAt("big/a", 1024 * 1024, TreeBuilder.randomBytes(200_000, 9))
        .randomFile("big/d", 1200 * 1024, 4).delete("big/b").write("big/small", "changed\n").touch("big", T1);
    Proc.Result second = backup(T2, src, repo).expect(0);
    assertTrue(second.out().contains("incremental session") && second.out().contains(", 0 errors"), second.out());
    assertRestoresEqual(repo, "now", TreeSnapshot.capture(src), "the incremental session");
    assertRestoresEqual(repo, T1, atT1, "the initial session, rebuilt from increments");
    assertEquals(List.of(T1, T2), RdiffBackup.withTz(TZ).listIncrementsParsable(repo));
  }

  @Test
  void backup_serverStopsAnsweringMidFile_oneLineErrorThenNextBackupRecovers() throws Exception {
    Path src = work.resolve("stall-src");
    Path repo = work.resolve("stall-repo");
    TreeBuilder tree = sampleTree(src);
    backup(T1, src, repo).expect(0);
    TreeSnapshot atT1 = TreeSnapshot.capture(src);

    // big files first in index order, so that the stop comes while one is being read
    Interrupted.addBigFiles(src, "256M");
    tree.file("z-last", "after the big files\n");
    CompletableFuture<Proc.Result> run =
        Interrupted.inBackground(() -> backup(T2, src, repo, "--ssh-timeout", String.valueOf(STALL_TIMEOUT_SECONDS)));
    List<Long> stopped = List.of();
    Proc.Result stalled;
    long startNanos = 0;
    try {
      Interrupted.waitForStagedFile(repo, run);
      stopped = target.sftpServers();
      assertFalse(stopped.isEmpty(), "no sftp-server under the test's sshd");
      SshTarget.signal("STOP", stopped);
      startNanos = System.nanoTime();
      // a bound far above the timeout: what matters is that it ends at all
      stalled = run.get(5, TimeUnit.MINUTES);
    } finally {
      SshTarget.signal("CONT", stopped);
      SshTarget.signal("KILL", stopped);
    }
    System.out.printf("%s: the stalled backup ended %.1f s after SIGSTOP%n", getClass().getSimpleName(),
        (System.nanoTime() - startNanos) / 1e9);
    assertEquals(1, stalled.exitCode(), stalled.stderr());
    // a slow run may also print a progress line every 30 s
    List<String> lines = stalled.stderr().lines().filter(l -> !l.startsWith("rewind: progress: ")).toList();
    assertEquals(1, lines.size(), "one line: " + stalled.stderr());
    assertTrue(lines.get(0).startsWith("rewind: error: connection to 127.0.0.1 port " + target.port()
        + " lost while reading '" + src + "/"), stalled.stderr());
    assertTrue(lines.get(0).endsWith(": no answer within " + STALL_TIMEOUT_SECONDS + " s"), stalled.stderr());

    Proc.Result next = backup(T3, src, repo).expect(0);
    assertTrue(next.stderr().contains("regressed"), next.stderr());
    assertRestoresEqual(repo, "now", TreeSnapshot.capture(src), "the session after the stalled one");
    assertRestoresEqual(repo, T1, atT1, "the session before the stalled one");
    assertEquals(List.of(T1, T3), RdiffBackup.withTz(TZ).listIncrementsParsable(repo));
  }
}
