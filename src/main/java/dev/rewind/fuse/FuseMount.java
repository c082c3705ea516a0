package dev.rewind.fuse;

import dev.rewind.history.IndexCache;
import dev.rewind.history.Scratch;
import dev.rewind.history.VersionCache;
import dev.rewind.posix.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * One mount of a root directory of repositories: builds the view (hosts, caches, the FUSE
 * adapter), serves it until it is unmounted, and cleans up (open files, cached versions, the
 * private cache directory). {@link #run} blocks in libfuse's loop; {@link #unmount} (from a
 * signal handler or another thread) ends it.
 */
public final class FuseMount implements AutoCloseable {
  private final byte[] root;
  private final Path mountpoint;
  private final MountOptions options;
  private final MountLog log;
  private final Scratch cache;
  private final ExecutorService workers;
  private final VersionCache versions;
  private final RewindFs fs;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);

  /**
   * The clock and the wait hook (a request about to wait for an index build or a rebuild hands
   * reading over to another thread) as single instances: the warm-up's tree gets the same ones,
   * so the code the JIT compiles for it is the code the mount runs (a lambda of another class at
   * the same call site would throw that code away on the first real request).
   */
  static final LongSupplier NANO_CLOCK = System::nanoTime;
  static final Runnable MAY_BLOCK = FuseLoop::mayBlock;

  /**
   * Prepares a mount; nothing is read from the repositories yet.
   *
   * @param root the directory of repositories (or one repository), as bytes
   * @param mountpoint an existing empty directory
   * @param onReady called once the kernel has the mount
   */
  public FuseMount(byte[] root, Path mountpoint, MountOptions options, IdMapping ids, MountLog log, Runnable onReady) {
    this.root = root.clone();
    this.mountpoint = mountpoint.toAbsolutePath().normalize();
    this.options = options;
    this.log = log;
    this.cache = Scratch.in(Posix.bytes(options.cacheDir()));
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newFixedThreadPool(options.threads(), r -> {
      Thread t = new Thread(r, "rewind-rebuild-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    IndexCache indexes = new IndexCache(options.indexBytes(), workers, MAY_BLOCK);
    this.versions = new VersionCache(cache, options.memoryBytes(), options.memoryMaxFile(), options.diskBytes(), workers,
        MAY_BLOCK);
    Hosts hosts = new Hosts(this.root, cache, options.zone(), NANO_CLOCK, options.refresh().toNanos(), log);
    HistoryTree tree = new HistoryTree(hosts, indexes, versions, ids, options.timeout(), System.currentTimeMillis() / 1000,
        NANO_CLOCK, options.refresh());
    this.fs = new RewindFs(tree, log, () -> warmUpThenReport(ids, onReady));
  }

  /**
   * Called from libfuse's init (on the request loop, which must not wait): on another thread,
   * warms up the request path ({@link MountWarmUp}) and then reports the mount ready. Requests
   * that come meanwhile are served as usual.
   */
  private void warmUpThenReport(IdMapping ids, Runnable onReady) {
    Thread t = new Thread(() -> {
      try {
        if (options.warmUp()) {
          long start = System.nanoTime();
          int calls = MountWarmUp.run(options, ids, log);
          log.info(String.format(java.util.Locale.ROOT, "warm-up: %d synthetic lookups in %.2f s", calls,
              (System.nanoTime() - start) / 1e9));
        }
      } finally {
        ready.countDown();
        onReady.run();
      }
    }, "rewind-warm-up");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Mounts and serves until unmounted ({@code umount}, {@code fusermount -u}, {@link #unmount}).
   *
   * @throws IOException when libfuse cannot mount (its reason is on stderr)
   */
  public void run() throws IOException {
    // jnr-ffi hands Strings to C in the default charset: Latin-1 chars stand for the raw bytes
    String[] args = {"rewind", "-f", latin1(Posix.bytes(mountpoint)), "-o", options.fuseOptionString(latin1(root))};
    try {
      FuseLoop.run(fs, args, Math.max(4, options.threads() * 4), options.readdirPlus(), options.keepStableSeconds());
    } catch (IOException e) {
      throw new IOException("cannot mount on '" + mountpoint + "': " + e.getMessage(), e);
    } finally {
      finished.countDown();
    }
  }

  /** Whether the kernel has the mount (libfuse called {@code init}). */
  public boolean isReady() {
    return ready.getCount() == 0;
  }

  /**
   * Unmounts: {@code fusermount -u}, and if the mount is busy a lazy {@code fusermount -u -z};
   * then waits up to {@code wait} for the serving loop to end.
   */
  public void unmount(Duration wait) {
    if (finished.getCount() == 0) {
      return;
    }
    if (!fusermount(List.of("-u")) && !fusermount(List.of("-u", "-z"))) {
      log.warn("could not unmount '" + mountpoint + "'");
    }
    try {
      finished.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean fusermount(List<String> flags) {
    List<String> cmd = new java.util.ArrayList<>(List.of("fusermount"));
    cmd.addAll(flags);
    cmd.add(mountpoint.toString());
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Releases open files, cached versions and the private cache directory. */
  @Override
  public void close() {
    fs.closeAll();
    versions.close();
    workers.shutdownNow();
    try {
      cache.close();
    } catch (IOException e) {
      log.warn("could not remove the cache directory: " + e.getMessage());
    }
  }

  private static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }
}
