package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Retention} on hand-made repository layouts (names only: it never reads content). The
 * interop test checks the result with rdiff-backup.
 */
class RetentionTest {
  private static final String T1 = "2024-03-29T09:13:20+01:00";
  private static final String T2 = "2024-04-01T11:00:00+02:00";
  private static final String T3 = "2024-04-02T11:00:00+02:00";
  private static final String T4 = "2024-04-03T11:00:00+02:00";
  private static final long E3 = 1712048400L;
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(E3 + 86400), ZoneId.of("Europe/Berlin"));

  @TempDir Path tmp;
  private Path repo;
  private Path data;

  @BeforeEach
  void layout() throws IOException {
    repo = tmp.resolve("repo");
    data = repo.resolve("rdiff-backup-data");
    files(
        "current_mirror." + T4 + ".data",
        "mirror_metadata." + T1 + ".diff.gz", "mirror_metadata." + T2 + ".diff",
        "mirror_metadata." + T3 + ".diff.gz", "mirror_metadata." + T4 + ".snapshot.gz",
        "increments." + T1 + ".dir", "increments." + T2 + ".dir", // T3 changed nothing: no root increment
        "extended_attributes." + T1 + ".snapshot", "extended_attributes." + T4 + ".snapshot",
        "access_control_lists." + T2 + ".snapshot.gz", "session_statistics." + T1 + ".data",
        "session_statistics." + T3 + ".data", "file_statistics." + T2 + ".data.gz", "error_log." + T1 + ".data",
        "chars_to_quote", "special_escapes", "backup.log", "lock.yml", "rdiff-backup.tmp.3",
        "increments/big.bin." + T1 + ".diff.gz", "increments/big.bin." + T3 + ".diff.gz",
        "increments/gone." + T2 + ".snapshot.gz",
        "increments/old_dir." + T1 + ".dir", "increments/old_dir/x." + T1 + ".snapshot.gz",
        "increments/old_dir/deeper/y." + T2 + ".missing",
        "increments/kept/z." + T3 + ".missing", "increments/kept/w." + T1 + ".diff",
        "increments/fake.2020-01-01T00:00:00Z.dir/inside." + T3 + ".diff",
        "long_filename_data/next_free", "long_filename_data/1", "long_filename_data/1." + T1 + ".diff.gz",
        "long_filename_data/1." + T3 + ".diff.gz");
    Files.createDirectories(data.resolve("increments/perms/private_dir")); // rdiff-backup's empty probe dirs
    Files.createDirectories(data.resolve("increments/fake.2020-01-01T00:00:00Z.missing"));
    Files.createSymbolicLink(data.resolve("increments/sym." + T1 + ".snapshot"), Path.of("plain.txt"));
  }

  private void files(String... names) throws IOException {
    for (String n : names) {
      Path p = data.resolve(n);
      Files.createDirectories(p.getParent());
      Files.write(p, new byte[] {1, 2, 3});
    }
  }

  private TreeSet<String> tree() throws IOException {
    TreeSet<String> out = new TreeSet<>();
    try (Stream<Path> all = Files.walk(data)) {
      all.filter(p -> !p.equals(data)).forEach(p -> out.add(data.relativize(p) + (Files.isDirectory(p) ? "/" : "")));
    }
    return out;
  }

  private Retention retention() throws IOException {
    return Retention.of(Repository.open(Posix.bytes(repo)));
  }

  private Retention.Result remove(long olderThan) throws IOException {
    Retention r = retention();
    try (RepositoryLock lock = RepositoryLock.acquire(Posix.bytes(data), "remove", CLOCK)) {
      return r.remove(r.plan(olderThan), lock);
    }
  }

  private static List<String> spellings(List<SessionTime> s) {
    return s.stream().map(SessionTime::spelling).toList();
  }

  @Test
  void plan_olderThanT3_removesT1AndT2AndKeepsTheRest() throws IOException {
    Retention.Plan plan = retention().plan(E3);
    assertEquals(List.of(T1, T2), spellings(plan.removed()));
    assertEquals(List.of(T3, T4), spellings(plan.kept()));
    assertEquals(T3, plan.cutoff().spelling());
  }

  @Test
  void plan_olderThanTheFuture_neverRemovesTheCurrentMirror() throws IOException {
    Retention.Plan plan = retention().plan(Long.MAX_VALUE);
    assertEquals(List.of(T1, T2, T3), spellings(plan.removed()));
    assertEquals(List.of(T4), spellings(plan.kept()));
  }

  @Test
  void plan_olderThanTheFirstSession_removesNothing() throws IOException {
    assertEquals(List.of(), retention().plan(1711700000L).removed());
  }

  @Test
  void remove_olderThanT3_deletesExactlyTheOlderIncrementStyleFilesAndEmptyDirectories() throws IOException {
    Retention.Result result = remove(E3);
    assertEquals(List.of(T1, T2), spellings(result.removed()));
    TreeSet<String> expected = new TreeSet<>(List.of(
        "current_mirror." + T4 + ".data", "mirror_metadata." + T3 + ".diff.gz", "mirror_metadata." + T4 + ".snapshot.gz",
        "extended_attributes." + T4 + ".snapshot", "session_statistics." + T3 + ".data",
        "chars_to_quote", "special_escapes", "backup.log", "lock.yml", "rdiff-backup.tmp.3",
        "increments/", "increments/big.bin." + T3 + ".diff.gz", "increments/kept/", "increments/kept/z." + T3 + ".missing",
        "increments/fake.2020-01-01T00:00:00Z.dir/", "increments/fake.2020-01-01T00:00:00Z.dir/inside." + T3 + ".diff",
        "long_filename_data/", "long_filename_data/next_free", "long_filename_data/1",
        "long_filename_data/1." + T3 + ".diff.gz"));
    assertEquals(expected, tree());
    // 17 files (one a symlink, no bytes) and 5 directories: old_dir/deeper, old_dir, perms/private_dir, perms,
    // and the directory named like a .missing increment, which is just an empty directory
    assertEquals(17, result.files());
    assertEquals(5, result.directories());
    assertEquals(16 * 3, result.bytes());
  }

  @Test
  void remove_nothingOldEnough_touchesNothing() throws IOException {
    TreeSet<String> before = tree();
    Retention.Result result = remove(1711700000L);
    assertEquals(List.of(), result.removed());
    assertEquals(0, result.files());
    assertEquals(before, tree());
  }

  @Test
  void remove_leftoversOfAnInterruptedRemoval_goWithTheNextOne() throws IOException {
    // an earlier removal of T1 stopped after forgetting it: only its other files are left
    Files.delete(data.resolve("increments." + T1 + ".dir"));
    Files.delete(data.resolve("mirror_metadata." + T1 + ".diff.gz"));
    Retention r = retention();
    assertEquals(List.of(T2, T3, T4), spellings(r.sessions()), "T1 is forgotten");
    remove(E3);
    assertTrue(tree().stream().noneMatch(n -> n.contains(T1)), tree().toString());
  }

  @Test
  void of_twoMarkers_refusesAndSaysToRegress() throws IOException {
    files("current_mirror." + T3 + ".data");
    RepositoryException e = assertThrows(RepositoryException.class, this::retention);
    assertEquals("cannot remove increments from '" + repo + "': its backup session " + T4 + " did not finish"
        + " (two current_mirror markers); regress it first ('rdiff-backup regress')", e.getMessage());
  }

  @Test
  void of_noMarker_refuses() throws IOException {
    Files.delete(data.resolve("current_mirror." + T4 + ".data"));
    RepositoryException e = assertThrows(RepositoryException.class, this::retention);
    assertTrue(e.getMessage().contains("no current_mirror marker"), e.getMessage());
  }

  @Test
  void remove_withoutLock_isAProgrammingError() throws IOException {
    Retention r = retention();
    assertThrows(IllegalArgumentException.class, () -> r.remove(r.plan(E3), null));
    try (RepositoryLock shared = RepositoryLock.acquireShared(Posix.bytes(data), CLOCK)) {
      assertThrows(IllegalArgumentException.class, () -> r.remove(r.plan(E3), shared));
    }
  }

  @Test
  void remove_quotedRepository_unquotesTimesBeforeComparing() throws IOException {
    Path q = tmp.resolve("quoted/rdiff-backup-data");
    Files.createDirectories(q.resolve("increments"));
    Files.writeString(q.resolve("chars_to_quote"), "A-Z");
    String t1 = T1.replace("T", ";084");
    String t4 = T4.replace("T", ";084");
    for (String n : List.of("current_mirror." + t4 + ".data", "mirror_metadata." + t1 + ".diff.gz",
        "mirror_metadata." + t4 + ".snapshot.gz", "increments." + t1 + ".dir",
        "increments/;085pper.;084;088;084." + t1 + ".snapshot.gz", "increments/;085pper.;084;088;084." + t4 + ".diff.gz")) {
      Files.write(q.resolve(n), new byte[0]);
    }
    Retention r = Retention.of(Repository.open(Posix.bytes(q.getParent())));
    try (RepositoryLock lock = RepositoryLock.acquire(Posix.bytes(q), "remove", CLOCK)) {
      assertEquals(3, r.remove(r.plan(Long.MAX_VALUE), lock).files());
    }
    try (Stream<Path> left = Files.walk(q)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(t1)));
    }
    assertTrue(Files.exists(q.resolve("increments/;085pper.;084;088;084." + t4 + ".diff.gz")));
  }
}
