package dev.rewind.restore;

import static dev.rewind.testing.TreeSnapshot.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.posix.Posix;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SampleRepos;
import dev.rewind.testing.SampleRepos.Sample;
import dev.rewind.testing.SampleRepos.Session;
import dev.rewind.testing.SampleRepos.Variant;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code rewind restore} (the packaged jar, run as users run it) fails on bad input: exit
 * code 1 with a single stderr line naming the culprit when nothing can be restored, exit code 4
 * when some files could not be restored (each named with its session) and the rest was.
 */
@Tag("interop")
class RestoreErrorsIT {
  private static final String TZ = "Europe/Berlin";
  @TempDir static Path work;
  private static Sample sample;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  @BeforeAll
  static void buildSample() {
    Tools.requireRoot();
    Tools.require("rdiff-backup", "setfacl");
    RewindJar.jar();
    sample = SampleRepos.build(Variant.DEFAULT, work.resolve("sample"));
  }

  @AfterAll
  static void cleanUp() throws IOException {
    try (Stream<Path> children = Files.list(work)) {
      for (Path p : children.toList()) {
        TreeBuilder.deleteRecursively(p);
      }
    }
  }

  /** A private copy of the sample repository to damage ({@code cp -a} keeps every name and node). */
  private static Path copyOfRepo() {
    Path copy = work.resolve("repo-copy-" + COUNTER.incrementAndGet());
    Proc.run(List.of("cp", "-a", sample.repo().toString(), copy.toString()), null, Map.of(),
        Duration.ofSeconds(60)).expect(0);
    return copy;
  }

  private static Path newTarget() {
    return work.resolve("out-" + COUNTER.incrementAndGet());
  }

  private static List<String> lines(String stderr) {
    return stderr.lines().filter(l -> !l.isBlank()).toList();
  }

