package dev.rewind.history;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RelPath;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import dev.rewind.testing.CacheWeights;
import dev.rewind.testing.HandMadeRepo;
import dev.rewind.testing.TreeBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionCacheTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private ExecutorService pool;
  private Scratch scratch;
  private History history;
  private HandMadeRepo repo;

  @BeforeEach
  void setUp() throws IOException {
    pool = Executors.newFixedThreadPool(2);
    repo = HandMadeRepo.twoSessions(dir.resolve("r"));
    Files.createDirectories(dir.resolve("cache"));
    scratch = Scratch.in(Posix.bytes(dir.resolve("cache")));
    history = History.open(Repository.open(Posix.bytes(repo.root())), scratch);
  }

  @AfterEach
  void tearDown() throws IOException {
    pool.shutdownNow();
    scratch.close();
  }

  private SessionTime t1() {
    return history.sessions().get(0);
  }

  private FileMeta meta(SessionTime s, String path) throws IOException {
    SessionIndex x = SessionIndex.build(history, s);
    return x.meta(x.hardLinkLeader(x.resolve(RelPath.of(path))));
  }

  private static byte[] readAll(Version v) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(100_000);
    for (long pos = 0; ; ) {
      buf.clear();
      int n = v.read(buf, pos);
      if (n == 0) {
        break;
      }
      out.write(buf.array(), 0, n);
      pos += n;
    }
    return out.toByteArray();
  }

  private int spillFiles() throws IOException {
    try (var s = Files.walk(dir.resolve("cache"))) {
      return (int) s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void open_newestSession_readsTheMirror() throws IOException {
    VersionCache c = new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 30, pool);
    try (Version v = c.open(history, meta(history.current(), "a.txt"), history.current(), WAIT)) {
      assertEquals(HandMadeRepo.A2, new String(readAll(v), StandardCharsets.UTF_8));
    }
    assertEquals(0, c.memoryBytes(), "nothing rebuilt");
  }

  @Test
  void open_olderVersion_rebuiltOnceInMemory() throws IOException {
    VersionCache c = new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 30, pool);
    FileMeta m = meta(t1(), "a.txt");
    try (Version v = c.open(history, m, t1(), WAIT)) {
      assertEquals(HandMadeRepo.A1, new String(readAll(v), StandardCharsets.UTF_8));
    }
    assertEquals(HandMadeRepo.A1.length(), CacheWeights.settled(c::memoryBytes, HandMadeRepo.A1.length()));
    Files.delete(repo.incrementPath("a.txt", HandMadeRepo.T1, "diff"));
    try (Version v = c.open(history, m, t1(), WAIT)) {
      assertEquals(HandMadeRepo.A1, new String(readAll(v), StandardCharsets.UTF_8), "served from the cache");
    }
  }

  @Test
  void open_deletedFileStoredAsPlainSnapshot_readsTheIncrement() throws IOException {
    VersionCache c = new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 30, pool);
    try (Version v = c.open(history, meta(t1(), "gone.txt"), t1(), WAIT)) {
      assertEquals("gone\n", new String(readAll(v), StandardCharsets.UTF_8));
    }
    assertEquals(0, c.memoryBytes());
  }

  @Test
  void open_largeOlderVersion_spilledAndDeletedOnClose() throws IOException {
    VersionCache c = new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 30, pool);
    byte[] expected = TreeBuilder.randomBytes(HandMadeRepo.BIG, 11);
    try (Version v = c.open(history, meta(t1(), "big.bin"), t1(), WAIT)) {
      assertArrayEquals(expected, readAll(v));
      ByteBuffer tail = ByteBuffer.allocate(10);
      assertEquals(10, v.read(tail, HandMadeRepo.BIG - 10));
      assertEquals(0, v.read(ByteBuffer.allocate(10), HandMadeRepo.BIG));
    }
    assertEquals(0, c.memoryBytes());
    assertEquals(0, spillFiles(), "spill files are unlinked once written");
    assertTrue(c.diskKib() >= HandMadeRepo.BIG / 1024, "counted against the disk budget");
    c.close();
    assertEquals(0, c.diskKib());
  }

  @Test
  void open_spillBudgetExceeded_evictedFileStillReadableByItsReader() throws IOException {
    VersionCache c = new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 20, pool); // 1 MiB disk < 3 MiB version
    byte[] expected = TreeBuilder.randomBytes(HandMadeRepo.BIG, 11);
    try (Version v = c.open(history, meta(t1(), "big.bin"), t1(), WAIT)) {
      assertArrayEquals(expected, readAll(v));
      assertEquals(0, c.diskKib(), "larger than the whole budget: not cached");
    }
  }

  @Test
  void open_manyReadersAtOnce_oneRebuild() throws Exception {
    VersionCache c = new VersionCache(scratch, 1 << 20, 1 << 10, 1 << 30, pool);
    FileMeta m = meta(t1(), "big.bin");
    ExecutorService readers = Executors.newFixedThreadPool(8);
    try {
      List<Future<byte[]>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        all.add(readers.submit(() -> {
          try (Version v = c.open(history, m, t1(), WAIT)) {
            return readAll(v);
          }
        }));
      }
      byte[] expected = TreeBuilder.randomBytes(HandMadeRepo.BIG, 11);
      for (Future<byte[]> f : all) {
        assertArrayEquals(expected, f.get());
      }
      assertEquals(HandMadeRepo.BIG / 1024 + 1, c.diskKib(), "rebuilt once");
    } finally {
      readers.shutdownNow();
    }
  }

  @Test
  void open_damagedIncrement_repositoryErrorNamingPathAndSession() throws IOException {
    VersionCache c = new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 30, pool);
    Files.write(repo.incrementPath("a.txt", HandMadeRepo.T1, "diff"), new byte[] {1, 2, 3, 4, 5});
    RepositoryException e = assertThrows(RepositoryException.class, () -> c.open(history, meta(t1(), "a.txt"), t1(), WAIT));
    assertTrue(e.getMessage().contains("a.txt"), e.getMessage());
    try (Version v = c.open(history, meta(t1(), "gone.txt"), t1(), WAIT)) {
      assertEquals(5, readAll(v).length, "other files are fine");
    }
  }

  @Test
  void open_mirrorReplacedByARunningBackup_rebuiltFromTheNewIncrement() throws IOException {
    VersionCache c = new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 30, pool);
    FileMeta m = meta(history.current(), "a.txt");
    try (Version v = c.open(history, m, history.current(), WAIT)) {
      readAll(v); // increments of the root are listed and cached now
    }
    // what a backup does: the increment of the current version first, then the new mirror file
    repo.increment("a.txt", HandMadeRepo.T2, "diff", HandMadeRepo.literalDelta(HandMadeRepo.bytes(HandMadeRepo.A2)));
    Files.delete(repo.root().resolve("a.txt"));
    repo.mirror("a.txt", HandMadeRepo.bytes("third version\n"), HandMadeRepo.T2 + 50);
    try (Version v = c.open(history, m, history.current(), WAIT)) {
      assertEquals(HandMadeRepo.A2, new String(readAll(v), StandardCharsets.UTF_8));
    }
  }

  @Test
  void open_rebuildSlowerThanTheTimeout_timesOut() throws IOException {
    ExecutorService stuck = Executors.newSingleThreadExecutor();
    try {
      stuck.submit(() -> {
        Thread.sleep(5000);
        return null;
      });
      VersionCache c = new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 30, stuck);
      assertThrows(IndexCache.TimeoutIOException.class, () -> c.open(history, meta(t1(), "a.txt"), t1(), Duration.ofMillis(200)));
    } finally {
      stuck.shutdownNow();
    }
    assertFalse(Thread.currentThread().isInterrupted());
  }
}
