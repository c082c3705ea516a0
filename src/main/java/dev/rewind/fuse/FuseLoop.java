package dev.rewind.fuse;

import dev.rewind.posix.Posix;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;

/**
 * Runs libfuse 2's event loop on JVM threads: {@code fuse_setup} mounts, Java threads read
 * requests ({@code fuse_chan_recv}) and hand them to libfuse ({@code fuse_session_process}),
 * except INIT, OPENDIR and READDIRPLUS, which go through {@link ReaddirPlus}; {@code fuse_teardown}
 * unmounts and cleans up once the end has been seen.
 *
 * <p>Why not {@code fuse_main}: its worker threads are native, and jffi attaches a native thread
 * to the JVM before each callback and detaches it after, a new {@code java.lang.Thread} per
 * request. And why one reader at a time: the kernel hands each request to the thread that has
 * waited longest, so with many idle readers every request lands on a cold thread; on this
 * project's VMs a lookup costs about a fifth more that way. So one thread reads and processes
 * requests while the rest are parked; a request that is about to wait (a rebuild, an index
 * build) calls {@link #mayBlock()}, which hands the reading over to a parked thread (or a new one,
 * up to {@code maxThreads}) so that the mount keeps answering meanwhile.
 */
final class FuseLoop {
  private static final ThreadLocal<FuseLoop> CURRENT = new ThreadLocal<>();
  private static final ThreadLocal<boolean[]> READING = ThreadLocal.withInitial(() -> new boolean[1]);

  /** The parts of libfuse 2's high-level API that build a loop. */
  public interface LibFuse {
    Pointer fuse_setup(int argc, String[] argv, Pointer op, long opSize, PointerByReference mountpoint,
        IntByReference multithreaded, Pointer userData);

    int fuse_exited(Pointer fuse);

    void fuse_exit(Pointer fuse);

    void fuse_teardown(Pointer fuse, Pointer mountpoint);

    Pointer fuse_get_session(Pointer fuse);

    Pointer fuse_session_next_chan(Pointer session, Pointer channel);

    int fuse_chan_fd(Pointer channel);

    @size_t long fuse_chan_bufsize(Pointer channel);

    /** {@code channelRef} holds a {@code struct fuse_chan *}; returns bytes, 0 at the end, or -errno. */
    int fuse_chan_recv(Pointer channelRef, Pointer buf, @size_t long size);

    int fuse_chan_send(Pointer channel, Pointer iov, @size_t long count);

    Pointer fuse_chan_new(Pointer ops, int fd, @size_t long bufsize, Pointer data);

    void fuse_session_process(Pointer session, Pointer buf, @size_t long length, Pointer channel);
  }

  /**
   * How long the reader keeps asking for the next request after one, before it sleeps in poll.
   * A scan such as find sends its next LOOKUP a few microseconds after the answer to the last;
   * a reader that slept in read() meanwhile must be woken for it, and on these VMs that wake-up
   * (a context switch, often an interrupt to the other CPU) costs more than the request itself.
   * Spinning is bounded to this long after the last request, so an idle mount sleeps.
   */
  private static final long SPIN_NANOS = 100_000;
  private static final int EAGAIN = jnr.constants.platform.Errno.EAGAIN.intValue();
  private static final int EINTR = jnr.constants.platform.Errno.EINTR.intValue();

  private final LibFuse lib;
  private final Pointer fuse;
  private final Pointer session;
  private final Pointer channel;
  private final long bufferSize;
  /** Request buffers, one per thread (libfuse has finished with a request when process returns). */
  private final ThreadLocal<Pointer[]> buffers;
  /** INIT, OPENDIR and READDIRPLUS, or null to leave them to libfuse (and the kernel to plain READDIR). */
  private final ReaddirPlus plus;
  /** /dev/fuse, made non-blocking, or -1 when that failed and reads block as libfuse's do. */
  private final int fd;
  private final int maxThreads;
  private final AtomicBoolean reader = new AtomicBoolean();
  private final Semaphore parked = new Semaphore(0);
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger threads = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final Object ended = new Object();
  private volatile boolean done;

  private FuseLoop(LibFuse lib, Pointer fuse, int maxThreads, ReaddirPlus.Listings listings, long keepStableSeconds) {
    this.lib = lib;
    this.fuse = fuse;
    this.maxThreads = maxThreads;
    this.session = lib.fuse_get_session(fuse);
    this.channel = lib.fuse_session_next_chan(session, null);
    this.bufferSize = lib.fuse_chan_bufsize(channel);
    jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getRuntime(lib);
    this.buffers = ThreadLocal.withInitial(() -> {
      Pointer ref = Memory.allocateDirect(runtime, 8, true);
      ref.putPointer(0, channel);
      return new Pointer[] {ref, Memory.allocateDirect(runtime, bufferSize, false)};
    });
    this.plus = listings == null ? null
        : new ReaddirPlus(lib, session, channel, bufferSize, listings, keepStableSeconds);
    int chan = lib.fuse_chan_fd(channel);
    this.fd = chan >= 0 && Posix.setNonBlocking(chan) ? chan : -1;
  }

  /**
   * Nothing to read yet: shortly after a request, try again at once; later, sleep in poll until
   * /dev/fuse is readable (or a second has passed, so that the end is noticed).
   */
  private void awaitRequest(long lastRequest) {
    if (System.nanoTime() - lastRequest < SPIN_NANOS) {
      Thread.onSpinWait();
      return;
    }
    Posix.awaitReadable(fd, 1000);
  }

