package dev.rewind.history;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.rewind.core.FileMeta;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.posix.Posix;
import dev.rewind.repo.IncrementType;
import dev.rewind.repo.RepoFile;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Opens the content of a regular file at any session for random reads, rebuilding only what
 * must be rebuilt:
 *
 * <ul>
 *   <li>a version whose increment chain is empty (every file of the newest session, and older
 *       versions that did not change since) is read straight from the mirror;
 *   <li>a version stored whole in an uncompressed snapshot increment is read from that file;
 *   <li>any other version is rebuilt from its diff chain once and cached: versions up to {@code
 *       memoryMaxFile} bytes in memory (at most {@code memoryBytes} together), larger ones in
 *       spill files in a private directory (at most {@code diskBytes} together; the files are
 *       unlinked as soon as they are written and held open, so nothing outlives the process).
 *       The least recently useful are evicted first (Caffeine); the disk space of an evicted
 *       version comes back when its last reader closes it. A version larger than the whole
 *       budget is rebuilt for its reader alone.
 * </ul>
 *
 * Rebuilt versions are keyed by SHA-1 and size when the metadata records a digest (every
 * rebuilt version is checked against it), so equal contents at different sessions or paths are
 * rebuilt once. Each version is rebuilt by one thread of {@code rebuilders} however many callers
 * open it; a caller waits at most its timeout. Thread-safe.
 */
public final class VersionCache implements Closeable {
  private final AsyncCache<Key, byte[]> memory;
  private final AsyncCache<Key, SpillFile> disk;
  private final Scratch spill;
  private final long memoryMaxFile;
  private final long diskBytes;
  private final Executor rebuilders;
  private final Runnable beforeWait;

  /** What identifies a rebuilt version: its digest, or where and when it is. */
  private record Key(String identity, long size) {}

  /**
   * @param spill the private directory for spill files (and the intermediate versions of chains)
   * @param memoryBytes budget for versions held in memory
   * @param memoryMaxFile versions up to this size are held in memory, larger ones spilled
   * @param diskBytes budget for spill files
   * @param rebuilders runs rebuilds (bounds how many run at once)
   */
  public VersionCache(Scratch spill, long memoryBytes, long memoryMaxFile, long diskBytes, Executor rebuilders) {
    this(spill, memoryBytes, memoryMaxFile, diskBytes, rebuilders, () -> {});
  }

  /**
   * @param beforeWait runs on a caller's thread when it is about to wait for a rebuild that is not
   *     finished (the mount lets another thread take requests meanwhile); not run for the mirror
   *     or a cached version
   */
  public VersionCache(Scratch spill, long memoryBytes, long memoryMaxFile, long diskBytes, Executor rebuilders,
      Runnable beforeWait) {
    this.beforeWait = beforeWait;
    this.spill = spill;
    this.memoryMaxFile = Math.min(memoryMaxFile, Math.min(memoryBytes, Integer.MAX_VALUE - 16));
    this.diskBytes = diskBytes;
    this.rebuilders = rebuilders;
    CaffeineLog.quiet();
    this.memory = Caffeine.newBuilder()
        .maximumWeight(memoryBytes)
        .weigher((Key k, byte[] v) -> v.length)
        .executor(Runnable::run)
        .buildAsync();
    this.disk = Caffeine.newBuilder()
        .maximumWeight(Math.max(1, diskBytes / 1024))
        .weigher((Key k, SpillFile v) -> (int) Math.min(Integer.MAX_VALUE, v.size / 1024 + 1))
        .executor(Runnable::run)
        .removalListener((Key k, SpillFile v, RemovalCause c) -> {
          if (v != null) {
            v.evict();
          }
        })
        .buildAsync();
  }

  /**
   * Opens {@code meta} (a regular file of {@code session}) for reading; close the result.
   *
   * @throws RepositoryException when the version cannot be rebuilt (a damaged increment, a
   *     missing mirror file): the message names the path and the session
   * @throws IndexCache.TimeoutIOException when a rebuild takes longer than {@code timeout}
   */
  public Version open(History history, FileMeta meta, SessionTime session, Duration timeout) throws IOException {
    Version direct = direct(history, meta, session);
    if (direct != null) {
      return direct;
    }
    Key key = key(history, meta, session);
    if (meta.size() <= memoryMaxFile) {
      CompletableFuture<byte[]> f = memory.get(key, (k, e) -> async(() -> rebuildInMemory(history, meta, session)));
      return Version.of(IndexCache.await(f, timeout, beforeWait, what(meta, session)));
    }
    if (meta.size() <= diskBytes) {
      CompletableFuture<SpillFile> f = disk.get(key, (k, e) -> async(() -> rebuildToFile(history, meta, session)));
      SpillFile file = IndexCache.await(f, timeout, beforeWait, what(meta, session));
      if (file.retain()) {
        return file.reader();
      }
      // evicted between the rebuild and now (the cache is under pressure): rebuild for this reader alone
    }
    SpillFile own = IndexCache.await(async(() -> rebuildToFile(history, meta, session)), timeout, beforeWait,
        what(meta, session));
    return own.reader(); // the only reference is the reader's: closing it frees the file
  }

  /** Drops every cached version (spill files are closed, which frees them). */
  @Override
  public void close() {
    memory.synchronous().invalidateAll();
    disk.synchronous().invalidateAll();
  }

