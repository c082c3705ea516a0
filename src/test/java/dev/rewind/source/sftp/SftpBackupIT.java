package dev.rewind.source.sftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.posix.Posix;
import dev.rewind.testing.Interrupted;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SshTarget;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rewind backup sftp://...} (the packaged jar) against a real OpenSSH sshd as the
 * read-only {@code backuphelper}, with rdiff-backup and Rewind restoring the result.
 */
@Tag("openssh")
@Tag("interop")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SftpBackupIT {
  private static final String TZ = "UTC";
  private static final long T0 = 1_700_000_000L;
  private static final long T1 = T0 + 86_400;
  private static final long T2 = T1 + 86_400;
  private static final long T3 = T2 + 86_400;

  @TempDir static Path work;
  static SshTarget target;

  @BeforeAll
  static void start() throws IOException {
    target = SshTarget.start(work.resolve("sshd"));
    // searchable by others, so that the test without the capability reaches world-readable files
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (target != null) {
      target.close();
    }
  }

  /** A tree with what SFTP carries: root-only files and dirs, a FIFO, a symlink, odd owners and names. */
  private static TreeBuilder sampleTree(Path src) {
    return SftpSample.build(src, T0)
        .file(TreeBuilder.raw("setuid"), "#!/bin/sh\n".getBytes(), 04755)
        .dir("docs")
        .file("docs/a.txt", "alpha\n")
        .randomFile("docs/blob", 300_000, 7)
        .touch("docs", T0);
  }

  private static Proc.Result backup(long time, Path key, Path knownHosts, Path src, Path repo) {
    return RewindJar.run(TZ, "--current-time", Long.toString(time), "backup", "--ssh-key", key.toString(),
        "--known-hosts", knownHosts.toString(), target.url(src.toString()), repo.toString());
  }

  private static Proc.Result backup(long time, Path src, Path repo) throws IOException {
    return backup(time, target.clientKey(), target.knownHosts(), src, repo);
  }

  private static void assertOneLineError(Proc.Result r, String expectedPart) {
    assertEquals(1, r.exitCode(), r.stderr());
    assertEquals(1, r.stderr().strip().lines().count(), "one line: " + r.stderr());
    assertTrue(r.stderr().startsWith("rewind: error: ") && r.stderr().contains(expectedPart), r.stderr());
  }

  @Test
  void backup_overSftp_restoresEqualToSourceWithRdiffBackupAndRewind() throws IOException {
    Path src = work.resolve("equal-src");
    Path repo = work.resolve("equal-repo");
    sampleTree(src);
    backup(T1, src, repo).expect(0);
    TreeSnapshot expected = TreeSnapshot.capture(src);

    Path byRdiff = work.resolve("equal-rdiff");
    RdiffBackup.withTz(TZ).restoreAt(repo, "now", byRdiff).expect(0);
    TreeSnapshot.assertSameTree(expected, TreeSnapshot.capture(byRdiff), "rdiff-backup restore of an SFTP backup");

    Path byRewind = work.resolve("equal-rewind");
    RewindJar.run(TZ, "restore", "--at", "now", repo.toString(), byRewind.toString()).expect(0);
    TreeSnapshot.assertSameTree(expected, TreeSnapshot.capture(byRewind), "rewind restore of an SFTP backup");
  }

  @Test
  void backup_secondSession_writesIncrementsAndReadsOnlyChangedFiles() throws IOException {
    Path src = work.resolve("incr-src");
    Path repo = work.resolve("incr-repo");
    TreeBuilder tree = sampleTree(src);
    backup(T1, src, repo).expect(0);
    TreeSnapshot first = TreeSnapshot.capture(src);

    // Same size and mtime, other bytes: rdiff-backup's rule (and Rewind's) says unchanged, so
    // the mirror keeps the old bytes if and only if the file was not read again.
    byte[] oldA = tree.read("docs/a.txt");
    tree.write("docs/a.txt", "ALPHA\n").touch("docs/a.txt", T0).touch("docs", T0);
    tree.clock(T1).write("secret", "changed secret\n").delete("docs/blob").file("new", "new file\n");
    Proc.Result second = backup(T2, src, repo).expect(0);
    assertTrue(second.out().contains("incremental session") && second.out().contains(", 0 errors"), second.out());

    assertArrayEquals(oldA, Files.readAllBytes(repo.resolve("docs/a.txt")), "an unchanged file was transferred again");
    assertArrayEquals("changed secret\n".getBytes(), Files.readAllBytes(repo.resolve("secret")));
    Path older = work.resolve("incr-older");
    RdiffBackup.withTz(TZ).restoreAt(repo, T1, older).expect(0);
    TreeSnapshot.assertSameTree(first, TreeSnapshot.capture(older), "the first session, rebuilt from increments");
    assertEquals(List.of(T1, T2), RdiffBackup.withTz(TZ).listIncrementsParsable(repo));
  }

  @Test
  void backupKey_cannotWriteRenameMkdirOrRunCommands() throws IOException {
    Path dir = work.resolve("owned-by-helper");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("f"), "x");
    Proc.run(List.of("chown", "-R", SshTarget.USER, dir.toString())).expect(0);
    Path local = work.resolve("upload");
    Files.writeString(local, "data");
    String d = dir.toString();
    for (String command : List.of("put " + local + " " + d + "/g", "rm " + d + "/f", "rename " + d + "/f " + d + "/h",
        "mkdir " + d + "/sub", "chmod 777 " + d + "/f", "symlink " + d + "/f " + d + "/l", "ln " + d + "/f " + d + "/hl")) {
      Proc.Result r = sftp(command);
      assertTrue(r.exitCode() != 0, command + " was allowed: " + r.stderr());
      // -R: writes are refused, and write-only extensions (hardlink@openssh.com) are not even offered
      assertTrue(r.stderr().contains("Permission denied") || r.stderr().contains("does not support"), command + ": " + r.stderr());
    }
    assertEquals(List.of("f"), Posix.list(Posix.bytes(dir)).stream().map(String::new).toList());
    assertEquals("x", Files.readString(dir.resolve("f")));

    Proc.Result cmd = target.ssh(target.clientKey(), "id; touch " + d + "/by-ssh");
    assertFalse(cmd.out().contains("uid="), "a command ran: " + cmd.out());
    assertFalse(Files.exists(dir.resolve("by-ssh")));
  }

  private static Proc.Result sftp(String command) throws IOException {
    Path batch = work.resolve("batch");
    Files.writeString(batch, command + "\n");
    return Proc.run(List.of("sftp", "-b", batch.toString(), "-P", String.valueOf(target.port()), "-i",
        target.clientKey().toString(), "-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=" + target.knownHosts(),
        "-o", "StrictHostKeyChecking=yes", SshTarget.USER + "@" + target.host()), null, java.util.Map.of(),
        java.time.Duration.ofSeconds(60));
  }

  @Test
  void backup_unknownOrChangedHostKey_refusedUntilTrusted() throws IOException {
    Path src = work.resolve("trust-src");
    Path repo = work.resolve("trust-repo");
    TreeBuilder.at(src, T0).file("a", "a\n");
    Path known = work.resolve("trust_known_hosts");

    assertOneLineError(backup(T1, target.clientKey(), known, src, repo), "is unknown (ssh-ed25519 SHA256:");
    Files.writeString(known, "[127.0.0.1]:" + target.port()
        + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL1AY87YfwTEreQkSOk6Fss9SHTsiAXE6nxYmdsUstxI\n");
    assertOneLineError(backup(T1, target.clientKey(), known, src, repo), "has CHANGED to ssh-ed25519 SHA256:");
    assertFalse(Files.exists(repo), "nothing is written before the host is trusted");

    Proc.Result asked = RewindJar.run(TZ, "trust", "--known-hosts", known.toString(), "--port",
        String.valueOf(target.port()), "127.0.0.1");
    assertEquals(1, asked.exitCode(), "without a terminal and without --yes nothing is trusted: " + asked.stderr());
    String hostFingerprint = Proc.run(List.of("ssh-keygen", "-lf", work.resolve("sshd/ssh_host_ed25519_key.pub").toString()))
        .expect(0).out().split(" ")[1];
    Proc.Result trusted = RewindJar.run(TZ, "trust", "--yes", "--known-hosts", known.toString(), "--port",
        String.valueOf(target.port()), "127.0.0.1").expect(0);
    assertTrue(trusted.out().contains("offers ssh-ed25519 " + hostFingerprint), trusted.out());
    backup(T1, target.clientKey(), known, src, repo).expect(0);
  }

  @Test
  void backup_unreachableHostOrRefusedKey_oneLineErrors() throws IOException {
    Path src = work.resolve("fault-src");
    Path repo = work.resolve("fault-repo");
    TreeBuilder.at(src, T0).file("a", "a\n");
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Proc.Result unreachable = RewindJar.run(TZ, "backup", "--ssh-key", target.clientKey().toString(), "--known-hosts",
        target.knownHosts().toString(), "sftp://backuphelper@127.0.0.1:" + closed + src, repo.toString());
    assertOneLineError(unreachable, "cannot connect to 127.0.0.1 port " + closed + ": Connection refused");

    Path stranger = work.resolve("stranger");
    Proc.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger.toString())).expect(0);
    assertOneLineError(backup(T1, stranger, target.knownHosts(), src, repo), "refused the key '" + stranger + "'");
    assertFalse(Files.exists(repo));
  }

  @Test
  void backup_withoutCapability_partialWithPermissionErrors() throws IOException {
    Path src = work.resolve("nocap-src");
    Path repo = work.resolve("nocap-repo");
    sampleTree(src);
    Path plainKey = target.extraKey("nocap_key", "/usr/lib/openssh/sftp-server -R");
    Proc.Result r = backup(T1, plainKey, target.knownHosts(), src, repo);
    assertEquals(4, r.exitCode(), r.stderr());
    assertTrue(r.stderr().contains("'secret'") && r.stderr().contains("permission denied"), r.stderr());
    assertTrue(r.stderr().contains("'private'"), r.stderr());
    assertArrayEquals("alpha\n".getBytes(), Files.readAllBytes(repo.resolve("docs/a.txt")));
  }

  @Test
  void backup_connectionKilledMidSession_failsThenNextBackupRegressesAndSucceeds() throws Exception {
    Path src = work.resolve("kill-src");
    Path repo = work.resolve("kill-repo");
    TreeBuilder tree = sampleTree(src);
    backup(T1, src, repo).expect(0);
    TreeSnapshot first = TreeSnapshot.capture(src);

    // Four big files first in index order keep the four writers reading while the walk waits for
    // them with many small directories still to list; the kill comes while they are read.
    Interrupted.addBigFiles(src, "128M");
    tree.dir("z");
    for (int i = 0; i < 100; i++) {
      tree.dir(String.format("z/d%03d", i)).file(String.format("z/d%03d/f", i), "small " + i + "\n");
    }
    java.util.concurrent.CompletableFuture<Proc.Result> run = Interrupted.inBackground(() -> backup(T2, src, repo));
    Interrupted.waitForStagedFile(repo, run);
    assertTrue(target.killSessions() > 0, "no session to kill");
    Proc.Result killed = run.get(5, TimeUnit.MINUTES);
    assertOneLineError(killed, "connection to 127.0.0.1 port " + target.port() + " lost");

    Proc.Result next = backup(T3, src, repo).expect(0);
    assertTrue(next.stderr().contains("regressed"), next.stderr());
    Path restored = work.resolve("kill-restored");
    RewindJar.run(TZ, "restore", "--at", "now", repo.toString(), restored.toString()).expect(0);
    TreeSnapshot.assertSameTree(TreeSnapshot.capture(src), TreeSnapshot.capture(restored), "after the regressed session");
    Path older = work.resolve("kill-older");
    RdiffBackup.withTz(TZ).restoreAt(repo, T1, older).expect(0);
    TreeSnapshot.assertSameTree(first, TreeSnapshot.capture(older), "the first session after the regress");
    assertEquals(List.of(T1, T3), RdiffBackup.withTz(TZ).listIncrementsParsable(repo));
  }
}
