package dev.rewind.fuse;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.kenai.jffi.MemoryIO;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Delegate;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * Answers the kernel's {@code READDIRPLUS} requests, which libfuse 2 does not know: a directory
 * listing that carries, with each name, the entry a {@code LOOKUP} of that name would have
 * returned. {@code find} and {@code ls -l} then find every entry's attributes in the kernel's
 * cache instead of asking the mount for each one in a round trip of its own. On these VMs such
 * a round trip (two context switches, often an interrupt to the other CPU) costs several times
 * what libfuse and Rewind spend answering it.
 *
 * <p>How, without a libfuse that knows the request: the reply to the kernel's {@code INIT} gets
 * the {@code FUSE_DO_READDIRPLUS} flag when the kernel offered it; for each entry of a listing,
 * a {@code LOOKUP} request is made up and handed to libfuse on a channel of our own, whose
 * {@code send} keeps the reply instead of writing it to {@code /dev/fuse}. libfuse thus counts
 * each entry's lookup in its node table exactly as for a lookup the kernel sent, and the
 * kernel's later {@code FORGET} balances it; the path of the listed directory is learnt the same
 * way, from a made-up {@code GETATTR}. Entries of the mount's root and host directories go
 * without attributes (node 0): looking up a session would build its index, and a plain {@code
 * ls} of a host must not build one index per session.
 *
 * <p>Directories whose listing cannot change (inside a session named by its timestamp) are opened
 * with {@code FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE}, patched into libfuse's OPENDIR reply the
 * same way: the kernel then keeps their listings in its page cache, and a second scan lists them
 * without asking the mount at all.
 *
 * <p>Entries listed from such a directory are also given a longer validity (an hour, unless the
 * mount's own timeouts are set or longer): a listing the kernel keeps is never asked for again, so
 * entries that expired after libfuse's minute would each cost a LOOKUP round trip in the next
 * scan. What they describe cannot change; a session that retention removes disappears with its
 * name, which keeps the mount's timeouts.
 *
 * <p>A listing that was answered with attributes a moment ago is answered without them (node 0)
 * for half the time the kernel may keep those attributes: the kernel still has them, and a
 * second {@code find} should not pay for a lookup of every entry again. If the kernel has
 * dropped them meanwhile, it asks with LOOKUPs as before.
 *
 * <p>The layouts are the kernel's FUSE protocol ({@code linux/fuse.h}) on a 64-bit Linux. One
 * instance serves a mount; per-thread scratch memory lets several request threads use it.
 */
final class ReaddirPlus {
  static final int FUSE_LOOKUP = 1;
  static final int FUSE_GETATTR = 3;
  static final int FUSE_INIT = 26;
  static final int FUSE_OPENDIR = 27;
  static final int FUSE_READDIRPLUS = 44;
  /** {@code FUSE_DO_READDIRPLUS} in the INIT flags. */
  static final int DO_READDIRPLUS = 1 << 13;

  private static final int IN_HEADER = 40;
  private static final int OUT_HEADER = 16;
  private static final int ENTRY_OUT = 128;
  private static final int ATTR_OUT_ATTR = 16;
  /** Where a {@code fuse_direntplus}'s name starts: entry_out, then ino, off, namelen, type. */
  private static final int DIRENTPLUS_NAME = ENTRY_OUT + 24;
  private static final long UNKNOWN_INO = 0xffffffffL;
  private static final int DT_DIR = 4;
  private static final int SCRATCH = 8192;
  /** {@code FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR}: the kernel keeps what it listed across opens. */
  private static final int KEEP_LISTING = 2 | 8;

  /** {@code send} of {@code struct fuse_chan_ops}. */
  public interface Send {
    @Delegate
    int send(Pointer channel, Pointer iov, long count);
  }

  /** Receives a directory's entries from {@code from} on; false stops the listing. */
  interface Sink {
    boolean add(byte[] name, long ino, int mode);
  }

  /** The file system's side: paths and listings. */
  interface Listings {
    /**
     * Lists {@code path}'s entries (without {@code .} and {@code ..}) from the {@code from}th on.
     *
     * @return 0, or a negative errno
     */
    int list(String path, int from, Sink sink);

    /** Whether {@code path}'s entries are worth looking up, and whether its listing can change. */
    HistoryTree.Listing listing(String path);

    /** Arms (path array) or disarms (null) the capture of the path libfuse passes to getattr or opendir. */
    void capturePath(String[] into);
  }

  private final FuseLoop.LibFuse lib;
  private final Pointer session;
  private final Pointer channel;
  private final Listings listings;
  /** Held so that the closure behind {@link #capture} stays alive. */
  private final Send keep;
  private final Pointer capture;
  /** How long the kernel may keep entries of listings that cannot change; 0 leaves libfuse's timeouts. */
  private final long keepStableSeconds;
  private final ThreadLocal<Scratch> scratch;
  private volatile boolean enabled;
  /** Chunks of listings answered with attributes: (directory node, offset) to until when the kernel has them. */
  private final Cache<Chunk, Long> answered = Caffeine.newBuilder().maximumSize(1 << 18)
      .executor(Runnable::run) // its upkeep is small: no hop to the common pool
      .build();

  private record Chunk(long directory, long offset) {}

  /** Native memory of one request thread. */
  private static final class Scratch {
    final Pointer request;
    final Pointer reply;
    final Pointer iov;
    final Pointer captured;
    int capturedLength;
    /** How long the kernel may keep the last looked-up entry, in nanoseconds. */
    long validNanos;

    Scratch(Runtime runtime) {
      request = Memory.allocateDirect(runtime, SCRATCH, true);
      reply = Memory.allocateDirect(runtime, SCRATCH, true);
      iov = Memory.allocateDirect(runtime, 16, true);
      captured = Memory.allocateDirect(runtime, SCRATCH, true);
    }
  }

  /**
   * @param bufferSize the kernel channel's buffer size, which the capturing channel claims too:
   *     libfuse's INIT derives limits (max_write) from the channel it answers on
   */
  ReaddirPlus(FuseLoop.LibFuse lib, Pointer session, Pointer channel, long bufferSize, Listings listings,
      long keepStableSeconds) {
    this.lib = lib;
    this.keepStableSeconds = keepStableSeconds;
    this.session = session;
    this.channel = channel;
    this.listings = listings;
    Runtime runtime = Runtime.getRuntime(lib);
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(runtime));
    this.keep = this::keepReply;
    Pointer ops = Memory.allocateDirect(runtime, 3 * 8L, true); // receive, send, destroy
    ops.putPointer(8, runtime.getClosureManager().getClosurePointer(Send.class, keep));
    this.capture = lib.fuse_chan_new(ops, -1, bufferSize, null);
    if (capture == null) {
      throw new IllegalStateException("libfuse could not make a channel");
    }
  }

  /** Whether the kernel agreed to send READDIRPLUS (after its INIT). */
  boolean enabled() {
    return enabled;
  }

  /** The {@code send} of the capturing channel: keeps libfuse's reply in this thread's scratch. */
  private int keepReply(Pointer ch, Pointer iov, long count) {
    Scratch s = scratch.get();
    int at = 0;
    for (int i = 0; i < count; i++) {
      long base = iov.getAddress(i * 16L);
      int len = (int) iov.getLong(i * 16L + 8);
      int n = Math.min(len, SCRATCH - at);
      if (n > 0) {
        MemoryIO.getInstance().copyMemory(base, s.captured.address() + at, n);
      }
      at += n;
    }
    s.capturedLength = at;
    return 0;
  }

  /** Lets libfuse answer INIT, and adds FUSE_DO_READDIRPLUS to the answer when the kernel offered it. */
  void init(Pointer in, int length) {
    Scratch s = scratch.get();
    int offered = in.getInt(IN_HEADER + 12);
    s.capturedLength = 0;
    lib.fuse_session_process(session, in, length, capture);
    if (s.capturedLength >= OUT_HEADER + 16 && s.captured.getInt(4) == 0 && (offered & DO_READDIRPLUS) != 0) {
      int flagsAt = OUT_HEADER + 12;
      s.captured.putInt(flagsAt, s.captured.getInt(flagsAt) | DO_READDIRPLUS);
      enabled = true;
    }
    send(s, s.captured, s.capturedLength);
  }

  /** Lets libfuse answer OPENDIR, and lets the kernel keep the listing of a directory that cannot change. */
  void opendir(Pointer in, int length) {
    Scratch s = scratch.get();
    String[] path = new String[1];
    s.capturedLength = 0;
    listings.capturePath(path);
    try {
      lib.fuse_session_process(session, in, length, capture);
    } finally {
      listings.capturePath(null);
    }
    if (s.capturedLength >= OUT_HEADER + 16 && s.captured.getInt(4) == 0 && path[0] != null
        && listings.listing(path[0]) == HistoryTree.Listing.STABLE_ENTRIES) {
      int flagsAt = OUT_HEADER + 8;
      s.captured.putInt(flagsAt, s.captured.getInt(flagsAt) | KEEP_LISTING);
    }
    send(s, s.captured, s.capturedLength);
  }

  /** Answers one READDIRPLUS request. */
  void readdirPlus(Pointer in) {
    Scratch s = scratch.get();
    long unique = in.getLong(8);
    long dir = in.getLong(16);
    long offset = in.getLong(IN_HEADER + 8);
    int size = Math.min(in.getInt(IN_HEADER + 16), SCRATCH - OUT_HEADER);

    String[] path = new String[1];
    long dirIno = getattr(s, in, dir, path);
    if (dirIno < 0 || path[0] == null) {
      error(s, unique, dirIno < 0 ? (int) dirIno : -ErrorCodes.EIO());
      return;
    }
    Chunk chunk = new Chunk(dir, offset);
    long now = System.nanoTime();
    Long until = answered.getIfPresent(chunk);
    HistoryTree.Listing listing = listings.listing(path[0]);
    boolean lookUp = (until == null || until - now < 0) && listing != HistoryTree.Listing.NAMES;
    boolean stable = lookUp && keepStableSeconds > 0 && listing == HistoryTree.Listing.STABLE_ENTRIES;
    s.validNanos = 0;
    int[] at = {OUT_HEADER};
    int limit = OUT_HEADER + size;
    long[] index = {offset};
    if (index[0] == 0 && put(s, at, limit, new byte[] {'.'}, dirIno, DT_DIR << 12, 1, 0, in, false, false)) {
      index[0] = 1;
    }
    if (index[0] == 1 && put(s, at, limit, new byte[] {'.', '.'}, UNKNOWN_INO, DT_DIR << 12, 2, 0, in, false, false)) {
      index[0] = 2;
    }
    int rc = 0;
    if (index[0] >= 2) {
      rc = listings.list(path[0], (int) Math.min(index[0] - 2, Integer.MAX_VALUE), (name, ino, mode) -> {
        if (!put(s, at, limit, name, ino, mode, index[0] + 1, dir, in, lookUp, stable)) {
          return false;
        }
        index[0]++;
        return true;
      });
    }
    if (rc < 0 && at[0] == OUT_HEADER) {
      error(s, unique, rc);
      return;
    }
    if (lookUp && s.validNanos > 0) {
      answered.put(chunk, now + s.validNanos / 2);
    }
    s.reply.putInt(0, at[0]);
    s.reply.putInt(4, 0);
    s.reply.putLong(8, unique);
    send(s, s.reply, at[0]);
  }

  /**
   * Appends one {@code fuse_direntplus}; false when it does not fit. With {@code lookUp}, the
   * entry carries what libfuse answers to a LOOKUP of the name in {@code parent}; otherwise (or
   * when that fails) node 0, which the kernel takes as a plain directory entry. With {@code
   * stable}, the kernel may keep the entry and its attributes for {@link #keepStableSeconds} (or
   * libfuse's timeouts, if longer).
   */
  private boolean put(Scratch s, int[] at, int limit, byte[] name, long ino, int mode, long next, long parent,
      Pointer in, boolean lookUp, boolean stable) {
    int record = (DIRENTPLUS_NAME + name.length + 7) & ~7;
    if (at[0] + record > limit) {
      return false;
    }
    Pointer out = s.reply;
    int p = at[0];
    out.setMemory(p, record, (byte) 0);
    if (lookUp && lookup(s, in, parent, name)) {
      s.captured.transferTo(OUT_HEADER, out, p, ENTRY_OUT);
      if (stable && out.getLong(p + 16) < keepStableSeconds && out.getLong(p + 24) < keepStableSeconds) {
        out.putLong(p + 16, keepStableSeconds); // entry_valid
        out.putLong(p + 24, keepStableSeconds); // attr_valid
        out.putInt(p + 32, 0);
        out.putInt(p + 36, 0);
      }
    }
    out.putLong(p + ENTRY_OUT, ino);
    out.putLong(p + ENTRY_OUT + 8, next);
    out.putInt(p + ENTRY_OUT + 16, name.length);
    out.putInt(p + ENTRY_OUT + 20, (mode >>> 12) & 017);
    out.put(p + DIRENTPLUS_NAME, name, 0, name.length);
    at[0] = p + record;
    return true;
  }

  /** A made-up LOOKUP of {@code name} in {@code parent}; true when libfuse found it. */
  private boolean lookup(Scratch s, Pointer in, long parent, byte[] name) {
    int length = IN_HEADER + name.length + 1;
    header(s, in, length, FUSE_LOOKUP, parent);
    s.request.put(IN_HEADER, name, 0, name.length);
    s.request.putByte(IN_HEADER + name.length, (byte) 0);
    s.capturedLength = 0;
    lib.fuse_session_process(session, s.request, length, capture);
    if (s.capturedLength < OUT_HEADER + ENTRY_OUT || s.captured.getInt(4) != 0 || s.captured.getLong(OUT_HEADER) == 0) {
      return false;
    }
    long entryValid = validity(s.captured, OUT_HEADER + 16, OUT_HEADER + 32);
    long attrValid = validity(s.captured, OUT_HEADER + 24, OUT_HEADER + 36);
    s.validNanos = Math.min(entryValid, attrValid);
    return true;
  }

  private static long validity(Pointer entry, int secondsAt, int nanosAt) {
    long seconds = entry.getLong(secondsAt);
    if (seconds > Long.MAX_VALUE / 2_000_000_000L) {
      return Long.MAX_VALUE / 2;
    }
    return seconds * 1_000_000_000L + entry.getInt(nanosAt);
  }

  /** A made-up GETATTR of node {@code dir}: its inode number (or -errno), its path into {@code path}. */
  private long getattr(Scratch s, Pointer in, long dir, String[] path) {
    int length = IN_HEADER + 16;
    header(s, in, length, FUSE_GETATTR, dir);
    s.request.setMemory(IN_HEADER, 16, (byte) 0);
    s.capturedLength = 0;
    listings.capturePath(path);
    try {
      lib.fuse_session_process(session, s.request, length, capture);
    } finally {
      listings.capturePath(null);
    }
    if (s.capturedLength < OUT_HEADER) {
      return -ErrorCodes.EIO();
    }
    int error = s.captured.getInt(4);
    if (error != 0) {
      return error;
    }
    return s.captured.getLong(OUT_HEADER + ATTR_OUT_ATTR);
  }

  /** A request header like the kernel's, with the asking process of {@code in} and unique 0. */
  private static void header(Scratch s, Pointer in, int length, int opcode, long node) {
    Pointer r = s.request;
    r.putInt(0, length);
    r.putInt(4, opcode);
    r.putLong(8, 0);
    r.putLong(16, node);
    r.putInt(24, in.getInt(24)); // uid
    r.putInt(28, in.getInt(28)); // gid
    r.putInt(32, in.getInt(32)); // pid
    r.putInt(36, 0);
  }

  /** Answers {@code in} with EIO (for a request whose handling failed unexpectedly). */
  void fail(Pointer in) {
    error(scratch.get(), in.getLong(8), -ErrorCodes.EIO());
  }

  private void error(Scratch s, long unique, int negativeErrno) {
    s.reply.putInt(0, OUT_HEADER);
    s.reply.putInt(4, negativeErrno);
    s.reply.putLong(8, unique);
    send(s, s.reply, OUT_HEADER);
  }

  /** Writes a reply to /dev/fuse through libfuse's own channel. */
  private void send(Scratch s, Pointer buffer, int length) {
    s.iov.putAddress(0, buffer.address());
    s.iov.putLong(8, length);
    lib.fuse_chan_send(channel, s.iov, 1);
  }
}
