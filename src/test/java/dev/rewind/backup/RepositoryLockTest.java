package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RepositoryLock} within one JVM: {@code flock} locks belong to open files, so two
 * acquisitions in the same process exclude each other like two processes do.
 */
class RepositoryLockTest {
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1712221200), ZoneId.of("Europe/Berlin"));
  private static final String T4 = "2024-04-03T11:00:00+02:00";
  private static final String T5 = "2024-04-04T11:00:00+02:00";

  @TempDir Path tmp;
  private Path repo;
  private Path data;
  private byte[] dataDir;
  private Process child;

  @BeforeEach
  void repository() throws IOException {
    repo = tmp.resolve("repo");
    data = Files.createDirectories(repo.resolve("rdiff-backup-data"));
    dataDir = Posix.bytes(data);
    Files.writeString(data.resolve("current_mirror." + T4 + ".data"), "PID 1\n");
  }

  @AfterEach
  void stopChild() throws InterruptedException {
    if (child != null) {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private String lockFile() throws IOException {
    return Files.readString(data.resolve("lock.yml"), StandardCharsets.UTF_8);
  }

  @Test
  void acquire_freeRepository_writesHolderAsYamlAndEmptiesItOnClose() throws IOException {
    try (RepositoryLock lock = RepositoryLock.acquire(dataDir, "backup", CLOCK)) {
      assertNull(lock.staleHolder());
      String yaml = lockFile();
      assertTrue(yaml.startsWith("cmd: rewind backup\nhostname: "), yaml);
      assertTrue(yaml.contains("\npid: " + ProcessHandle.current().pid() + "\n"), yaml);
      assertTrue(yaml.endsWith("timestamp: '" + T5 + "'\n"), yaml);
    }
    assertEquals("", lockFile());
    assertEquals(0600, Posix.lstat(Posix.bytes(data.resolve("lock.yml"))).permissions());
  }

  @Test
  void acquire_whileHeld_refusedNamingRepositoryAndHolder() throws IOException {
    try (RepositoryLock held = RepositoryLock.acquire(dataDir, "remove", CLOCK)) {
      RepositoryLockedException e = assertThrows(RepositoryLockedException.class,
          () -> RepositoryLock.acquire(dataDir, "backup", CLOCK));
      assertEquals(ProcessHandle.current().pid(), e.holder().pid());
      assertEquals("rewind remove", e.holder().command());
      assertEquals(T5, e.holder().started());
      assertTrue(e.getMessage().startsWith("'" + repo + "' is locked by pid " + ProcessHandle.current().pid()
          + " on host "), e.getMessage());
      assertTrue(e.getMessage().contains("(rewind remove), started " + T5), e.getMessage());
    }
    RepositoryLock.acquire(dataDir, "backup", CLOCK).close();
  }

  @Test
  void acquire_afterCrashedHolder_succeedsAndReportsTheStaleHolder() throws IOException {
    Files.writeString(data.resolve("lock.yml"),
        "cmd: rdiff-backup\nhostname: vm\npid: 31084\ntimestamp: '2024-04-04T12:00:00+02:00'\n");
    try (RepositoryLock lock = RepositoryLock.acquire(dataDir, "backup", CLOCK)) {
      assertEquals(new LockHolder(31084, "vm", "rdiff-backup", "2024-04-04T12:00:00+02:00"), lock.staleHolder());
      assertTrue(lockFile().contains("pid: " + ProcessHandle.current().pid()));
    }
  }

  @Test
  void acquireShared_withoutLockFile_createsNothing() throws IOException {
    try (RepositoryLock lock = RepositoryLock.acquireShared(dataDir, CLOCK)) {
      assertFalse(Files.exists(data.resolve("lock.yml")));
      assertNull(lock.staleHolder());
    }
  }

  @Test
  void acquireShared_readersShareButExcludeWriters() throws IOException {
    RepositoryLock.acquire(dataDir, "backup", CLOCK).close(); // creates lock.yml
    try (RepositoryLock r1 = RepositoryLock.acquireShared(dataDir, CLOCK);
        RepositoryLock r2 = RepositoryLock.acquireShared(dataDir, CLOCK)) {
      RepositoryLockedException e = assertThrows(RepositoryLockedException.class,
          () -> RepositoryLock.acquire(dataDir, "remove", CLOCK));
      assertEquals(ProcessHandle.current().pid(), e.holder().pid(), "the kernel names the reader");
    }
    try (RepositoryLock w = RepositoryLock.acquire(dataDir, "remove", CLOCK)) {
      assertThrows(RepositoryLockedException.class, () -> RepositoryLock.acquireShared(dataDir, CLOCK));
    }
  }

  @Test
  void acquire_twoMarkersAndNewerPidAlive_refusedNamingThatPid() throws Exception {
    child = new ProcessBuilder("sleep", "30").start();
    Files.writeString(data.resolve("current_mirror." + T5 + ".data"), "PID " + child.pid() + "\n");
    RepositoryLockedException e = assertThrows(RepositoryLockedException.class,
        () -> RepositoryLock.acquire(dataDir, "backup", CLOCK));
    assertEquals(child.pid(), e.holder().pid());
    assertEquals("sleep", e.holder().command());
    assertTrue(e.getMessage().contains("'" + repo + "' is being written by pid " + child.pid()), e.getMessage());
    assertTrue(e.getMessage().contains("session " + T5 + " is not finished"), e.getMessage());
    assertThrows(RepositoryLockedException.class, () -> RepositoryLock.acquireShared(dataDir, CLOCK));
    assertEquals("", lockFile(), "a refused acquire leaves no holder behind");
  }

  @Test
  void acquire_twoMarkersAndNewerPidAliveButStartedAfterTheMarker_succeeds() throws Exception {
    child = new ProcessBuilder("sleep", "30").start();
    Path marker = Files.writeString(data.resolve("current_mirror." + T5 + ".data"), "PID " + child.pid() + "\n");
    // the writer crashed an hour ago; its pid now belongs to the sleep
    Files.setLastModifiedTime(marker, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    RepositoryLock.acquire(dataDir, "regress", CLOCK).close();
    assertTrue(child.isAlive());
  }

  @Test
  void mayHaveWritten_onlyAProcessStartedBeforeTheMarkerPlusSlack_orWhenUnknown() {
    Instant written = Instant.ofEpochSecond(1712221200, 500_000_000);
    Instant slackEnd = written.plus(RepositoryLock.WRITER_START_SLACK);
    assertTrue(RepositoryLock.mayHaveWritten(written.minusSeconds(3600), written));
    assertTrue(RepositoryLock.mayHaveWritten(written, written));
    assertTrue(RepositoryLock.mayHaveWritten(slackEnd, written), "a start within the slack may be a coarse clock");
    assertFalse(RepositoryLock.mayHaveWritten(slackEnd.plusMillis(1), written));
    assertFalse(RepositoryLock.mayHaveWritten(written.plusSeconds(86400), written));
    assertTrue(RepositoryLock.mayHaveWritten(null, written), "unknown start: assume the writer");
    assertTrue(RepositoryLock.mayHaveWritten(written.plusSeconds(86400), null), "unknown mtime: assume the writer");
  }

  @Test
  void acquire_twoMarkersAndNewerPidDead_succeeds() throws Exception {
    Process done = new ProcessBuilder("true").start();
    done.waitFor(10, TimeUnit.SECONDS);
    Files.writeString(data.resolve("current_mirror." + T5 + ".data"), "PID " + done.pid() + "\n");
    RepositoryLock.acquire(dataDir, "regress", CLOCK).close();
  }

  @Test
  void acquire_twoMarkersWrittenByThisProcess_succeeds() throws Exception {
    Files.writeString(data.resolve("current_mirror." + T5 + ".data"), "PID " + ProcessHandle.current().pid() + "\n");
    RepositoryLock.acquire(dataDir, "backup", CLOCK).close();
  }

  @Test
  void acquire_noDataDirectory_failsNamingIt() {
    byte[] missing = Posix.bytes(tmp.resolve("nothing/rdiff-backup-data"));
    IOException e = assertThrows(IOException.class, () -> RepositoryLock.acquire(missing, "backup", CLOCK));
    assertTrue(e.getMessage().contains("nothing/rdiff-backup-data/lock.yml"), e.getMessage());
  }

  @Test
  void rootOf_stripsTheDataDirectory() {
    assertEquals("/srv/b", new String(RepositoryLock.rootOf("/srv/b/rdiff-backup-data".getBytes()), StandardCharsets.UTF_8));
    assertEquals("/srv/b", new String(RepositoryLock.rootOf("/srv/b/rdiff-backup-data/".getBytes()), StandardCharsets.UTF_8));
    assertEquals("/", new String(RepositoryLock.rootOf("/rdiff-backup-data".getBytes()), StandardCharsets.UTF_8));
  }

  @Test
  void processTable_majorMinor_invertMakedev() {
    for (long[] mm : new long[][] {{0, 0}, {8, 1}, {254, 0}, {259, 65536}, {0xfffff, 0xfffff}}) {
      long dev = Stat.makedev(mm[0], mm[1]);
      assertEquals(mm[0], ProcessTable.major(dev));
      assertEquals(mm[1], ProcessTable.minor(dev));
    }
  }

  @Test
  void lockHolder_yaml_roundTripsAndReadsRdiffBackupsForm() {
    LockHolder h = new LockHolder(42, "it's: odd", "rewind backup", T5);
    assertEquals("cmd: rewind backup\nhostname: 'it''s: odd'\npid: 42\ntimestamp: '" + T5 + "'\n", h.toYaml());
    assertEquals(h, LockHolder.parseYaml(h.toYaml()));
    assertEquals(new LockHolder(31084, "vm", "rdiff-backup", "2024-04-04T12:00:00+02:00"),
        LockHolder.parseYaml("cmd: rdiff-backup\nhostname: vm\npid: 31084\ntimestamp: '2024-04-04T12:00:00+02:00'\n"));
    assertNull(LockHolder.parseYaml(""));
    assertNull(LockHolder.parseYaml("garbage\n"));
    assertEquals("pid 7 on host vm (flock), started " + T5, new LockHolder(7, "vm", "flock", T5).describe());
    assertEquals("pid 7", new LockHolder(7, null, null, null).describe());
  }
}
