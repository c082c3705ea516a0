package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.cli.Main;
import dev.rewind.posix.Posix;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lock contention between Rewind and the real rdiff-backup 2.2.2 (which {@code flock}s {@code
 * lock.yml} under {@code --api-version 201} and locks nothing under the default API 200), and
 * the {@code flock} utility: refused both ways with the holder named, and a dead holder never
 * blocks.
 *
 * <p>To catch rdiff-backup in the middle of a session it runs with {@code -v 9} and a stdout
 * pipe nobody reads: once the pipe is full it stops, holding its lock, until the test drains it.
 */
@Tag("interop")
class RepositoryLockIT {
  private static final String TZ = "Europe/Berlin";
  private static final long T1 = 1711700000L;
  private static final int FILES = 80;
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Clock CLOCK = Clock.system(ZoneId.of(TZ));

  @TempDir static Path template;
  @TempDir Path work;
  private Path src;
  private Path repo;
  private byte[] dataDir;
  private TreeBuilder tree;
  private RdiffBackup rdiff;

  /** A repository with one session (API 201, so it has a lock.yml) of {@value FILES} small files. */
  @BeforeAll
  static void template() {
    Tools.require("rdiff-backup", "flock");
    TreeBuilder t = TreeBuilder.at(template.resolve("src"), T1 - 600);
    for (int i = 0; i < FILES; i++) {
      t.file("f" + i, "version 1 of " + i + "\n");
    }
    RdiffBackup.withTz(TZ).backup(template.resolve("src"), template.resolve("repo"), T1, List.of("--api-version", "201"));
  }

  /** A private copy of the template ({@code cp -a} is much faster than a backup). */
  @BeforeEach
  void repository() {
    rdiff = RdiffBackup.withTz(TZ);
    src = work.resolve("src");
    repo = work.resolve("repo");
    for (String d : List.of("src", "repo")) {
      Proc.run(List.of("cp", "-a", template.resolve(d).toString(), work.resolve(d).toString()), null, Map.of(),
          WAIT).expect(0);
    }
    tree = TreeBuilder.at(src, T1 - 600);
    dataDir = Posix.bytes(repo.resolve("rdiff-backup-data"));
  }

  /** Changes every file, so that the next session has work (and log lines) for each. */
  private void changeEverything(long clock) {
    tree.clock(clock);
    for (int i = 0; i < FILES; i++) {
      tree.write("f" + i, "version " + clock + " of " + i + "\n");
    }
  }

  @Test
  void rdiffBackupApi201_whileRewindHoldsTheLock_isRefused() throws IOException {
    changeEverything(T1 + 3000);
    try (RepositoryLock lock = RepositoryLock.acquire(dataDir, "remove", CLOCK)) {
      Proc.Result list = rdiff.run(List.of("--api-version", "201"), "list", List.of("increments", repo.toString()));
      assertNotEquals(0, list.exitCode(), list.stderr());
      assertTrue(list.stderr().contains("Repository is locked"), list.stderr());
      Proc.Result backup = rdiff.run(List.of("--api-version", "201", "--current-time", Long.toString(T1 + 3600)),
          "backup", List.of(src.toString(), repo.toString()));
      assertNotEquals(0, backup.exitCode(), backup.stderr());
      assertTrue(backup.stderr().contains("Repository is locked"), backup.stderr());
    }
    assertEquals("", Files.readString(repo.resolve("rdiff-backup-data/lock.yml")), "emptied on release");
    rdiff.run(List.of("--api-version", "201"), "list", List.of("increments", repo.toString())).expect(0);
  }

  @Test
  void rewind_whileRdiffBackupApi201BacksUp_isRefusedNamingIt() throws Exception {
    changeEverything(T1 + 3000);
    try (Stalled backup = Stalled.backup(List.of("--api-version", "201"), T1 + 3600, src, repo)) {
      backup.awaitState(() -> lockYml().contains("pid: " + backup.pid()));
      RepositoryLockedException e = assertThrows(RepositoryLockedException.class,
          () -> RepositoryLock.acquire(dataDir, "backup", CLOCK));
      assertEquals(backup.pid(), e.holder().pid());
      assertEquals("rdiff-backup", e.holder().command());
      assertEquals(ProcessTable.hostname(), e.holder().hostname());
      assertEquals("2024-03-29T10:13:20+01:00", e.holder().started(), "rdiff-backup writes its session time");
      assertThrows(RepositoryLockedException.class, () -> RepositoryLock.acquireShared(dataDir, CLOCK));

      Proc.Result cli = RewindJar.run(TZ, "remove", "increments", "--older-than", "now", repo.toString());
      assertEquals(1, cli.exitCode(), cli.stderr());
      assertEquals("rewind: error: '" + repo + "' is locked by pid " + backup.pid() + " on host "
          + ProcessTable.hostname() + " (rdiff-backup), started 2024-03-29T10:13:20+01:00 ("
          + repo + "/rdiff-backup-data/lock.yml); wait until it has finished", cli.stderr().strip());
      assertEquals(1, Main.run("verify", repo.toString()), "a reader is refused too");
      backup.finish();
    }
    RepositoryLock.acquire(dataDir, "backup", CLOCK).close();
  }

