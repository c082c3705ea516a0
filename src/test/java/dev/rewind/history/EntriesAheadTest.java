package dev.rewind.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import dev.rewind.testing.HandMadeRepo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metadata read on a thread of its own: every entry in order, its failures, and an early close. */
class EntriesAheadTest {
  private static final long T = HandMadeRepo.T1;

  @TempDir Path dir;

  /** A one-session repository whose metadata lists the root and {@code files} files (f00000, f00001, ...). */
  private MetadataChain chainOf(int files, List<String> extraRecords) throws IOException {
    List<String> records = new ArrayList<>();
    records.add(HandMadeRepo.dir(".", T, 0755));
    for (int i = 0; i < files; i++) {
      records.add(HandMadeRepo.reg(String.format("f%05d", i), new byte[0], T, 0644, 0, 0));
    }
    records.addAll(extraRecords);
    HandMadeRepo.at(dir.resolve("r")).metadata(T, "snapshot", records).marker(T);
    return MetadataChain.open(Repository.open(Posix.bytes(dir.resolve("r"))), new SessionTime(T, HandMadeRepo.time(T)));
  }

  private static boolean readerAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }

  @Test
  void next_manyBatches_givesEveryEntryOnceInIndexOrder() throws IOException {
    List<String> paths = new ArrayList<>();
    try (EntriesAhead entries = EntriesAhead.start(chainOf(5000, List.of()), "test-reader-all")) {
      for (List<FileMeta> batch = entries.next(); batch != null; batch = entries.next()) {
        batch.forEach(m -> paths.add(m.path().toString()));
      }
      assertEquals(null, entries.next(), "stays at the end");
    }
    assertEquals(5001, paths.size());
    assertEquals(".", paths.get(0));
    assertEquals("f04999", paths.get(5000));
    assertTrue(paths.subList(1, paths.size()).stream().sorted().toList().equals(paths.subList(1, paths.size())));
  }

  @Test
  void next_metadataOutOfOrderAfterSomeBatches_throwsTheReadersRepositoryException() throws IOException {
    List<String> bad = List.of(HandMadeRepo.reg("a-too-late", new byte[0], T, 0644, 0, 0));
    try (EntriesAhead entries = EntriesAhead.start(chainOf(3000, bad), "test-reader-bad")) {
      List<FileMeta> first = entries.next();
      assertEquals(2048, first.size(), "the entries before the damage come through");
      RepositoryException e = assertThrows(RepositoryException.class, () -> {
        while (entries.next() != null) {
          // the damage is at the end
        }
      });
      assertTrue(e.getMessage().contains("a-too-late"), e.getMessage());
    }
  }

  @Test
  void close_beforeTheEnd_stopsTheReadingThread() throws IOException {
    String name = "test-reader-early-close";
    EntriesAhead entries = EntriesAhead.start(chainOf(40_000, List.of()), name);
    assertEquals(2048, entries.next().size());
    entries.close(); // the reader is blocked on a full queue by now, or about to be
    assertFalse(readerAlive(name), "the reading thread ended");
  }
}
