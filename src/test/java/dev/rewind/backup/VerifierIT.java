package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.cli.Main;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.MetadataChain;
import dev.rewind.history.Scratch;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import dev.rewind.repo.TimeStrings;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SampleRepos.Sample;
import dev.rewind.testing.SampleRepos.Session;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rewind verify} and {@link Verifier} on a repository written by rdiff-backup 2.2.2: every
 * session of a good repository verifies, and damage to a mirror file, to a reverse delta and to
 * the increment of a hard link that has no digest of its own is found, every damaged file named
 * with the session, the same damage that rdiff-backup's own verify finds.
 */
@Tag("interop")
class VerifierIT {
  private static final String TZ = "Europe/Berlin";
  private static Sample sample;
  @TempDir Path work;

  @BeforeAll
  static void sample() {
    Tools.requireRoot();
    Tools.require("rdiff-backup", "setfacl");
    sample = RetentionSample.get();
  }

  private static String spelling(Session s) {
    return TimeStrings.format(s.time(), ZoneId.of(TZ), false);
  }

  @Test
  void verify_everySessionOfAGoodRepository_checksEveryRegularFileAndPasses() throws IOException {
    List<Executable> checks = new ArrayList<>();
    try (Scratch scratch = Scratch.in(Posix.bytes(work))) {
      History h = History.open(Repository.open(Posix.bytes(sample.repo())), scratch);
      for (Session s : sample.sessions()) {
        SessionTime at = h.sessionAt(s.time());
        Verifier.Report two = new Verifier(h, 2).verify(at, RelPath.ROOT);
        long[] expected = regularFiles(s.source());
        checks.add(() -> assertEquals(List.of(), two.failures(), "session " + s.number()));
        checks.add(() -> assertEquals(expected[0], two.files(), "regular files at session " + s.number()));
        checks.add(() -> assertEquals(expected[1], two.bytes(), "their bytes at session " + s.number()));
        checks.add(() -> assertEquals(0, two.withoutDigest(), "every file has a digest, at least through its group"));
        if (s.number() == 1) {
          Verifier.Report one = new Verifier(h, 1).verify(at, RelPath.ROOT);
          checks.add(() -> assertEquals(one, two, "the report does not depend on the number of workers"));
        }
      }
      for (Session s : List.of(sample.session(1), sample.last())) {
        int exit = Main.run("verify", "--at", Long.toString(s.time()), sample.repo().toString());
        checks.add(() -> assertEquals(0, exit, "rewind verify --at session " + s.number()));
      }
    }
    assertAll(checks);
  }

  private static long[] regularFiles(TreeSnapshot tree) {
    long files = 0;
    long bytes = 0;
    for (byte[] p : tree.paths()) {
      TreeSnapshot.Entry e = tree.get(p);
      if (e.type() == FileType.REGULAR) {
        files++;
        bytes += e.size();
      }
    }
    return new long[] {files, bytes};
  }

  @Test
  void verify_flippedByteInMirrorFileAndInIncrement_namesBothWithTheSessionAndExits4() throws IOException {
    Path repo = RetentionSample.copyOfRepo(work.resolve("damaged"));
    Session t2 = sample.session(2);
    flipByte(repo.resolve("sub/plain_in_sub.txt"), 0);
    Path delta = repo.resolve("rdiff-backup-data/increments/big.bin." + spelling(t2) + ".diff.gz");
    flipByte(delta, Files.size(delta) / 2);

    Proc.Result atT2 = RewindJar.run(TZ, "verify", "--at", Long.toString(t2.time()), repo.toString());
    List<String> lines = atT2.stderr().lines().toList();
    assertEquals(4, atT2.exitCode(), atT2.stderr());
    assertEquals(3, lines.size(), atT2.stderr());
    // the damaged delta may fail to decode or decode to wrong bytes: either way the file and session are named
    assertTrue(lines.get(0).startsWith("rewind: error: ") && lines.get(0).contains("'big.bin' at session " + spelling(t2)),
        lines.get(0));
    assertTrue(lines.get(1).startsWith("rewind: error: rebuilt 'sub/plain_in_sub.txt' at session " + spelling(t2)
        + " does not match its recorded SHA-1"), lines.get(1));
    assertTrue(lines.get(2).startsWith("rewind: Verification found 2 potentially corrupted files ("), lines.get(2));
    assertEquals("", atT2.out());

    Proc.Result now = RewindJar.run(TZ, "verify", repo.toString());
    assertEquals(4, now.exitCode(), now.stderr());
    assertTrue(now.stderr().contains("'sub/plain_in_sub.txt' at session " + spelling(sample.last())), now.stderr());
    assertTrue(now.stderr().contains("found 1 potentially corrupted files"), now.stderr());

    Proc.Result oracle = sample.rdiff().run(List.of(), "verify", List.of("--at", Long.toString(t2.time()), repo.toString()));
    assertNotEquals(0, oracle.exitCode(), "rdiff-backup finds the damage too: " + oracle.stderr());
  }

