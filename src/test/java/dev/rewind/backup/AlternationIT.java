package dev.rewind.backup;

import static dev.rewind.testing.TreeSnapshot.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.posix.Posix;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RepoChecks;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SampleRepos;
import dev.rewind.testing.SourceSeries;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rewind and rdiff-backup 2.2.2 take turns on one repository, in both starting orders, over the
 * sample series (every change kind) plus a seventh session without changes: every session must
 * restore exactly with both tools, and a session without changes made by either tool right after
 * the other must write nothing but the empty metadata diff (and, from Rewind, the root {@code
 * increments.<T>.dir} it writes every session), with zero new, changed and deleted files in its
 * statistics: the two tools' change detection agrees both ways.
 *
 * <p>Rewind must not read unchanged files. Each Rewind session after an rdiff-backup session runs
 * under {@code strace -f -e trace=open,openat,openat2}: every source path it opens other than a
 * directory must be a regular file that is new or changed since the previous session (by the
 * source snapshots, hard-link groups included), nothing at all in a session without changes; and
 * {@code big.bin}, changed in every such session with changes, must be among them, which shows
 * that the trace sees the reads. A trace is exact where an atime or a permission trick would
 * depend on mount options or on running unprivileged.
 */
@Tag("interop")
class AlternationIT {
  private static final String TZ = "Europe/Berlin";
  /** The sample's sessions, then one more without changes, made by the other tool than the sixth. */
  private static final int SESSIONS = SampleRepos.SESSIONS + 1;
  private static final Pattern OPEN = Pattern.compile(
      "\\bopen(?:at2?)?\\((?:[^\"]*?, )?\"((?:\\\\x[0-9a-f]{2})*)\"(?:\\.\\.\\.)?, ([^)<]*)");

  @TempDir static Path work;

  enum Order {
    REWIND_FIRST,
    RDIFF_BACKUP_FIRST
  }

  enum Tool {
    REWIND,
    RDIFF_BACKUP
  }

  @BeforeAll
  static void tools() {
    Tools.requireRoot();
    Tools.require("rdiff-backup", "setfacl", "strace");
    RewindJar.jar();
  }

  @AfterAll
  static void cleanUp() throws IOException {
    try (var children = Files.list(work)) { // names that are not UTF-8: delete byte-exact
      for (Path p : children.toList()) {
        TreeBuilder.deleteRecursively(p);
      }
    }
  }

  private static Tool writer(Order order, int session) {
    boolean odd = session % 2 == 1;
    return odd == (order == Order.REWIND_FIRST) ? Tool.REWIND : Tool.RDIFF_BACKUP;
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Order.class)
  void alternatingTools_everySessionRestoresWithBoth_unchangedSessionsWriteNothing_unchangedFilesNotRead(Order order) {
    Path dir = work.resolve(order.name());
    Path repo = dir.resolve("repo");
    SourceSeries series = SourceSeries.create(dir.resolve("src"));
    RdiffBackup rdiff = RdiffBackup.withTz(TZ);
    List<Executable> checks = new ArrayList<>(); // run here, in this JVM
    List<Executable> rdiffChecks = new ArrayList<>(); // rdiff-backup, run concurrently
    List<Long> listed = new ArrayList<>();
    for (int n = 1; n <= SESSIONS; n++) {
      series.next();
      long t = SourceSeries.time(n);
      Tool tool = writer(order, n);
      String context = order + " session " + n + " by " + tool;
      List<String> before = RepoChecks.dataDirNames(repo);
      if (tool == Tool.RDIFF_BACKUP) {
        rdiff.backup(series.source(), repo, t);
      } else if (n == 1) {
        rewindBackup(repo, series.source(), t, List.of(), context);
      } else {
        checks.add(RepoChecks.rethrowing(RepoChecks.failureOf(() -> rewindBackupReadsOnlyChangedFiles(series, repo, context))));
      }
      if (series.unchanged(n)) {
        int session = n;
        checks.add(RepoChecks.rethrowing(RepoChecks.failureOf(() -> assertWroteNothing(repo, session, tool, before, context))));
      } else if (n > 1) {
        listed.add(SourceSeries.time(n - 1)); // a session with changes lists the one before it
      }
    }
    listed.add(SourceSeries.time(SESSIONS)); // the current mirror
    rdiffChecks.add(() -> RepoChecks.assertListsSessions(rdiff, repo, withRewindsUnchangedSessions(order, series, listed), order.toString()));
    rdiffChecks.add(() -> rdiff.verify(repo));
    for (int n = 1; n <= SESSIONS; n++) {
      int session = n;
      long t = SourceSeries.time(n);
      String context = order + " session " + n + " (by " + writer(order, n) + ", --at " + t + ")";
      rdiffChecks.add(() -> assertSameTree(series.snapshot(session),
          RepoChecks.rdiffRestore(rdiff, repo, t, dir.resolve("rdiff-" + session)), context + ", rdiff-backup restore"));
      checks.add(() -> assertSameTree(series.snapshot(session),
          RepoChecks.rewindRestore(repo, t, dir.resolve("rewind-" + session), context), context + ", rewind restore"));
    }
    RepoChecks.assertAllConcurrently(order + ": alternating sessions", rdiffChecks, checks);
  }