  @Test
  void rewind_whileRdiffBackupApi200BacksUpWithoutLocking_isRefusedByTheMarkerPid() throws Exception {
    changeEverything(T1 + 3000);
    try (Stalled backup = Stalled.backup(List.of(), T1 + 3600, src, repo)) {
      backup.awaitState(() -> markers() == 2);
      RepositoryLockedException e = assertThrows(RepositoryLockedException.class,
          () -> RepositoryLock.acquire(dataDir, "remove", CLOCK));
      assertEquals(backup.pid(), e.holder().pid());
      assertEquals("rdiff-backup", e.holder().command());
      assertTrue(e.getMessage().startsWith("'" + repo + "' is being written by pid " + backup.pid()), e.getMessage());
      assertTrue(e.getMessage().contains("session 2024-03-29T10:13:20+01:00 is not finished"), e.getMessage());
      Proc.Result cli = RewindJar.run(TZ, "--current-time", Long.toString(T1 + 7200), "backup", src.toString(),
          repo.toString());
      assertEquals(1, cli.exitCode(), cli.stderr());
      assertTrue(cli.stderr().contains("is being written by pid " + backup.pid()), cli.stderr());
      assertEquals(2, markers(), "nothing regressed under the live writer");
      backup.finish();
    }
    assertEquals(1, markers());
    RepositoryLock.acquire(dataDir, "remove", CLOCK).close();
  }

  @Test
  void rewindBackup_markerPidOfALiveProcessStartedBeforeTheMarker_isRefused() throws Exception {
    Path marker = interruptedApi200Session();
    Process live = new ProcessBuilder("sleep", "60").start();
    try {
      Files.writeString(marker, "PID " + live.pid() + "\n"); // written after the process started: may be its writer
      Proc.Result cli = RewindJar.run(TZ, "--current-time", Long.toString(T1 + 7200), "backup", src.toString(),
          repo.toString());
      assertEquals(1, cli.exitCode(), cli.stderr());
      assertTrue(cli.stderr().contains("'" + repo + "' is being written by pid " + live.pid() + " on host "
          + ProcessTable.hostname() + " (sleep)"), cli.stderr());
      assertEquals(2, markers());
    } finally {
      stop(live);
    }
  }

  @Test
  void rewindBackup_markerPidReusedByAProcessStartedAfterTheMarker_regressesAndBacksUp() throws Exception {
    Path marker = interruptedApi200Session();
    FileTime written = Files.getLastModifiedTime(marker);
    Process reused = new ProcessBuilder("sleep", "60").start();
    try {
      // as if the crashed rdiff-backup's pid had gone to this process an hour after the marker
      Files.writeString(marker, "PID " + reused.pid() + "\n");
      Files.setLastModifiedTime(marker, FileTime.from(written.toInstant().minus(Duration.ofHours(1))));
      Proc.Result cli = RewindJar.run(TZ, "--current-time", Long.toString(T1 + 7200), "backup", src.toString(),
          repo.toString());
      assertEquals(0, cli.exitCode(), cli.stderr());
      assertTrue(cli.stderr().contains("previous backup seems to have failed; regressed the repository to"
          + " 2024-03-29T09:13:20+01:00"), cli.stderr());
      assertTrue(reused.isAlive(), "the unrelated process is left alone");
      assertEquals(1, markers());
      assertEquals(List.of(T1, T1 + 7200), rdiff.listIncrementsParsable(repo), "the interrupted session is gone");
      rdiff.verify(repo);
    } finally {
      stop(reused);
    }
  }