  /**
   * {@code sub/hl_3} is a hard link of {@code hl_1}; rdiff-backup records the digest on {@code
   * hl_1} only. Its own increment is replaced by a valid delta to content of the same size: only
   * the group's digest can tell.
   */
  @Test
  void verify_hardLinkWithoutOwnDigest_isCheckedAgainstItsGroupsDigest() throws IOException {
    Path repo = RetentionSample.copyOfRepo(work.resolve("hardlink"));
    Session t5 = sample.session(5);
    FileMeta hl3 = entry(repo, t5, "sub/hl_3");
    assertTrue(hl3.isHardLinked());
    assertNull(hl3.sha1(), "the premise: no digest of its own");
    byte[] forged = "HARD LINKED CONTENT\n".getBytes(StandardCharsets.US_ASCII);
    assertEquals(hl3.size(), forged.length);
    Files.write(repo.resolve("rdiff-backup-data/increments/sub/hl_3." + spelling(t5) + ".diff.gz"), literalDelta(forged));

    Proc.Result r = RewindJar.run(TZ, "verify", "--at", Long.toString(t5.time()), repo.toString());
    assertEquals(4, r.exitCode(), r.stderr());
    assertTrue(r.stderr().startsWith("rewind: error: rebuilt 'sub/hl_3' at session " + spelling(t5)
        + " does not match its recorded SHA-1"), r.stderr());
    assertTrue(r.stderr().contains("found 1 potentially corrupted files"), r.stderr());
    Proc.Result oracle = sample.rdiff().run(List.of(), "verify", List.of("--at", Long.toString(t5.time()), repo.toString()));
    assertNotEquals(0, oracle.exitCode(), "rdiff-backup also uses the group's digest: " + oracle.stderr());
  }

  @Test
  void verify_subdirectory_checksOnlyThatSubtreeWithDigestsOfHardLinksOutsideIt() throws IOException {
    try (Scratch scratch = Scratch.in(Posix.bytes(work))) {
      History h = History.open(Repository.open(Posix.bytes(sample.repo())), scratch);
      Verifier.Report r = new Verifier(h, 2).verify(h.current(), RelPath.of("sub"));
      assertEquals(2, r.files(), "sub/plain_in_sub.txt and sub/hl_3");
      assertEquals(0, r.withoutDigest(), "sub/hl_3 has its group's digest (on hl_1)");
      assertTrue(r.isClean());
    }
    assertEquals(0, Main.run("verify", sample.repo().resolve("sub").toString()));
    assertEquals(1, Main.run("verify", work.resolve("not-a-repository").toString()));
  }

  private static FileMeta entry(Path repo, Session s, String path) throws IOException {
    try (Scratch scratch = Scratch.in(Posix.bytes(repo.getParent()))) {
      History h = History.open(Repository.open(Posix.bytes(repo)), scratch);
      try (MetadataChain c = h.entries(h.sessionAt(s.time()))) {
        for (FileMeta m = c.next(); m != null; m = c.next()) {
          if (m.path().equals(RelPath.of(path))) {
            return m;
          }
        }
      }
    }
    throw new AssertionError(path + " not found at session " + s.number());
  }

  /** A gzipped librsync delta that ignores its basis: magic, one LITERAL command, END. */
  private static byte[] literalDelta(byte[] content) throws IOException {
    assertTrue(content.length >= 1 && content.length <= 64, "single-byte literal command");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(new byte[] {0x72, 0x73, 0x02, 0x36, (byte) content.length});
      gz.write(content);
      gz.write(0);
    }
    return out.toByteArray();
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0xff);
    }
  }
}
