package dev.rewind.restore;

import static dev.rewind.testing.TreeSnapshot.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.cli.Main;
import dev.rewind.core.FileType;
import dev.rewind.posix.Posix;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SampleRepos;
import dev.rewind.testing.SampleRepos.Sample;
import dev.rewind.testing.SampleRepos.Session;
import dev.rewind.testing.SampleRepos.Variant;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rewind's restore against repositories written by the real rdiff-backup 2.2.2: every session of
 * every sample variant must restore to exactly the source tree of that session, and to exactly
 * what {@code rdiff-backup restore --at} gives for it; also subpaths, single files and the forms
 * of {@code --at}.
 */
@Tag("interop")
class RestoreInteropIT {
  /** "Now" for every in-process run: an hour after the last session. */
  private static final long NOW = SampleRepos.time(SampleRepos.SESSIONS) + 3600;

  @TempDir static Path work;
  private static final Map<Variant, Sample> SAMPLES = new EnumMap<>(Variant.class);
  private static final AtomicInteger COUNTER = new AtomicInteger();

  @BeforeAll
  static void tools() {
    Tools.requireRoot();
    Tools.require("rdiff-backup", "setfacl", "setpriv");
  }

  @AfterAll
  static void cleanUp() throws IOException {
    // byte-exact deletion: the trees hold names that are not valid UTF-8
    try (var children = Files.list(work)) {
      for (Path p : children.toList()) {
        TreeBuilder.deleteRecursively(p);
      }
    }
  }

  private static synchronized Sample sample(Variant v) {
    return SAMPLES.computeIfAbsent(v, k -> SampleRepos.build(k, work.resolve("sample-" + k)));
  }

  private static Path newTarget(String label) {
    return work.resolve("out-" + COUNTER.incrementAndGet() + "-" + label);
  }

  /** {@code rewind --current-time NOW restore --at AT SOURCE TARGET}, in process. */
  private static int rewindRestore(String at, Path source, Path target) {
    return Main.run("--current-time", Long.toString(NOW), "restore", "--at", at, source.toString(), target.toString());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Variant.class)
  void restore_everySession_equalsSourceAndRdiffBackup(Variant variant) {
    Sample s = sample(variant);
    List<Executable> checks = new ArrayList<>();
    for (Session session : s.sessions()) {
      String context = variant + " session " + session.number() + " (--at " + session.time() + ")";
      Path ours = newTarget(variant + "-s" + session.number() + "-rewind");
      Path theirs = newTarget(variant + "-s" + session.number() + "-rdiff");
      int exit = rewindRestore(Long.toString(session.time()), s.repo(), ours);
      s.rdiff().restoreAt(s.repo(), session.time(), theirs);
      TreeSnapshot oracle = TreeSnapshot.capture(theirs);
      checks.add(() -> assertEquals(0, exit, context + ": rewind restore exit code"));
      if (exit == 0) {
        TreeSnapshot restored = TreeSnapshot.capture(ours);
        checks.add(() -> assertSameTree(oracle, restored, context + ", rewind vs rdiff-backup restore"));
        checks.add(() -> assertSameTree(session.source(), restored, context + ", rewind vs source"));
      }
      // rdiff-backup itself restores the source exactly (also for the non-root backup, as root);
      // if this fails the sample or the comparison is wrong, not Rewind
      checks.add(() -> assertSameTree(session.source(), oracle, context + ", oracle sanity: rdiff-backup vs source"));
    }
    assertAll(variant + ": every session", checks);
  }