  /**
   * rdiff-backup lists a session when the next session wrote its root {@code .dir} increment:
   * rdiff-backup does so when something changed, Rewind always.
   */
  private static List<Long> withRewindsUnchangedSessions(Order order, SourceSeries series, List<Long> listed) {
    TreeSet<Long> out = new TreeSet<>(listed);
    for (int n = 2; n <= SESSIONS; n++) {
      if (series.unchanged(n) && writer(order, n) == Tool.REWIND) {
        out.add(SourceSeries.time(n - 1));
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * A session without changes wrote, among the files named with the previous session's time,
   * only the empty metadata diff (plus the root {@code .dir} increment if Rewind made it), and
   * its statistics count no new, changed or deleted file.
   */
  private static void assertWroteNothing(Path repo, int session, Tool tool, List<String> before, String context) {
    SortedMap<Long, String> spellings = RepoChecks.sessionSpellings(repo);
    String previous = spellings.get(SourceSeries.time(session - 1));
    String current = spellings.get(SourceSeries.time(session));
    assertNotNull(previous, context + ": previous session's statistics");
    assertNotNull(current, context + ": this session's statistics");
    List<String> named = new ArrayList<>();
    for (String name : RepoChecks.dataDirNames(repo)) {
      if (!before.contains(name) && name.contains("." + previous + ".")) {
        named.add(name);
      }
    }
    named.remove("mirror_metadata." + previous + ".diff");
    named.remove("mirror_metadata." + previous + ".diff.gz");
    boolean rootDir = named.remove("increments." + previous + ".dir");
    assertAll(context + ": nothing written for a session without changes",
        () -> assertEquals(List.of(), named, "new data files named with the previous time " + previous),
        () -> assertEquals(tool == Tool.REWIND, rootDir, "root increments." + previous + ".dir (Rewind writes it every session)"),
        () -> assertEquals(List.of(), RepoChecks.incrementsNamed(repo, previous), "increments named " + previous),
        () -> assertEquals("", new String(nonNull(RepoChecks.metadataDiff(repo, previous)), StandardCharsets.UTF_8),
            "metadata diff " + previous),
        () -> {
          Map<String, String> stats = RepoChecks.sessionStatistics(repo, current);
          assertEquals(List.of("0", "0", "0"),
              List.of(stats.get("NewFiles"), stats.get("ChangedFiles"), stats.get("DeletedFiles")),
              "NewFiles, ChangedFiles, DeletedFiles in " + stats);
        });
  }

  private static byte[] nonNull(byte[] diff) {
    assertNotNull(diff, "no mirror_metadata diff (a snapshot was kept)");
    return diff;
  }

  /**
   * Runs a Rewind session under strace and checks what it opened in the source: only regular
   * files that changed since the previous session (nothing when nothing changed), and big.bin
   * whenever it changed.
   */
  private static void rewindBackupReadsOnlyChangedFiles(SourceSeries series, Path repo, String context) throws IOException {
    int n = series.sessions();
    Path trace = repo.resolveSibling("strace-" + n + ".log");
    List<String> strace = List.of("strace", "-f", "-qq", "-s", "65536", "-xx",
        "-e", "trace=open,openat,openat2,creat", "-o", trace.toString());
    rewindBackup(repo, series.source(), SourceSeries.time(n), strace, context);
    Set<String> opened = openedSourceFiles(trace, series.source());
    Set<String> allowed = RepoChecks.changedRegularFiles(series.snapshot(n - 1), series.snapshot(n));
    TreeSet<String> unexpected = new TreeSet<>(opened);
    unexpected.removeAll(allowed);
    assertEquals(Set.of(), unexpected, context + ": unchanged source files opened (changed: " + allowed + ")");
    if (allowed.contains("big.bin")) {
      assertTrue(opened.contains("big.bin"), context + ": the trace saw no read of the changed big.bin: " + opened);
    }
  }

  private static void rewindBackup(Path repo, Path src, long time, List<String> prefix, String context) {
    Proc.Result r = RewindJar.run(prefix, TZ, "--current-time", Long.toString(time), "backup", src.toString(), repo.toString());
    assertEquals(0, r.exitCode(), context + ": rewind backup exit code; stderr: " + r.stderr());
  }

  /** Source paths (escaped, relative) opened other than as directories, from an {@code strace -xx} log. */
  private static Set<String> openedSourceFiles(Path trace, Path source) throws IOException {
    byte[] prefix = TreeBuilder.path(Posix.bytes(source), new byte[0]); // with the trailing slash
    Set<String> out = new TreeSet<>();
    for (String line : Files.readAllLines(trace, StandardCharsets.ISO_8859_1)) {
      Matcher m = OPEN.matcher(line);
      if (!m.find() || m.group(2).contains("O_DIRECTORY")) {
        continue;
      }
      byte[] path = HexFormat.of().parseHex(m.group(1).replace("\\x", ""));
      if (path.length > prefix.length && java.util.Arrays.equals(path, 0, prefix.length, prefix, 0, prefix.length)) {
        out.add(TreeSnapshot.escape(java.util.Arrays.copyOfRange(path, prefix.length, path.length)));
      }
    }
    return out;
  }
}
