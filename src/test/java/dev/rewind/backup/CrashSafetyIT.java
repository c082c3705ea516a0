package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rewind.cli.Main;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fault injection against the backup write protocol: the packaged jar is killed (like {@code
 * kill -9}) at every crash point of an incremental session over a tree with every kind of change,
 * at every point of an initial session, and after random delays during a bigger session. After
 * each kill the repository is recovered in turn by {@code rewind regress}, by {@code rdiff-backup
 * regress}, or by going straight to the next {@code rewind backup} (which regresses first); then
 * rdiff-backup must verify it, earlier sessions must restore exactly as they were backed up, and
 * the next backup must succeed and restore to its source.
 *
 * <p>Only the killed backups run as separate processes ({@code Runtime.halt} ends the JVM); the
 * recoveries, restores and next backups run {@link Main} in this JVM to keep the suite fast, loaded
 * from the same private copy of the jar in a class loader of its own.
 * Repositories live under {@code /dev/shm} when it is writable: a kill does not lose the page
 * cache, so fsync cost buys nothing here.
 */
@Tag("interop")
class CrashSafetyIT {
  static final String TZ = "Europe/Berlin";
  static final long T1 = 1711700000L;
  static final long DAY = 86400L;
  /** A pid above Linux's PID_MAX_LIMIT (2^22): no process can have it. */
  static final long IMPOSSIBLE_PID = 4_194_305L;
  private static final int PARALLELISM = 2;
  private static final Duration CRASH_RUN_TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern CRASH_LINE = Pattern.compile("crash injected at point (\\d+) \\((.*)\\)");

  private static Path work;
  private static PrivateJar jar;
  /** Milliseconds spent per phase, over all cases (printed in the summaries). */
  private static final Map<String, java.util.concurrent.atomic.AtomicLong> PHASES = new ConcurrentSkipListMap<>();
  private static ThreadRoutedStream routedOut;
  private static ThreadRoutedStream routedErr;
  private static PrintStream originalOut;
  private static PrintStream originalErr;