  /**
   * The fixture itself: rdiff-backup verifies every sample and lists its sessions, except T3,
   * which has no increments because nothing changed between T3 and T4 (so it only shows in the
   * metadata, which is what restore uses).
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Variant.class)
  void sample_rdiffBackupVerifiesItAndListsItsSessions(Variant variant) {
    Sample s = sample(variant);
    s.rdiff().verify(s.repo());
    String[] global = variant == Variant.API_201 ? new String[] {"--api-version", "201"} : new String[0];
    List<Long> expected = new ArrayList<>();
    for (Session session : s.sessions()) {
      if (session.number() != SampleRepos.UNCHANGED_SESSION - 1) {
        expected.add(session.time());
      }
    }
    assertEquals(expected, s.rdiff().listIncrementsParsable(s.repo(), global));
  }

  @ParameterizedTest(name = "{0} at session {1}")
  @CsvSource({"sub, 1", "sub, 6", "odd, 3", "odd, 5", "will_become_file, 1", "perms, 2", "acl, 3",
      "deleted_dir/a, 2"})
  void restore_subdirectory_equalsSourceSubtreeAndRdiffBackup(String sub, int session) {
    Sample s = sample(Variant.DEFAULT);
    Session at = s.session(session);
    Path ours = newTarget("sub-rewind");
    Path theirs = newTarget("sub-rdiff");
    assertEquals(0, rewindRestore(Long.toString(at.time()), s.repo().resolve(sub), ours), "exit code");
    s.rdiff().restoreAt(s.repo().resolve(sub), at.time(), theirs);
    TreeSnapshot restored = TreeSnapshot.capture(ours);
    assertAll(
        () -> assertSameTree(at.source().subtree(sub), restored, sub + " at session " + session + " vs source"),
        () -> assertSameTree(TreeSnapshot.capture(theirs), restored, sub + " at session " + session + " vs rdiff-backup"));
  }

  @Test
  void restore_bigFileAtEverySession_equalsSourceFile() {
    for (Variant v : List.of(Variant.DEFAULT, Variant.NO_COMPRESSION, Variant.QUOTE_A_Z)) {
      Sample s = sample(v);
      List<Executable> checks = new ArrayList<>();
      for (Session session : s.sessions()) {
        Path ours = newTarget("big-rewind");
        int exit = rewindRestore(Long.toString(session.time()), s.repo().resolve("big.bin"), ours);
        checks.add(() -> assertEquals(0, exit, v + " big.bin at session " + session.number() + ": exit code"));
        if (exit == 0) {
          TreeSnapshot restored = TreeSnapshot.capture(ours);
          checks.add(() -> assertSameTree(session.source().subtree("big.bin"), restored,
              v + " big.bin at session " + session.number()));
        }
      }
      assertAll(v + ": big.bin", checks);
    }
  }

  @Test
  void restore_longNamedFileInQuotedRepository_equalsSource() {
    Sample s = sample(Variant.QUOTE_A_Z);
    for (int n : new int[] {1, 3, 6}) {
      Session at = s.session(n);
      for (String name : List.of(SampleRepos.LONG_240, SampleRepos.LONG_255)) {
        Path ours = newTarget("long-rewind");
        assertEquals(0, rewindRestore(Long.toString(at.time()), s.repo().resolve(name), ours),
            name.charAt(0) + "x" + name.length() + " at session " + n + ": exit code");
        assertSameTree(at.source().subtree(name), TreeSnapshot.capture(ours),
            name.charAt(0) + "x" + name.length() + " at session " + n);
      }
    }
  }

  /**
   * The forms of {@code --at}: sessions back, a time string with offset (also the St. John's
   * half-hour quirk), a time between sessions, before the first and {@code now}. Each must pick
   * the same session as rdiff-backup, and that session's source.
   */
  @ParameterizedTest(name = "{0} --at {1}")
  @CsvSource({
      "DEFAULT, 2B, 4",
      "DEFAULT, 3B, 3",
      "DEFAULT, 5B, 1",
      "DEFAULT, 0B, 6",
      "DEFAULT, now, 6",
      "DEFAULT, 2024-03-31T10:13:20+02:00, 3",
      "DEFAULT, 2024-03-30T09:13:20+01:00, 2",
      "DEFAULT, 2024-03-30T08:13:20Z, 2",
      "DEFAULT, 1711786401, 2",
      "DEFAULT, 1711872799, 2",
      "DEFAULT, 1000000000, 1",
      "ST_JOHNS, 2024-03-29T05:43:20-03:30, 1",
      "ST_JOHNS, 2024-03-31T05:43:20-03:30, 3",
      "UTC, 2024-04-02T08:13:20Z, 5"})
  void restore_atForms_pickTheSameSessionAsRdiffBackup(Variant variant, String at, int expectedSession) {
    Sample s = sample(variant);
    Path ours = newTarget("at-rewind");
    Path theirs = newTarget("at-rdiff");
    assertEquals(0, rewindRestore(at, s.repo(), ours), "exit code");
    // rdiff-backup resolves 'now' and 'NB' against the real clock; its session list is the same
    s.rdiff().restoreAt(s.repo(), at, theirs);
    TreeSnapshot restored = TreeSnapshot.capture(ours);
    assertAll(
        () -> assertSameTree(s.session(expectedSession).source(), restored,
            "--at " + at + " vs source of session " + expectedSession),
        () -> assertSameTree(TreeSnapshot.capture(theirs), restored, "--at " + at + " vs rdiff-backup"));
  }