  /** Kills an API 200 rdiff-backup mid-session; returns the newer marker it left (naming its dead pid). */
  private Path interruptedApi200Session() throws Exception {
    changeEverything(T1 + 3000);
    try (Stalled backup = Stalled.backup(List.of(), T1 + 3600, src, repo)) {
      backup.awaitState(() -> markers() == 2);
      backup.kill();
    }
    Path marker = repo.resolve("rdiff-backup-data/current_mirror.2024-03-29T10:13:20+01:00.data");
    assertTrue(Files.readString(marker).startsWith("PID "), "rdiff-backup's marker");
    return marker;
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroyForcibly();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("process " + p.pid() + " did not end");
    }
  }

  @Test
  void rewind_whileFlockUtilityHoldsLockYml_isRefusedNamingIt_andNotOnceItIsKilled() throws Exception {
    Path lockYml = repo.resolve("rdiff-backup-data/lock.yml");
    Process holder = new ProcessBuilder("flock", "-n", lockYml.toString(), "sleep", "60").start();
    try {
      BooleanSupplier held = () -> {
        try {
          return ProcessTable.flockHolder(Posix.lstat(Posix.bytes(lockYml))) == holder.pid();
        } catch (IOException e) {
          return false;
        }
      };
      awaitState(held, holder);
      RepositoryLockedException e = assertThrows(RepositoryLockedException.class,
          () -> RepositoryLock.acquire(dataDir, "backup", CLOCK));
      assertEquals(holder.pid(), e.holder().pid());
      assertEquals("flock", e.holder().command());
      assertNotNull(e.holder().started(), "start time from /proc");
      assertTrue(e.getMessage().contains("is locked by pid " + holder.pid() + " on host " + ProcessTable.hostname()
          + " (flock), started "), e.getMessage());
    } finally {
      // the sleep inherited the locked file: the whole tree must die for the lock to go
      List<ProcessHandle> all = new ArrayList<>(holder.descendants().toList());
      all.add(holder.toHandle());
      all.forEach(ProcessHandle::destroyForcibly);
      all.forEach(RepositoryLockIT::awaitGone);
    }
    try (RepositoryLock lock = RepositoryLock.acquire(dataDir, "backup", CLOCK)) {
      assertEquals(null, lock.staleHolder(), "flock wrote nothing");
    }
  }

  @Test
  void rewind_afterRdiffBackupApi201WasKilledHoldingTheLock_takesItAndNamesTheDeadHolder() throws Exception {
    changeEverything(T1 + 3000);
    long pid;
    try (Stalled backup = Stalled.backup(List.of("--api-version", "201"), T1 + 3600, src, repo)) {
      backup.awaitState(() -> lockYml().contains("pid: " + backup.pid()) && markers() == 2);
      pid = backup.pid();
      backup.kill();
    }
    assertTrue(lockYml().contains("pid: " + pid), "a crash leaves the holder in lock.yml");
    assertEquals(2, markers(), "and an unfinished session");
    try (RepositoryLock lock = RepositoryLock.acquire(dataDir, "regress", CLOCK)) {
      assertEquals(pid, lock.staleHolder().pid());
      assertEquals("rdiff-backup", lock.staleHolder().command());
    }
    Proc.Result cli = RewindJar.run(TZ, "remove", "increments", "--older-than", "now", repo.toString());
    assertEquals(1, cli.exitCode(), cli.stderr());
    assertTrue(cli.stderr().contains("did not finish (two current_mirror markers); regress it first"), cli.stderr());
  }

  private String lockYml() {
    try {
      return Files.readString(repo.resolve("rdiff-backup-data/lock.yml"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private long markers() {
    try (Stream<Path> files = Files.list(repo.resolve("rdiff-backup-data"))) {
      return files.filter(p -> p.getFileName().toString().startsWith("current_mirror.")).count();
    } catch (IOException e) {
      return -1;
    }
  }

  private static void awaitState(BooleanSupplier condition, Process process) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("the process never reached the expected state (alive: " + process.isAlive() + ")");
      }
      Thread.sleep(20);
    }
  }

  private static void awaitGone(ProcessHandle p) {
    try {
      p.onExit().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("process " + p.pid() + " did not end", e);
    }
  }

  /** rdiff-backup stopped mid-session by a full stdout pipe. */
  private static final class Stalled implements AutoCloseable {
    private final Process process;
    private CompletableFuture<byte[]> output;

    private Stalled(Process process) {
      this.process = process;
    }

    static Stalled backup(List<String> global, long time, Path src, Path repo) throws IOException {
      List<String> cmd = new ArrayList<>(List.of("rdiff-backup"));
      cmd.addAll(global);
      cmd.addAll(List.of("-v", "9", "--terminal-verbosity", "9", "--current-time", Long.toString(time),
          "backup", src.toString(), repo.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().putAll(Map.of("TZ", TZ, "LC_ALL", "C.UTF-8", "HOME", "/tmp"));
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      return new Stalled(pb.start());
    }

    long pid() {
      return process.pid();
    }

    void awaitState(BooleanSupplier condition) throws InterruptedException {
      RepositoryLockIT.awaitState(condition, process);
    }

    /** Lets it run to the end; it must succeed. */
    void finish() throws InterruptedException {
      drain();
      if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError("rdiff-backup did not finish");
      }
      int exit = process.exitValue();
      assertTrue(exit == 0 || exit == 2, "rdiff-backup exit " + exit + ": " + tail());
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }

    private void drain() {
      if (output == null) {
        InputStream in = process.getInputStream();
        output = CompletableFuture.supplyAsync(() -> {
          try (in) {
            return in.readAllBytes();
          } catch (IOException e) {
            return new byte[0];
          }
        });
      }
    }

    private String tail() {
      String all = new String(output.join(), StandardCharsets.UTF_8);
      return all.substring(Math.max(0, all.length() - 2000));
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        kill();
      }
      drain();
    }
  }
}