  private static Path dataFile(Path repo, String prefix, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(repo.resolve("rdiff-backup-data"))) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(suffix))
          .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + "*" + suffix + " in " + repo));
    }
  }

  @Test
  void restore_notARepository_exits1WithOneLineNamingThePath() throws IOException {
    Path notRepo = work.resolve("not-a-repo-" + COUNTER.incrementAndGet());
    Files.createDirectories(notRepo.resolve("some/dir"));
    Path target = newTarget();

    Proc.Result r = RewindJar.run(TZ, "restore", "--at", "now", notRepo.toString(), target.toString());

    assertEquals(1, r.exitCode(), "exit code; stderr: " + r.stderr());
    List<String> err = lines(r.stderr());
    assertEquals(1, err.size(), "exactly one stderr line, got: " + r.stderr());
    assertTrue(err.get(0).contains(notRepo.toString()), "names the path: " + err.get(0));
    assertNull(Posix.lstatOrNull(Posix.bytes(target)), "nothing created at the target");
  }

  @Test
  void restore_truncatedDiffIncrement_exits4NamesFileAndSessionAndRestoresTheRest() throws IOException {
    Path repo = copyOfRepo();
    Session s1 = sample.session(1);
    // big.bin at T1 = patch(patch(...mirror..., inc T2), inc T1): damage the T2 delta, which the
    // restore of session 1 needs; the session's own spelling then differs from the bad file's
    Path inc = repo.resolve("rdiff-backup-data/increments/big.bin.2024-03-30T09:13:20+01:00.diff.gz");
    assertTrue(Files.isRegularFile(inc), "sample layout changed: " + inc);
    try (RandomAccessFile f = new RandomAccessFile(inc.toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
    Path target = newTarget();

    Proc.Result r = RewindJar.run(TZ, "restore", "--at", Long.toString(s1.time()), repo.toString(), target.toString());

    assertEquals(4, r.exitCode(), "exit code (partial); stderr: " + r.stderr());
    String bad = lines(r.stderr()).stream().filter(l -> l.contains("big.bin")).findFirst()
        .orElseThrow(() -> new AssertionError("stderr does not name big.bin: " + r.stderr()));
    assertTrue(bad.length() < 500, "one readable line: " + bad);
    assertTrue(r.stderr().contains("2024-03-29T09:13:20+01:00") || r.stderr().contains(Long.toString(s1.time())),
        "names the session restored: " + r.stderr());
    assertSameTree(s1.source().without("big.bin".getBytes()), TreeSnapshot.capture(target),
        "everything but big.bin restored, and no half-written big.bin");
  }

  @Test
  void restore_missingMirrorFile_exits4NamingTheFile() throws IOException {
    Path repo = copyOfRepo();
    Files.delete(repo.resolve("plain.txt"));
    Session last = sample.last();
    Path target = newTarget();

    Proc.Result r = RewindJar.run(TZ, "restore", "--at", Long.toString(last.time()), repo.toString(), target.toString());

    assertEquals(4, r.exitCode(), "exit code (partial); stderr: " + r.stderr());
    assertTrue(lines(r.stderr()).stream().anyMatch(l -> l.contains("plain.txt")), "names plain.txt: " + r.stderr());
    assertSameTree(last.source().without("plain.txt".getBytes()), TreeSnapshot.capture(target),
        "everything but plain.txt restored");
  }

  @Test
  void restore_corruptMirrorMetadata_exits1WithOneLineNamingTheFile() throws IOException {
    Path repo = copyOfRepo();
    Path meta = dataFile(repo, "mirror_metadata.", ".snapshot.gz");
    byte[] bytes = Files.readAllBytes(meta);
    // keep the gzip header, cut the deflate stream in the middle
    try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
      f.setLength(Math.max(20, bytes.length / 3));
    }
    assertRestoreFailsInOneLineNaming(repo, meta);
  }

  @Test
  void restore_garbageMirrorMetadata_exits1WithOneLineNamingTheFile() throws IOException {
    Path repo = copyOfRepo();
    Path meta = dataFile(repo, "mirror_metadata.", ".snapshot.gz");
    Files.write(meta, "this is not gzip at all\n".getBytes());
    assertRestoreFailsInOneLineNaming(repo, meta);
  }

  /** {@code rewind restore --at now} of {@code repo} exits 1 with exactly one stderr line, which names {@code file}. */
  private void assertRestoreFailsInOneLineNaming(Path repo, Path file) throws IOException {
    Path target = newTarget();

    Proc.Result r = RewindJar.run(TZ, "restore", "--at", "now", repo.toString(), target.toString());

    assertEquals(1, r.exitCode(), "exit code; stderr: " + r.stderr());
    List<String> err = lines(r.stderr());
    assertEquals(1, err.size(), "exactly one stderr line, got: " + r.stderr());
    assertTrue(err.get(0).contains(file.getFileName().toString()), "names " + file.getFileName() + ": " + err.get(0));
  }

  @Test
  void restore_targetDirectoryNotEmpty_exits1AndLeavesItAlone() throws IOException {
    Path target = newTarget();
    Files.createDirectories(target);
    Files.writeString(target.resolve("precious.txt"), "keep me\n");
    TreeSnapshot before = TreeSnapshot.capture(target);

    Proc.Result r = RewindJar.run(TZ, "restore", "--at", "now", sample.repo().toString(), target.toString());

    assertEquals(1, r.exitCode(), "exit code; stderr: " + r.stderr());
    List<String> err = lines(r.stderr());
    assertEquals(1, err.size(), "exactly one stderr line, got: " + r.stderr());
    assertTrue(err.get(0).contains(target.toString()), "names the target: " + err.get(0));
    assertSameTree(before, TreeSnapshot.capture(target), "target untouched");
  }

  @Test
  void restore_targetIsAFile_exits1AndLeavesItAlone() throws IOException {
    Path target = newTarget();
    Files.writeString(target, "keep me\n");

    Proc.Result r = RewindJar.run(TZ, "restore", "--at", "now", sample.repo().toString(), target.toString());

    assertEquals(1, r.exitCode(), "exit code; stderr: " + r.stderr());
    assertEquals(1, lines(r.stderr()).size(), "exactly one stderr line, got: " + r.stderr());
    assertEquals("keep me\n", Files.readString(target));
  }

  @Test
  void restore_emptyTargetDirectory_isAllowed() throws IOException {
    Path target = newTarget();
    Files.createDirectories(target);

    Proc.Result r = RewindJar.run(TZ, "restore", "--at", Long.toString(sample.last().time()),
        sample.repo().toString(), target.toString());

    assertEquals(0, r.exitCode(), "exit code; stderr: " + r.stderr());
    assertSameTree(sample.last().source(), TreeSnapshot.capture(target), "restore into an empty directory");
  }
}