  /**
   * The forms of {@code --at} that depend on the time zone or on "now" (dates, time strings
   * without offset, intervals), through the packaged jar with the same {@code TZ} and {@code
   * --current-time} as rdiff-backup gets. A time string without offset takes the offset in force
   * "now", not the one at that date. rdiff-backup takes that offset from the real clock even
   * under {@code --current-time} (+01:00 in winter, +02:00 in summer), so the times below are
   * chosen to select the same session with either offset.
   */
  @ParameterizedTest(name = "--at {0}")
  @CsvSource({
      "1D, 5",
      "2D, 4",
      "2024-03-31, 2",
      "03/31/2024, 2",
      "2024-03-31T10:13:20, 3",
      "2024-03-31T12:00:00, 3",
      "2024-03-31T09:00:00, 2"})
  void restore_atFormsInTimeZone_pickTheSameSessionAsRdiffBackup(String at, int expectedSession) {
    Sample s = sample(Variant.DEFAULT);
    Path ours = newTarget("atz-rewind");
    Path theirs = newTarget("atz-rdiff");
    Proc.Result r = RewindJar.run(s.variant().tz, "--current-time", Long.toString(NOW), "restore", "--at", at,
        s.repo().resolve("big.bin").toString(), ours.toString());
    s.rdiff().restoreAt(s.repo().resolve("big.bin"), at, theirs, NOW);
    assertEquals(0, r.exitCode(), "exit code; stderr: " + r.stderr());
    TreeSnapshot restored = TreeSnapshot.capture(ours);
    assertAll(
        () -> assertSameTree(s.session(expectedSession).source().subtree("big.bin"), restored,
            "--at " + at + " vs source of session " + expectedSession),
        () -> assertSameTree(TreeSnapshot.capture(theirs), restored, "--at " + at + " vs rdiff-backup"));
  }

  /**
   * A restore run as an unprivileged user (uid 65534) of the non-root sample: owners cannot be
   * set and device nodes cannot be made. rdiff-backup then leaves empty regular files where the
   * devices were; Rewind creates nothing there and says so on stderr. Everything else must be
   * what rdiff-backup restores as the same user.
   */
  @ParameterizedTest(name = "session {0}")
  @ValueSource(ints = {3, 6})
  void restore_asNonRoot_equalsRdiffBackupAsNonRootExceptDevices(int session) throws IOException {
    Sample s = sample(Variant.NON_ROOT);
    Session at = s.session(session);
    Path parent = newTarget("nonroot");
    Files.createDirectory(parent);
    Posix.chmod(Posix.bytes(parent), 0777);
    Path ours = parent.resolve("rewind");
    Path theirs = parent.resolve("rdiff");

    Proc.Result r = RewindJar.run(RdiffBackup.AS_NOBODY, s.variant().tz, "restore", "--at",
        Long.toString(at.time()), s.repo().toString(), ours.toString());
    s.rdiff().runningAs(RdiffBackup.AS_NOBODY).restoreAt(s.repo(), at.time(), theirs);

    assertEquals(0, r.exitCode(), "exit code; stderr: " + r.stderr());
    assertTrue(r.stderr().contains("device"), "tells that devices were not created: " + r.stderr());
    TreeSnapshot oracle = TreeSnapshot.capture(theirs);
    assertEquals(FileType.REGULAR, oracle.get("cdev").type(), "rdiff-backup's stand-in for a device");
    assertSameTree(oracle.without("cdev").without("bdev"), TreeSnapshot.capture(ours),
        "non-root restore at session " + session + " vs rdiff-backup's non-root restore");
  }
}
