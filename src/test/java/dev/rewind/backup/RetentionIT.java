package dev.rewind.backup;

import static dev.rewind.testing.TreeSnapshot.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.cli.Main;
import dev.rewind.core.RelPath;
import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.Scratch;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import dev.rewind.repo.TimeStrings;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SampleRepos;
import dev.rewind.testing.SampleRepos.Sample;
import dev.rewind.testing.SampleRepos.Session;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rewind remove increments --older-than} on a repository written by rdiff-backup 2.2.2:
 * it deletes exactly what rdiff-backup's own {@code remove increments} deletes, and afterwards
 * rdiff-backup lists, verifies and restores every remaining session, as does Rewind; the
 * current mirror always stays.
 */
@Tag("interop")
class RetentionIT {
  private static final String TZ = "Europe/Berlin";
  private static Sample sample;
  @TempDir Path work;

  @BeforeAll
  static void sample() {
    Tools.requireRoot();
    Tools.require("rdiff-backup", "setfacl");
    RewindJar.jar();
    sample = RetentionSample.get();
  }

  private static String spelling(Session s) {
    return TimeStrings.format(s.time(), ZoneId.of(TZ), false);
  }

  private static List<Session> sessions(int from, int to) {
    return sample.sessions().subList(from - 1, to);
  }

  @Test
  void remove_olderThanT3_deletesWhatRdiffBackupDeletes_andEveryRemainingSessionStillRestores() throws IOException {
    Path ours = RetentionSample.copyOfRepo(work.resolve("ours"));
    Path theirs = RetentionSample.copyOfRepo(work.resolve("theirs"));
    String t3 = Long.toString(sample.session(3).time());

    assertEquals(0, Main.run("remove", "increments", "--dry-run", "--older-than", t3, ours.toString()));
    assertEquals(dataDirNames(theirs), dataDirNames(ours), "a dry run changes nothing");
    Proc.Result r = RewindJar.run(TZ, "remove", "increments", "--older-than", t3, ours.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.out().startsWith("Removed 2 sessions older than Sun Mar 31 10:13:20 2024:\n    "
        + spelling(sample.session(1)) + "  Fri Mar 29 09:13:20 2024\n    " + spelling(sample.session(2))), r.out());
    assertFalse(r.out().contains(spelling(sample.session(3)) + " "), r.out());
    sample.rdiff().run(List.of("--force"), "remove", List.of("increments", "--older-than", t3, theirs.toString())).expect(0);

    TreeSet<String> expected = dataDirNames(theirs);
    expected.remove("remove.log"); // rdiff-backup's log; Rewind leaves an empty lock.yml
    TreeSet<String> actual = dataDirNames(ours);
    actual.remove("lock.yml");
    assertEquals(expected, actual, "the same files remain as after rdiff-backup's remove increments");
    assertRemainingSessionsWork(ours, sessions(3, 6), true);
  }

  /**
   * {@code 2B} keeps the last two sessions before the current one and removes T3, a session in
   * which nothing changed, which rdiff-backup cannot see (it has no root increment) but whose
   * metadata Rewind removes too; then {@code now} leaves only the current mirror.
   */
  @Test
  void remove_sessionsBackThenNow_removesTheUnchangedSessionToo_andNeverTheCurrentMirror() throws IOException {
    Path repo = RetentionSample.copyOfRepo(work.resolve("repo"));
    String now = Long.toString(sample.last().time() + 400 * SampleRepos.DAY);

    assertEquals(0, Main.run("--current-time", now, "remove", "increments", "--older-than", "2B", repo.toString()));
    assertRemainingSessionsWork(repo, sessions(4, 6), false);
    assertTrue(dataDirNames(repo).stream().noneMatch(n -> n.contains(spelling(sample.session(3)))),
        "nothing named with the unchanged session's time is left");

    Proc.Result r = RewindJar.run(TZ, "--current-time", now, "remove", "increments", "--older-than", "now", repo.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.out().startsWith("Removed 2 sessions"), r.out());
    assertRemainingSessionsWork(repo, sessions(6, 6), true);
    try (Stream<Path> left = Files.list(repo.resolve("rdiff-backup-data/increments"))) {
      assertEquals(List.of(), left.toList(), "no increments and no empty directories are left");
    }

    Proc.Result again = RewindJar.run(TZ, "--current-time", now, "remove", "increments", "--older-than", "now", repo.toString());
    assertEquals(0, again.exitCode(), again.stderr());
    assertEquals("No session of '" + repo + "' is older than Thu May  8 10:13:20 2025; nothing removed"
        + " (oldest session: " + spelling(sample.last()) + ")\n", again.out());
  }