  private static LibFuse load() {
    try {
      return LibraryLoader.create(LibFuse.class).failImmediately().load("fuse");
    } catch (LinkageError | RuntimeException e) {
      return LibraryLoader.create(LibFuse.class).failImmediately().load("libfuse.so.2");
    }
  }

  /**
   * Mounts with {@code args} (as for {@code fuse_main}: program name, {@code -f}, mount point,
   * options) and serves the operations of {@code fs} until unmounted, with at most {@code
   * maxThreads} requests in progress at once; with {@code readdirPlus}, listings carry each
   * entry's attributes ({@link ReaddirPlus}), those of sessions that cannot change valid for
   * {@code keepStableSeconds} (0: libfuse's timeouts).
   *
   * @throws IOException when libfuse cannot mount (it prints the reason on stderr)
   */
  static void run(RewindFs fs, String[] args, int maxThreads, boolean readdirPlus, long keepStableSeconds)
      throws IOException {
    LibFuse lib = load();
    PointerByReference mountpoint = new PointerByReference();
    IntByReference multithreaded = new IntByReference();
    Pointer ops = Struct.getMemory(fs.operations());
    Pointer fuse = lib.fuse_setup(args.length, args, ops, Struct.size(fs.operations()), mountpoint, multithreaded, null);
    if (fuse == null) {
      throw new IOException("libfuse refused to mount (see its message above)");
    }
    FuseLoop loop;
    try {
      loop = new FuseLoop(lib, fuse, Math.max(1, maxThreads), readdirPlus ? fs : null, keepStableSeconds);
    } catch (RuntimeException | LinkageError e) {
      lib.fuse_teardown(fuse, mountpoint.getValue());
      throw new IOException("cannot serve the mount: " + e, e);
    }
    try {
      loop.start();
      loop.awaitEnd();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lib.fuse_exit(fuse);
    } finally {
      lib.fuse_teardown(fuse, mountpoint.getValue());
    }
  }

  /**
   * Called by code that is about to wait a while: when the calling thread is the mount's reader,
   * another thread takes over reading requests. Does nothing on other threads.
   */
  static void mayBlock() {
    FuseLoop loop = CURRENT.get();
    boolean[] reading = READING.get();
    if (loop != null && reading[0]) {
      reading[0] = false;
      loop.reader.set(false);
      loop.wakeReader();
    }
  }

  private void start() {
    newThread();
  }

  private void newThread() {
    int n = threads.incrementAndGet();
    running.incrementAndGet();
    Thread t = new Thread(this::work, "rewind-fuse-" + n);
    t.setDaemon(true);
    t.start();
  }

  /** Makes sure some thread will take the reader's place: a parked one, else a new one. */
  private void wakeReader() {
    if (waiting.get() > 0) {
      parked.release();
    } else if (threads.get() < maxThreads) {
      newThread();
    } // else: every thread is busy; requests wait in the kernel until one is free
  }

  private void work() {
    CURRENT.set(this);
    boolean[] reading = READING.get();
    try {
      while (!done) {
        if (!reader.compareAndSet(false, true)) {
          park();
          continue;
        }
        reading[0] = true;
        long lastRequest = System.nanoTime();
        Pointer[] buffer = buffers.get();
        while (reading[0] && !done) {
          int n = lib.fuse_chan_recv(buffer[0], buffer[1], bufferSize);
          if (n > 0) {
            process(buffer[1], n);
            lastRequest = System.nanoTime();
          } else if (n == 0 || lib.fuse_exited(fuse) != 0) {
            finish(); // unmounted, or asked to end (a signal)
          } else if (n == -EAGAIN && fd >= 0) {
            awaitRequest(lastRequest);
          } else if (n != -EINTR && n != -EAGAIN) {
            lib.fuse_exit(fuse); // libfuse has printed why: as its own loop, end
            finish();
          }
        }
        if (reading[0]) {
          reading[0] = false;
          reader.set(false);
        }
      }
    } finally {
      if (running.decrementAndGet() == 0) {
        synchronized (ended) {
          ended.notifyAll();
        }
      }
    }
  }

  private void process(Pointer request, int length) {
    if (plus != null) {
      int opcode = request.getInt(4);
      try {
        if (opcode == ReaddirPlus.FUSE_INIT) {
          plus.init(request, length);
          return;
        }
        if (opcode == ReaddirPlus.FUSE_READDIRPLUS && plus.enabled()) {
          plus.readdirPlus(request);
          return;
        }
        if (opcode == ReaddirPlus.FUSE_OPENDIR) {
          plus.opendir(request, length);
          return;
        }
      } catch (RuntimeException e) {
        // a bug in Java code that libfuse's callbacks would have contained: answer EIO rather
        // than lose this reader thread and leave the caller waiting for an answer forever
        plus.fail(request);
        return;
      }
    }
    lib.fuse_session_process(session, request, length, channel);
  }

  private void park() {
    waiting.incrementAndGet();
    try {
      parked.tryAcquire(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done = true;
    } finally {
      waiting.decrementAndGet();
    }
  }

  private void finish() {
    done = true;
    parked.release(maxThreads);
  }

  private void awaitEnd() throws InterruptedException {
    synchronized (ended) {
      while (running.get() > 0) {
        ended.wait(1000);
      }
    }
  }
}