  @BeforeAll
  static void setUp() throws IOException {
    Tools.require("rdiff-backup", "cp");
    RewindJar.jar();
    work = Files.createTempDirectory(scratchParent(), "rewind-crash-");
    jar = PrivateJar.get();
    originalOut = System.out;
    originalErr = System.err;
    routedOut = new ThreadRoutedStream(originalOut);
    routedErr = new ThreadRoutedStream(originalErr);
    System.setOut(new PrintStream(routedOut, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(routedErr, true, StandardCharsets.UTF_8));
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (originalOut != null) {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    if (work != null && Boolean.getBoolean("crash.keep")) {
      log("kept %s (-Dcrash.keep=true)", work);
    } else if (work != null) {
      TreeBuilder.deleteRecursively(work);
    }
  }

  // ---- the tests ------------------------------------------------------------------------

  /**
   * Session 4 of a 3-session repository is killed at each of its crash points in turn (on a
   * fresh copy each time); recovery alternates between the three ways.
   */
  @Test
  void incrementalBackup_killedAtEveryCrashPoint_regressesToSession3AndBacksUpAgain() throws Exception {
    long start = System.nanoTime();
    Scenario s = Scenario.build(work.resolve("incremental"), new Shape(3, 1_100_000, 0, 0), 3);
    long points = countCrashPoints(s.src, s.repo, s.dir.resolve("count"), time(4));
    log("incremental session: %d crash points (building the repository took %.1f s)", points, secs(start));
    assertTrue(points >= 50, "the session passes only " + points + " crash points; make the change set bigger");

    Map<Long, String> steps = new ConcurrentSkipListMap<>();
    Map<Long, String> failures = runAll(points, n -> {
      Path dir = s.dir.resolve("n" + n);
      Path repo = dir.resolve("repo");
      timed("copy", () -> {
        copy(s.repo, repo);
        return null;
      });
      Proc.Result r = timed("crash run", () -> crashRun(s.src, repo, time(4), n));
      String step = expectCrash(r, n);
      steps.put(n, step);
      assertEquals(2, markers(repo).size(), "markers after the crash at " + step + ": " + markers(repo));
      Recovery how = Recovery.values()[(int) (n % 3)];
      recoverAndCheck(s, repo, dir, how, n % 10 == 0, "point " + n + " (" + step + "), " + how);
      TreeBuilder.deleteRecursively(dir);
    });
    summarize("incremental", points, steps, failures, start);
  }

  /**
   * A session in which nothing changed, which copies the previous metadata snapshot instead of
   * writing one, is killed at each of its crash points; recovery alternates as above.
   */
  @Test
  void noChangeBackup_killedAtEveryCrashPoint_regressesToThePreviousSessionAndBacksUpAgain() throws Exception {
    long start = System.nanoTime();
    Scenario s = Scenario.build(work.resolve("no-change"), new Shape(3, 1_100_000, 0, 0), 3);
    Proc.run(jarCommand("--current-time", Long.toString(time(4)), "backup", s.src.toString(), s.repo.toString()),
        null, jarEnv(), CRASH_RUN_TIMEOUT).expect(0);
    s.sessions.add(s.changed); // session 4 is the last good one; session 5 changes nothing
    s.dataFiles = dataFiles(s.repo);
    long points = countCrashPoints(s.src, s.repo, s.dir.resolve("count"), time(5));
    log("no-change session: %d crash points", points);
    assertTrue(points >= 8, "only " + points + " crash points in a no-change session");

    Map<Long, String> steps = new ConcurrentSkipListMap<>();
    Map<Long, String> failures = runAll(points, n -> {
      Path dir = s.dir.resolve("n" + n);
      Path repo = dir.resolve("repo");
      copy(s.repo, repo);
      String step = expectCrash(timed("crash run", () -> crashRun(s.src, repo, time(5), n)), n);
      steps.put(n, step);
      assertEquals(2, markers(repo).size(), "markers after the crash at " + step + ": " + markers(repo));
      Recovery how = Recovery.values()[(int) (n % 3)];
      recoverAndCheck(s, repo, dir, how, true, "no-change point " + n + " (" + step + "), " + how);
      TreeBuilder.deleteRecursively(dir);
    });
    assertTrue(steps.containsValue("metadata written mirror_metadata"), "the snapshot copy passed no crash point: " + steps);
    summarize("no-change", points, steps, failures, start);
  }

  /** The initial session is killed at each of its crash points; the next backup starts over. */
  @Test
  void initialBackup_killedAtEveryCrashPoint_nextBackupStartsOver() throws Exception {
    long start = System.nanoTime();
    Path base = work.resolve("initial");
    Path src = base.resolve("src");
    Files.createDirectories(base);
    TreeBuilder.at(src, T1 - 1000)
        .randomFile("big.bin", 200_000, 7)
        .dir("docs").file("docs/a.txt", "a\n")
        .symlink("link", "docs/a.txt")
        .file("hlpair_a", "hard-linked pair\n").hardlink("hlpair_b", "hlpair_a")
        .fifo("fifo")
        .file(oddFile(1), "invalid UTF-8 in the name\n")
        .dir(oddDir(1)).file(TreeBuilder.path(oddDir(1), TreeBuilder.raw("new\nline")), "newline in the name\n");
    TreeSnapshot source = TreeSnapshot.capture(src);
    long points = countCrashPoints(src, base.resolve("count-repo"), base.resolve("count"), T1);
    log("initial session: %d crash points", points);
    assertTrue(points >= 10, "only " + points + " crash points in an initial session");

    Map<Long, String> steps = new ConcurrentSkipListMap<>();
    RdiffBackup rdiff = RdiffBackup.withTz(TZ);
    Map<Long, String> failures = runAll(points, n -> {
      Path dir = base.resolve("n" + n);
      Path repo = dir.resolve("repo");
      Files.createDirectories(dir);
      String step = expectCrash(timed("crash run", () -> crashRun(src, repo, T1, n)), n);
      steps.put(n, step);
      assertEquals(List.of(), markers(repo), "markers after the crash at " + step);
      String context = "initial point " + n + " (" + step + ")";
      boolean byRdiff = n % 2 == 0;
      if (byRdiff) {
        // rdiff-backup, too, takes it for an interrupted initial backup and starts over; it wants
        // --force because of lock.yml, as after an interrupted initial backup of its own API 201
        timed("next backup", () -> rdiff.backup(src, repo, T1 + 60, List.of("--force")));
      } else {
        timed("next backup", () -> inProcess("--current-time", Long.toString(T1 + 60), "backup", src.toString(),
            repo.toString()).expect(0));
      }
      assertEquals(1, markers(repo).size(), context + ": markers " + markers(repo));
      timed("rdiff-backup verify", () -> rdiff.verify(repo));
      if (!byRdiff) {
        assertNoTemporaryFiles(repo, context + ", after the next backup");
        assertMirror(source, repo, context + ": mirror after the next backup");
      }
      assertRestores(repo, T1 + 60, source, dir.resolve("restored"), context + ", next backup by "
          + (byRdiff ? "rdiff-backup" : "rewind"));
      TreeBuilder.deleteRecursively(dir);
    });
    summarize("initial", points, steps, failures, start);
  }

  /**
   * A bigger session (about 20 MB) is killed with SIGKILL after random delays (seeded; the seed
   * is printed, {@code -Dcrash.seed=N} repeats a run).
   */
  @Test
  void backup_killedAfterRandomDelay_regressesAndBacksUpAgain() throws Exception {
    long start = System.nanoTime();
    long seed = Long.getLong("crash.seed", System.nanoTime());
    log("random-timing seed %d (repeat with -Dcrash.seed=%d)", seed, seed);
    Scenario s = Scenario.build(work.resolve("random"), new Shape(40, 2_000_000, 10, 18), 2);
    // a reference run: how long the session takes and when its marker appears
    Path ref = s.dir.resolve("reference");
    copy(s.repo, ref);
    Timed reference = killAfter(s.src, ref, time(3), Long.MAX_VALUE, false);
    assertEquals(0, reference.exit, "reference run: " + reference.stderr);
    log("random timing: a whole session takes %d ms, its marker appears after %d ms",
        reference.millis, reference.markerMillis);
    // Most kills come a random time after the new marker appeared (JVM start-up time varies too
    // much to aim from the process start); the last two come at a random time from the start.
    long session = Math.max(100, (reference.millis - reference.markerMillis) * 4 / 5);
    Random random = new Random(seed);
    int runs = 10;
    int fromStart = 2;
    long[] delays = new long[runs];
    for (int i = 0; i < runs; i++) {
      delays[i] = (long) (random.nextDouble() * (i < runs - fromStart ? session : reference.millis));
    }
    Map<Long, String> outcomes = new ConcurrentSkipListMap<>();
    Map<Long, String> failures = runAll(runs, n -> {
      int i = (int) n - 1;
      Path dir = s.dir.resolve("r" + n);
      Path repo = dir.resolve("repo");
      timed("copy", () -> {
        copy(s.repo, repo);
        return null;
      });
      boolean fromMarker = i < runs - fromStart;
      Timed killed = timed("killed run", () -> killAfter(s.src, repo, time(3), delays[i], fromMarker));
      List<String> m = markers(repo);
      String outcome = killed.exit == 0 ? "finished before the kill"
          : m.size() == 2 ? "killed mid-session" : "killed before the new marker";
      String when = delays[i] + " ms after " + (fromMarker ? "the new marker" : "the start");
      outcomes.put(n, when + ": " + outcome + " (exit " + killed.exit + ")");
      String context = "random run " + n + " (kill " + when + ", " + outcome + ")";
      if (killed.exit == 0) {
        assertEquals(1, m.size(), context + ": markers " + m);
        assertRestores(repo, time(3), s.changed, dir.resolve("t3"), context);
        TreeBuilder.deleteRecursively(dir);
        return;
      }
      assertEquals(137, killed.exit, context + ": " + killed.stderr);
      assertTrue(m.size() == 1 || m.size() == 2, context + ": markers " + m);
      Recovery how = Recovery.values()[i % 3];
      recoverAndCheck(s, repo, dir, how, i == 0, context + ", " + how);
      TreeBuilder.deleteRecursively(dir);
    });
    outcomes.forEach((n, o) -> log("  random run %d: %s", n, o));
    long midSession = outcomes.values().stream().filter(o -> o.contains("mid-session")).count();
    summarize("random timing", runs, new TreeMap<>(), failures, start);
    assertTrue(midSession >= runs / 3, "only " + midSession + " of " + runs + " kills hit the session itself: " + outcomes);
  }

  // ---- recovery and checks --------------------------------------------------------------

  /** The three ways a user recovers from an interrupted backup. */
  enum Recovery {
    REWIND_REGRESS, RDIFF_BACKUP_REGRESS, NEXT_BACKUP
  }

  /**
   * Recovers {@code repo} (a copy of {@code s.repo} whose session {@code s.last + 1} was killed)
   * and checks it: the repository is back at the last session (same data files, same mirror),
   * rdiff-backup verifies it, the last session restores, the next backup succeeds and restores,
   * and so does the last good session afterwards (every session when {@code allSessions}).
   */
  static void recoverAndCheck(Scenario s, Path repo, Path dir, Recovery how, boolean allSessions, String context)
      throws IOException {
    RdiffBackup rdiff = RdiffBackup.withTz(TZ);
    int good = s.sessions.size();
    long next = time(good + 2);
    boolean interrupted = markers(repo).size() == 2;
    freeMarkerPids(repo, context);
    switch (how) {
      case REWIND_REGRESS -> timed("rewind regress", () -> inProcess("regress", repo.toString()).expect(0));
      case RDIFF_BACKUP_REGRESS -> timed("rdiff-backup regress",
          () -> rdiff.run(List.of(), "regress", List.of(repo.toString())).expect(0, 2));
      case NEXT_BACKUP -> { }
    }
    if (how != Recovery.NEXT_BACKUP) {
      assertEquals(List.of(markerName(s.repo)), markers(repo), context + ": markers after regress");
      TreeSet<String> files = dataFiles(repo);
      if (how == Recovery.RDIFF_BACKUP_REGRESS) {
        // rdiff-backup's regress leaves temporary files in rdiff-backup-data alone (§4.13)
        files.removeIf(f -> f.startsWith("rdiff-backup.tmp."));
      }
      assertSameFiles(s.dataFiles, files, context + ": data directory after regress");
      assertMirror(s.sessions.get(good - 1), repo, context + ": mirror after regress");
      timed("rdiff-backup verify", () -> rdiff.verify(repo));
      assertRestores(repo, time(good), s.sessions.get(good - 1), dir.resolve("after-regress"), context + ", after regress");
    }
    Proc.Result backup = timed("next backup",
        () -> inProcess("--current-time", Long.toString(next), "backup", s.src.toString(), repo.toString()));
    assertEquals(0, backup.exitCode(), context + ": next backup (after " + (interrupted ? "a" : "no") + " crash): "
        + backup.stderr());
    assertEquals(1, markers(repo).size(), context + ": markers after the next backup " + markers(repo));
    assertMirror(s.changed, repo, context + ": mirror after the next backup");
    assertNoTemporaryFiles(repo, context + ", after the next backup");
    if (how == Recovery.NEXT_BACKUP) {
      timed("rdiff-backup verify", () -> rdiff.verify(repo));
    }
    assertRestores(repo, next, s.changed, dir.resolve("next"), context + ", the next session");
    for (int k = allSessions ? 1 : good; k <= good; k++) {
      assertRestores(repo, time(k), s.sessions.get(k - 1), dir.resolve("t" + k), context + ", session " + k
          + " after the next backup");
    }
  }

  static void assertSameFiles(TreeSet<String> expected, TreeSet<String> actual, String context) {
    TreeSet<String> missing = new TreeSet<>(expected);
    missing.removeAll(actual);
    TreeSet<String> extra = new TreeSet<>(actual);
    extra.removeAll(expected);
    if (!missing.isEmpty() || !extra.isEmpty()) {
      fail(context + ": missing " + missing + ", unexpected " + extra);
    }
  }

  /** No {@code rdiff-backup.tmp.*} file is left in the data directory. */
  static void assertNoTemporaryFiles(Path repo, String context) {
    List<String> temps = dataFiles(repo).stream().filter(f -> f.matches("(.*/)?rdiff-backup\\.tmp\\..*")).toList();
    assertEquals(List.of(), temps, context + ": temporary files in rdiff-backup-data");
  }

  /** Rewind restores the session at {@code time} to exactly {@code expected}. */
  static void assertRestores(Path repo, long time, TreeSnapshot expected, Path target, String context) throws IOException {
    Proc.Result r = timed("restore", () -> inProcess("restore", "--at", Long.toString(time), repo.toString(), target.toString()));
    assertEquals(0, r.exitCode(), context + ": rewind restore --at " + time + ": " + r.stderr());
    TreeSnapshot restored = timed("capture", () -> TreeSnapshot.capture(target));
    TreeSnapshot.assertSameTree(expected, restored, context + ": restore --at " + time);
    TreeBuilder.deleteRecursively(target);
  }

  /**
   * The mirror equals the source of that session, but for the repository root's mode (always
   * 0700) and hard links: a regress (Rewind's and rdiff-backup's alike) puts back a file as a new
   * inode, so links in the mirror may end up broken. The metadata keeps them, and restores (checked
   * separately) recreate them.
   */
  static void assertMirror(TreeSnapshot expected, Path repo, String context) {
    TreeSnapshot mirror;
    try {
      mirror = timed("capture", () -> TreeSnapshot.capture(repo).without("rdiff-backup-data"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> diffs = new ArrayList<>(TreeSnapshot.differences(expected, mirror));
    diffs.removeIf(d -> d.startsWith(".: permissions:") || d.contains(": hard link group: "));
    if (!diffs.isEmpty()) {
      fail(context + ": " + diffs.size() + " difference(s):\n  " + String.join("\n  ", diffs.subList(0, Math.min(40, diffs.size()))));
    }
  }

  /** Runs {@code action}, adding its duration to {@code phase}. */
  static <T> T timed(String phase, java.util.concurrent.Callable<T> action) throws IOException {
    long t0 = System.nanoTime();
    try {
      return action.call();
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    } finally {
      PHASES.computeIfAbsent(phase, k -> new java.util.concurrent.atomic.AtomicLong())
          .addAndGet((System.nanoTime() - t0) / 1_000_000L);
    }
  }

  // ---- running the jar ------------------------------------------------------------------

  /** {@code java ... -jar rewind.jar ARGS} with options that start the JVM faster. */
  static List<String> jarCommand(String... args) {
    Path path;
    try {
      path = PrivateJar.get().path;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dfile.encoding=ISO-8859-1",
        "-jar", path.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  static Map<String, String> jarEnv() {
    return Map.of("TZ", TZ, "LC_ALL", "C.UTF-8");
  }

  /** A backup that halts at crash point {@code n}. */
  static Proc.Result crashRun(Path src, Path repo, long time, long n) {
    Map<String, String> env = new TreeMap<>(jarEnv());
    env.put("REWIND_CRASH_AT", Long.toString(n));
    return Proc.run(jarCommand("--current-time", Long.toString(time), "backup", src.toString(), repo.toString()),
        null, env, CRASH_RUN_TIMEOUT);
  }

  /** Runs the session once on a copy of {@code repo} and returns how many crash points it passed. */
  static long countCrashPoints(Path src, Path repo, Path scratch, long time) throws IOException {
    Files.createDirectories(scratch);
    Path copy = scratch.resolve("repo");
    if (Files.exists(repo)) {
      copy(repo, copy);
    }
    Path countFile = scratch.resolve("points");
    Map<String, String> env = new TreeMap<>(jarEnv());
    env.put("REWIND_CRASH_COUNT_FILE", countFile.toString());
    Proc.run(jarCommand("--current-time", Long.toString(time), "backup", src.toString(), copy.toString()),
        null, env, CRASH_RUN_TIMEOUT).expect(0);
    long points = Long.parseLong(Files.readString(countFile).trim());
    TreeBuilder.deleteRecursively(scratch);
    return points;
  }

  /** Checks that the run died at point {@code n}; returns the step's name. */
  static String expectCrash(Proc.Result r, long n) {
    Matcher m = CRASH_LINE.matcher(r.stderr());
    if (r.exitCode() != 137 || !m.find()) {
      fail("crash point " + n + ": expected exit 137 and the crash line, got exit " + r.exitCode()
          + "\nstdout: " + r.out() + "\nstderr: " + r.stderr());
    }
    assertEquals(n, Long.parseLong(m.group(1)), "crash point reported");
    return m.group(2);
  }

  /** How a backup that was killed after a delay went. */
  record Timed(int exit, long millis, long markerMillis, String stderr) {}

  /**
   * Starts a backup and sends it SIGKILL {@code delayMillis} after it started or, with {@code
   * fromMarker}, after its new marker appeared (polled every 2 ms), unless it ended before. A
   * delay of {@code Long.MAX_VALUE} lets it finish and reports when the marker appeared.
   */
  static Timed killAfter(Path src, Path repo, long time, long delayMillis, boolean fromMarker)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(jarCommand("--current-time", Long.toString(time), "backup",
        src.toString(), repo.toString()));
    pb.environment().putAll(jarEnv());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Path errFile = repo.resolveSibling(repo.getFileName() + ".stderr");
    pb.redirectError(errFile.toFile());
    long start = System.nanoTime();
    Process p = pb.start();
    long markerAt = -1;
    long deadline = delayMillis == Long.MAX_VALUE || fromMarker ? Long.MAX_VALUE : start + delayMillis * 1_000_000L;
    while (p.isAlive() && System.nanoTime() < deadline && System.nanoTime() - start < CRASH_RUN_TIMEOUT.toNanos()) {
      if (markerAt < 0 && markers(repo).size() == 2) {
        long now = System.nanoTime();
        markerAt = (now - start) / 1_000_000L;
        if (fromMarker && delayMillis != Long.MAX_VALUE) {
          deadline = now + delayMillis * 1_000_000L;
        }
      }
      p.waitFor(2, TimeUnit.MILLISECONDS);
    }
    if (p.isAlive()) {
      p.destroyForcibly(); // SIGKILL
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      fail("backup did not die after SIGKILL");
    }
    long millis = (System.nanoTime() - start) / 1_000_000L;
    String stderr = Files.readString(errFile, StandardCharsets.ISO_8859_1);
    Files.delete(errFile);
    return new Timed(p.exitValue(), millis, markerAt, stderr);
  }

  // ---- in-process runs with per-thread output -------------------------------------------

  /** {@code rewind ARGS} in this JVM; stdout and stderr of this thread are captured. */
  static Proc.Result inProcess(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    routedOut.sink.set(out);
    routedErr.sink.set(err);
    try {
      int exit = jar.run(args);
      System.out.flush();
      System.err.flush();
      return new Proc.Result(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    } finally {
      routedOut.sink.remove();
      routedErr.sink.remove();
    }
  }

  /**
   * The packaged jar, copied once per JVM because other builds may rewrite {@code target/} while
   * these suites run, runnable as a process or in this JVM ({@code Main.run} loaded in a class
   * loader of its own, so in-process runs execute exactly the code of the processes).
   */
  static final class PrivateJar {
    private static PrivateJar instance;
    final Path path;
    private final java.lang.reflect.Method mainRun;

    private PrivateJar(Path path, java.lang.reflect.Method mainRun) {
      this.path = path;
      this.mainRun = mainRun;
    }

    static synchronized PrivateJar get() throws IOException {
      if (instance == null) {
        Path dir = Files.createTempDirectory("rewind-jar-");
        dir.toFile().deleteOnExit();
        Path copy = copyComplete(RewindJar.jar(), dir.resolve("rewind.jar"));
        copy.toFile().deleteOnExit();
        java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {copy.toUri().toURL()},
            ClassLoader.getPlatformClassLoader());
        try {
          instance = new PrivateJar(copy, loader.loadClass(Main.class.getName()).getMethod("run", String[].class));
        } catch (ReflectiveOperationException e) {
          throw new IOException("cannot load rewind from " + copy, e);
        }
      }
      return instance;
    }

    /** {@code rewind ARGS} in this JVM; returns the exit code. */
    int run(String... args) {
      try {
        return (Integer) mainRun.invoke(null, (Object) args);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError("cannot run rewind in this JVM", e);
      }
    }

    /** Copies the jar and checks that the copy is complete (a build may be writing it). */
    private static Path copyComplete(Path jar, Path copy) throws IOException {
      for (int attempt = 1; ; attempt++) {
        Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(copy.toFile())) {
          if (z.getEntry("dev/rewind/cli/Main.class") != null && z.getEntry("dev/rewind/backup/CrashPoints.class") != null) {
            return copy;
          }
        } catch (IOException e) {
          if (attempt == 10) {
            throw e;
          }
        }
        try {
          Thread.sleep(3000); // a build is writing the jar: wait for it
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
    }
  }

  /** Sends what a thread writes to its own buffer while one is set, else to the original stream. */
  static final class ThreadRoutedStream extends OutputStream {
    final ThreadLocal<ByteArrayOutputStream> sink = new ThreadLocal<>();
    private final PrintStream fallback;

    ThreadRoutedStream(PrintStream fallback) {
      this.fallback = fallback;
    }

    @Override
    public void write(int b) {
      ByteArrayOutputStream s = sink.get();
      if (s != null) {
        s.write(b);
      } else {
        fallback.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ByteArrayOutputStream s = sink.get();
      if (s != null) {
        s.write(b, off, len);
      } else {
        fallback.write(b, off, len);
      }
    }

    @Override
    public void flush() {
      fallback.flush();
    }
  }

  // ---- running many cases ---------------------------------------------------------------

  interface Case {
    void run(long n) throws Exception;
  }

  /**
   * Runs cases 1..count on {@value PARALLELISM} threads; returns the failures by case. {@code
   * -Dcrash.cases=4,7} runs only those cases (for debugging one).
   */
  static Map<Long, String> runAll(long count, Case c) throws InterruptedException {
    String only = System.getProperty("crash.cases", "");
    java.util.Set<Long> selected = new java.util.HashSet<>();
    for (String n : only.split(",")) {
      if (!n.isBlank()) {
        selected.add(Long.parseLong(n.trim()));
      }
    }
    Map<Long, String> failures = new ConcurrentSkipListMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(PARALLELISM);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (long n = 1; n <= count; n++) {
        long k = n;
        if (!selected.isEmpty() && !selected.contains(k)) {
          continue;
        }
        futures.add(pool.submit(() -> {
          try {
            c.run(k);
          } catch (Throwable e) {
            failures.put(k, e instanceof AssertionError ? String.valueOf(e.getMessage()) : e.toString());
          }
        }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new AssertionError(e);
        }
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(1, TimeUnit.MINUTES);
    }
    return failures;
  }

  static void summarize(String what, long count, Map<Long, String> steps, Map<Long, String> failures, long start) {
    SortedMap<String, Integer> kinds = new TreeMap<>();
    steps.values().forEach(st -> kinds.merge(st.replaceAll("\\d+", "#"), 1, Integer::sum));
    log("%s: %d cases, %d failed, %.1f s; crash points by step: %s", what, count, failures.size(), secs(start), kinds);
    log("%s: time by phase so far (ms, all threads): %s", what, PHASES);
    if (!failures.isEmpty()) {
      StringBuilder msg = new StringBuilder(what + ": " + failures.size() + " of " + count + " cases failed:");
      failures.forEach((n, m) -> msg.append("\n--- case ").append(n).append(": ")
          .append(m.length() > 3000 ? m.substring(0, 3000) + " ..." : m));
      fail(msg.toString());
    }
  }

  // ---- the trees ------------------------------------------------------------------------

  /**
   * How big a scenario's tree is: {@code bulk} small files under {@code many/}, {@code big.bin}
   * of {@code bigSize} bytes, {@code changedBulk} of the small files changed in the crashed
   * session (plus a third of them in every other session), and {@code blobs} 1 MB files under
   * {@code data/} (all edited in every session).
   */
  record Shape(int bulk, int bigSize, int changedBulk, int blobs) {}

  /**
   * A repository built by the jar with sessions 1..{@code sessions}, the source snapshot of each,
   * and the source already changed for the next session.
   */
  static final class Scenario {
    Path dir;
    Path src;
    Path repo;
    final List<TreeSnapshot> sessions = new ArrayList<>();
    TreeSnapshot changed;
    TreeSet<String> dataFiles;

    static Scenario build(Path dir, Shape shape, int sessions) throws IOException {
      Scenario s = new Scenario();
      s.dir = dir;
      s.src = dir.resolve("src");
      s.repo = dir.resolve("repo");
      Files.createDirectories(dir);
      TreeBuilder t = TreeBuilder.at(s.src, T1 - 1000);
      createBase(t, shape);
      for (int k = 1; k <= sessions + 1; k++) {
        changeSet(t, k, shape, time(k) - 1000, k <= sessions);
        TreeSnapshot snap = TreeSnapshot.capture(s.src);
        if (k > sessions) {
          s.changed = snap;
          break;
        }
        s.sessions.add(snap);
        Proc.run(jarCommand("--current-time", Long.toString(time(k)), "backup", s.src.toString(), s.repo.toString()),
            null, jarEnv(), CRASH_RUN_TIMEOUT).expect(0);
      }
      s.dataFiles = dataFiles(s.repo);
      return s;
    }
  }

  static long time(int session) {
    return T1 + (session - 1) * DAY;
  }

  /** What session 1 starts from. */
  static void createBase(TreeBuilder t, Shape shape) {
    t.randomFile("big.bin", shape.bigSize(), 7)
        .file("log.txt", "log line 0\n")
        .file("trunc.txt", "0123456789abcdef".repeat(2000))
        .dir("docs").file("docs/a.txt", "a\n").dir("docs/sub").file("docs/sub/c.txt", "c\n")
        .symlink("link", "docs/a.txt")
        .file("hlpair_a", "hard-linked pair, session 0\n").hardlink("hlpair_b", "hlpair_a")
        .dir("many");
    for (int i = 0; i < shape.bulk(); i++) {
      t.file("many/m" + i, "small file " + i + "\n");
    }
    if (shape.blobs() > 0) {
      t.dir("data");
      for (int i = 0; i < shape.blobs(); i++) {
        t.randomFile("data/blob" + i, 1 << 20, 100 + i);
      }
    }
  }

  /**
   * The changes of session {@code s} (1-based). Every session adds a file with an invalid UTF-8
   * name, a directory (invalid UTF-8) holding a name with a newline, and a fifo; every later one
   * also edits {@code big.bin} in place, appends to one file and truncates another, deletes the
   * previous session's new file, directory and fifo, turns a directory into a file, a file into
   * a directory and a file into a symlink, makes a hard link and breaks the one made before,
   * edits a hard-linked pair, and edits small files and blobs. With {@code prepareNext} it also
   * creates what the next session converts.
   */
  static void changeSet(TreeBuilder t, int s, Shape shape, long mtime, boolean prepareNext) {
    t.clock(mtime);
    int p = s - 1;
    if (prepareNext) {
      t.dir("d2f" + (s + 1)).file("d2f" + (s + 1) + "/inner", "inner of " + s + "\n")
          .file("f2d" + (s + 1), "becomes a directory\n")
          .file("f2l" + (s + 1), "becomes a symlink\n")
          .file("hlsrc" + (s + 1), "to be hard-linked\n");
    }
    t.file(oddFile(s), "invalid UTF-8 in the name, session " + s + "\n")
        .dir(oddDir(s)).file(TreeBuilder.path(oddDir(s), TreeBuilder.raw("new\nline")), "newline in the name\n")
        .fifo("fifo" + s);
    if (s == 1) {
      return;
    }
    t.editAt("big.bin", (s * 311_111L) % (shape.bigSize() - 9000), TreeBuilder.randomBytes(8192, s))
        .append("log.txt", ("session " + s + " line\n").repeat(20))
        .truncate("trunc.txt", 32000 - 5000L * p)
        .delete(oddFile(p))
        .delete(oddDir(p))
        .delete("fifo" + p)
        .replaceWithFile("d2f" + s, "was a directory\n")
        .replaceWithDir("f2d" + s)
        .replaceWithSymlink("f2l" + s, "log.txt")
        .hardlink("hl" + s, "hlsrc" + s)
        .write("hlpair_a", "hard-linked pair, session " + s + "\n");
    if (s >= 3) {
      t.breakHardLink("hl" + p);
    }
    for (int i = 0; i < shape.bulk(); i++) {
      if (i < shape.changedBulk() || (i + s) % 3 == 0) {
        t.write("many/m" + i, "small file " + i + " in session " + s + "\n" + "x".repeat((i * 37 + s) % 200));
      }
    }
    for (int i = 0; i < shape.blobs(); i++) {
      t.editAt("data/blob" + i, (s * 7919L + i * 104_729L) % ((1 << 20) - 5000), TreeBuilder.randomBytes(4096, s * 1000L + i));
    }
  }

  private static byte[] oddFile(int s) {
    return TreeBuilder.raw("odd\u00ff\u00fe" + s + ".bin");
  }

  private static byte[] oddDir(int s) {
    return TreeBuilder.raw("dir\u00e9" + s);
  }

  // ---- repository inspection --------------------------------------------------------------

  /** The {@code current_mirror} marker names, sorted. */
  static List<String> markers(Path repo) {
    Path data = repo.resolve("rdiff-backup-data");
    if (!Files.isDirectory(data)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(data)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("current_mirror.") && n.endsWith(".data")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String markerName(Path repo) {
    List<String> m = markers(repo);
    assertEquals(1, m.size(), "markers of " + repo);
    return m.get(0);
  }

  /**
   * The files (not directories) under {@code rdiff-backup-data}, relative and escaped, without
   * the lock and logs that any run may leave.
   */
  static TreeSet<String> dataFiles(Path repo) {
    TreeSet<String> out = new TreeSet<>();
    try {
      collectFiles(dev.rewind.posix.Posix.bytes(repo.resolve("rdiff-backup-data")), "", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.removeIf(n -> n.equals("lock.yml") || n.matches("(backup|regress|restore|remove)\\.log"));
    return out;
  }

  private static void collectFiles(byte[] dir, String prefix, TreeSet<String> out) throws IOException {
    for (dev.rewind.posix.DirEntry e : dev.rewind.posix.Posix.listEntries(dir)) {
      String name = prefix + TreeSnapshot.escape(e.name());
      if (e.isDirectory(dir)) {
        collectFiles(TreeBuilder.path(dir, e.name()), name + "/", out);
      } else {
        out.add(name);
      }
    }
  }

  /**
   * rdiff-backup refuses to regress while a marker names a live process. The killed backups are
   * dead, but after pid wrap-around (pid_max is often 32768) another process may have their pid;
   * such a marker gets a pid no process can have, which is what the crash meant.
   */
  static void freeMarkerPids(Path repo, String context) throws IOException {
    for (String name : markers(repo)) {
      Path marker = repo.resolve("rdiff-backup-data").resolve(name);
      Matcher m = Pattern.compile("PID\\s*(\\d+)").matcher(Files.readString(marker, StandardCharsets.ISO_8859_1));
      if (m.find() && Files.exists(Path.of("/proc", m.group(1)))) {
        log("%s: pid %s of %s is in use again; writing pid %d instead", context, m.group(1), name, IMPOSSIBLE_PID);
        Files.writeString(marker, "PID " + IMPOSSIBLE_PID + "\n");
      }
    }
  }

  // ---- small helpers ----------------------------------------------------------------------

  /** {@code /dev/shm} when usable (tmpfs: no fsync cost), else the temp directory. */
  static Path scratchParent() {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm) && shm.toFile().getUsableSpace() > (2L << 30)) {
      return shm;
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Proc.run(List.of("cp", "-a", from.toString(), to.toString()), null, Map.of(), Duration.ofSeconds(60)).expect(0);
  }

  static double secs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static void log(String format, Object... args) {
    PrintStream out = originalOut != null ? originalOut : System.out;
    out.println("CrashSafetyIT: " + String.format(format, args));
  }
}
