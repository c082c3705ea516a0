package dev.rewind.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.RepositoryException;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import dev.rewind.testing.CacheWeights;
import dev.rewind.testing.HandMadeRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexCacheTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private ExecutorService pool;
  private History history;

  @BeforeEach
  void setUp() throws IOException {
    pool = Executors.newFixedThreadPool(2);
    HandMadeRepo.twoSessions(dir.resolve("r"));
    history = History.open(Repository.open(Posix.bytes(dir.resolve("r"))), Scratch.in(Posix.bytes(dir)));
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void beforeWait_runsWhenABuildIsAwaited_notOnAHit() throws Exception {
    java.util.concurrent.CountDownLatch hookRan = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger waits = new java.util.concurrent.atomic.AtomicInteger();
    // the build cannot finish before the caller has decided to wait: it starts once the hook ran
    java.util.concurrent.Executor afterHook = r -> pool.execute(() -> {
      try {
        hookRan.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      r.run();
    });
    IndexCache c = new IndexCache(64 << 20, afterHook, () -> {
      waits.incrementAndGet();
      hookRan.countDown();
    });
    SessionIndex a = c.get(history, history.current(), WAIT);
    assertSame(a, c.get(history, history.current(), WAIT));
    assertEquals(1, waits.get(), "once for the build, not for the cached index");
  }

  @Test
  void get_twice_builtOnceAndWeighed() throws IOException {
    IndexCache c = new IndexCache(64 << 20, pool);
    SessionIndex a = c.get(history, history.current(), WAIT);
    assertSame(a, c.get(history, history.current(), WAIT));
    assertTrue(c.contains(history, history.current()));
    assertEquals(a.bytes(), CacheWeights.settled(c::bytes, a.bytes()));
    SessionIndex old = c.get(history, history.sessions().get(0), WAIT);
    assertEquals(a.bytes() + old.bytes(), CacheWeights.settled(c::bytes, a.bytes() + old.bytes()));
  }

  @Test
  void get_indexLargerThanTheBudget_keptAsideAndReused() throws IOException {
    IndexCache c = new IndexCache(1024, pool);
    SessionIndex a = c.get(history, history.current(), WAIT);
    assertSame(a, c.get(history, history.current(), WAIT));
    assertEquals(0, c.bytes(), "not in the cache itself");
  }

  @Test
  void get_unreadableMetadata_repositoryErrorAndNotCached() throws IOException {
    IndexCache c = new IndexCache(64 << 20, pool);
    Path meta = dir.resolve("r/rdiff-backup-data/mirror_metadata." + HandMadeRepo.time(HandMadeRepo.T2) + ".snapshot");
    byte[] good = Files.readAllBytes(meta);
    Files.write(meta, "File b\n  Type reg\nFile a\n  Type reg\n".getBytes());
    assertThrows(RepositoryException.class, () -> c.get(history, history.current(), WAIT));
    Files.write(meta, good);
    assertEquals(0, c.get(history, history.current(), WAIT).resolve(dev.rewind.core.RelPath.ROOT), "built again once repaired");
  }
}