  /** Bytes held in memory by cached versions. */
  public long memoryBytes() {
    return memory.synchronous().policy().eviction().map(ev -> ev.weightedSize().orElse(0)).orElse(0L);
  }

  /** KiB held in spill files by cached versions. */
  public long diskKib() {
    return disk.synchronous().policy().eviction().map(ev -> ev.weightedSize().orElse(0)).orElse(0L);
  }

  private Version direct(History history, FileMeta meta, SessionTime session) throws IOException {
    List<RepoFile> chain = history.content().chain(meta, session);
    if (chain.isEmpty()) {
      FileChannel ch = history.content().openMirrorVersion(meta);
      return ch == null ? null : Version.of(ch, meta.size());
    }
    RepoFile first = chain.get(0);
    if (chain.size() == 1 && first.name().type() == IncrementType.SNAPSHOT && !first.name().compressed()) {
      FileChannel ch = Posix.openRead(first.path());
      if (ch.size() == meta.size()) {
        return Version.of(ch, meta.size());
      }
      ch.close();
    }
    return null;
  }

  private static Key key(History history, FileMeta meta, SessionTime session) {
    if (meta.sha1() != null) {
      return new Key("sha1:" + meta.sha1().toLowerCase(java.util.Locale.ROOT), meta.size());
    }
    String where = new String(history.repository().root(), StandardCharsets.ISO_8859_1) + "\0"
        + new String(meta.path().bytes(), StandardCharsets.ISO_8859_1) + "\0" + session.epochSecond();
    return new Key(where, meta.size());
  }

  private <T> CompletableFuture<T> async(IoSupplier<T> work) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return work.get();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, rebuilders);
  }

  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  private static String what(FileMeta meta, SessionTime session) {
    return "rebuilding '" + meta.path() + "' at session " + session;
  }

  private byte[] rebuildInMemory(History history, FileMeta meta, SessionTime session) throws IOException {
    return retrying(history, meta, session, content -> {
      ArraySink sink = new ArraySink((int) meta.size());
      content.copyTo(meta, session, sink);
      return sink.bytes();
    });
  }

  private SpillFile rebuildToFile(History history, FileMeta meta, SessionTime session) throws IOException {
    return retrying(history, meta, session, content -> {
      Scratch.Temp temp = spill.newFile();
      try {
        try (FileChannel w = temp.channel();
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(w), 1 << 18)) {
          content.copyTo(meta, session, out);
        }
        FileChannel reader = Posix.openRead(temp.path());
        temp.delete(); // the open channel keeps the content; nothing is left behind if we crash
        return new SpillFile(reader, meta.size());
      } catch (IOException | RuntimeException e) {
        temp.delete();
        throw e;
      }
    });
  }

  /**
   * Runs a rebuild; when it fails, retries once with freshly listed increments, in case a backup
   * changed the repository since the history was opened. A damaged increment fails twice.
   */
  private static <T> T retrying(History history, FileMeta meta, SessionTime session, Rebuild<T> rebuild)
      throws IOException {
    try {
      return rebuild.run(history.content());
    } catch (RepositoryException first) {
      try {
        return rebuild.run(history.freshContent());
      } catch (RepositoryException second) {
        throw second;
      }
    }
  }

  private interface Rebuild<T> {
    T run(ContentReconstructor content) throws IOException;
  }

  /** An output stream into an array of the expected size. */
  private static final class ArraySink extends OutputStream {
    private final byte[] buf;
    private int n;

    ArraySink(int size) {
      this.buf = new byte[size];
    }

    @Override
    public void write(int b) throws IOException {
      ensure(1);
      buf[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ensure(len);
      System.arraycopy(b, off, buf, n, len);
      n += len;
    }

    private void ensure(int len) throws IOException {
      if (len > buf.length - n) {
        throw new RepositoryException("rebuilt version is longer than its recorded size " + buf.length);
      }
    }

    byte[] bytes() {
      return buf;
    }
  }

  /**
   * A rebuilt version in an unlinked spill file: one read channel shared by all readers
   * (positional reads are thread-safe), closed, which frees its disk space, when the cache has
   * evicted it and the last reader is done.
   */
  private static final class SpillFile {
    private final FileChannel channel;
    private final long size;
    private int refs = 1; // the cache's reference, or the only reader's for an uncached one
    private boolean evicted;

    SpillFile(FileChannel channel, long size) {
      this.channel = channel;
      this.size = size;
    }

    synchronized boolean retain() {
      if (evicted) {
        return false;
      }
      refs++;
      return true;
    }

    synchronized void evict() {
      if (!evicted) {
        evicted = true;
        release();
      }
    }

    synchronized void release() {
      if (--refs == 0) {
        try {
          channel.close();
        } catch (IOException e) {
          // closing a read-only channel: nothing to report
        }
      }
    }

    Version reader() {
      return new Version() {
        private boolean closed;

        @Override
        public long size() {
          return size;
        }

        @Override
        public int read(java.nio.ByteBuffer dst, long position) throws IOException {
          return Version.readFully(channel, dst, position, size);
        }

        @Override
        public synchronized void close() {
          if (!closed) {
            closed = true;
            release();
          }
        }
      };
    }
  }
}