  @Test
  void remove_pathInsideRepository_isRefused() {
    assertEquals(1, Main.run("remove", "increments", "--older-than", "now", sample.repo().resolve("sub").toString()));
    assertEquals(2, Main.run("remove", "increments", sample.repo().toString()), "--older-than is required");
  }

  /**
   * The repository has exactly {@code kept} as sessions for Rewind and rdiff-backup: both list
   * them (rdiff-backup does not see T3, which has no increments) and restore each (or only the
   * oldest, the one that lost its older neighbours) to its source; rdiff-backup's verify passes
   * and so does Rewind's at every session.
   */
  private void assertRemainingSessionsWork(Path repo, List<Session> kept, boolean restoreEach) throws IOException {
    List<Executable> checks = new ArrayList<>();
    List<Long> times = kept.stream().map(Session::time).toList();
    try (Scratch scratch = Scratch.in(Posix.bytes(work))) {
      History h = History.open(Repository.open(Posix.bytes(repo)), scratch);
      checks.add(() -> assertEquals(times, h.sessions().stream().map(SessionTime::epochSecond).toList(), "Rewind's sessions"));
      for (Session s : kept) {
        Verifier.Report v = new Verifier(h, 2).verify(h.sessionAt(s.time()), RelPath.ROOT);
        checks.add(() -> assertEquals(List.of(), v.failures(), "Rewind verify of session " + s.number()));
      }
    }
    List<Long> visible = times.stream().filter(t -> t != sample.session(SampleRepos.UNCHANGED_SESSION - 1).time()).toList();
    checks.add(() -> assertEquals(visible, sample.rdiff().listIncrementsParsable(repo), "rdiff-backup list increments"));
    sample.rdiff().verify(repo);
    for (Session s : restoreEach ? kept : kept.subList(0, 1)) {
      Path theirs = work.resolve("rdiff-" + repo.getFileName() + "-" + s.number() + "-" + kept.size());
      Path ours = work.resolve("rewind-" + repo.getFileName() + "-" + s.number() + "-" + kept.size());
      sample.rdiff().restoreAt(repo, s.time(), theirs);
      int exit = Main.run("restore", "--at", Long.toString(s.time()), repo.toString(), ours.toString());
      checks.add(() -> assertSameTree(s.source(), TreeSnapshot.capture(theirs), "rdiff-backup restore of session " + s.number()));
      checks.add(() -> assertEquals(0, exit, "Rewind restore of session " + s.number()));
      checks.add(() -> assertSameTree(s.source(), TreeSnapshot.capture(ours), "Rewind restore of session " + s.number()));
    }
    assertAll(checks);
  }

  /** Every path below {@code rdiff-backup-data} ({@code /} after directories). */
  private static TreeSet<String> dataDirNames(Path repo) throws IOException {
    Path data = repo.resolve("rdiff-backup-data");
    TreeSet<String> out = new TreeSet<>();
    try (Stream<Path> all = Files.walk(data)) {
      all.filter(p -> !p.equals(data)).forEach(p -> out.add(data.relativize(p) + (Files.isDirectory(p) ? "/" : "")));
    }
    return out;
  }
}
