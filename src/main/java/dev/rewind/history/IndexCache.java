package dev.rewind.history;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.rewind.core.SessionTime;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link SessionIndex}es of any number of repositories, each built once on first use (by a
 * bounded executor, one build per session however many callers ask) and kept while the total of
 * their {@link SessionIndex#bytes()} stays within a budget; the least recently useful go first
 * (Caffeine). An index larger than the whole budget is kept aside (the last such one only), so
 * that its session stays usable; the budget is then exceeded by that index. Thread-safe.
 */
public final class IndexCache {
  private final AsyncCache<Key, SessionIndex> cache;
  private final Executor builders;
  private final long maxBytes;
  private final Runnable beforeWait;

  private record Key(String repository, long session) {}

  /**
   * @param maxBytes the budget for all cached indexes together
   * @param builders runs index builds (bounds how many run at once)
   */
  public IndexCache(long maxBytes, Executor builders) {
    this(maxBytes, builders, () -> {});
  }

  /**
   * @param beforeWait runs on a caller's thread when it is about to wait for a build that is not
   *     finished (the mount lets another thread take requests meanwhile); not run on a hit
   */
  public IndexCache(long maxBytes, Executor builders, Runnable beforeWait) {
    this.maxBytes = maxBytes;
    this.builders = builders;
    this.beforeWait = beforeWait;
    CaffeineLog.quiet();
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((Key k, SessionIndex v) -> (int) Math.min(Integer.MAX_VALUE, v.bytes()))
        .executor(Runnable::run)
        .buildAsync();
  }

  /**
   * The index of {@code session} of {@code history}'s repository, built now if it is not cached.
   *
   * @throws IOException when the metadata cannot be read, or {@code timeout} passes first (the
   *     build goes on, and a later call gets its result)
   */
  public SessionIndex get(History history, SessionTime session, Duration timeout) throws IOException {
    Key key = new Key(new String(history.repository().root(), StandardCharsets.ISO_8859_1), session.epochSecond());
    Oversized big = oversized;
    if (big != null && big.key().equals(key)) {
      return big.index();
    }
    CompletableFuture<SessionIndex> f = cache.get(key, (k, e) -> CompletableFuture.supplyAsync(() -> {
      try {
        return SessionIndex.build(history, session);
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }, builders));
    SessionIndex index;
    try {
      index = await(f, timeout, beforeWait, "indexing session " + session + " of '" + history.repository().display() + "'");
    } catch (IOException | RuntimeException e) {
      if (f.isCompletedExceptionally()) {
        // Caffeine drops a failed build too, but in a callback that may run after this caller
        // (or the next) has seen the failure; drop it now so that the next call builds anew
        cache.asMap().remove(key, f);
      }
      throw e;
    }
    if (index.bytes() > maxBytes) {
      // the cache evicts it at once; keep the last such index so that its session stays usable
      oversized = new Oversized(key, index);
    }
    return index;
  }

  /** The last index that was larger than the whole budget. */
  private record Oversized(Key key, SessionIndex index) {}

  private volatile Oversized oversized;

  /** Whether the index is cached (built or being built). */
  public boolean contains(History history, SessionTime session) {
    Key key = new Key(new String(history.repository().root(), StandardCharsets.ISO_8859_1), session.epochSecond());
    return cache.getIfPresent(key) != null;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes held by the cached indexes now. */
  public long bytes() {
    cache.synchronous().cleanUp();
    return cache.synchronous().policy().eviction().map(ev -> ev.weightedSize().orElse(0)).orElse(0L);
  }

  public void clear() {
    cache.synchronous().invalidateAll();
  }

  /**
   * Waits for a future with a bound, running {@code beforeWait} first when it is not done yet;
   * unwraps its failure into the IOException it carries.
   */
  static <T> T await(CompletableFuture<T> f, Duration timeout, Runnable beforeWait, String what) throws IOException {
    if (!f.isDone()) {
      beforeWait.run();
    }
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TimeoutIOException(what + " did not finish within " + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + " interrupted");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(what + " failed: " + c, c);
    }
  }

  /** A wait for a build or rebuild ran out of time. */
  public static final class TimeoutIOException extends IOException {
    TimeoutIOException(String message) {
      super(message);
    }
  }
}
