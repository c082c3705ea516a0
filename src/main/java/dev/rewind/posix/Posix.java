package dev.rewind.posix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * File system calls on byte-string paths. Linux names need not be valid in any charset, and
 * {@code java.nio} loses such names as soon as they become a {@link String}; every call here
 * takes and returns raw bytes instead. Thread-safe.
 *
 * <p>Failures are {@link IOException}s in the {@code java.nio.file} family ({@link
 * NoSuchFileException}, {@link AccessDeniedException}, ...) that name the path.
 */
public final class Posix {
  private static final Libc LIBC = LibraryLoader.create(Libc.class).load("c");
  private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

  /**
   * Binds libc now (this class's initialization) rather than at the first call; for a thread that
   * prepares it while another does something else.
   */
  public static void bind() {
    // the work is in the static initializer, which the JVM runs once, whichever thread asks first
  }

  /** Binds {@link LibcExtra} now, as {@link #bind()} does {@link Libc}. */
  public static void bindExtra() {
    Objects.requireNonNull(Extra.LIBC);
  }

  /** {@link LibcExtra}, bound at its first use (the JVM initializes this class then, once). */
  private static final class Extra {
    static final LibcExtra LIBC = LibraryLoader.create(LibcExtra.class).load("c");
  }

  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final int STATX_SIZE = 256;
  private static final int DIRENT_NAME_OFFSET = 19;
  private static final int DIRENT_TYPE_OFFSET = 18;
  private static final int O_RDONLY = OpenFlags.O_RDONLY.intValue();
  private static final int O_WRONLY = OpenFlags.O_WRONLY.intValue();
  private static final int O_CREAT = OpenFlags.O_CREAT.intValue();
  private static final int O_EXCL = OpenFlags.O_EXCL.intValue();
  private static final int O_NOFOLLOW = OpenFlags.O_NOFOLLOW.intValue();
  private static final int O_CLOEXEC = 02000000;
  private static final int O_DIRECTORY = OpenFlags.O_DIRECTORY.intValue();
  /**
   * {@code listxattrat(2)} (Linux 6.13): the same number on x86-64 and arm64. Older kernels say
   * ENOSYS, and Rewind then lists by path as before.
   */
  private static final long SYS_LISTXATTRAT = 465;
  private static volatile boolean listxattratWorks =
      Platform.getNativePlatform().getOS() == Platform.OS.LINUX
          && (Platform.getNativePlatform().getCPU() == Platform.CPU.X86_64
              || Platform.getNativePlatform().getCPU() == Platform.CPU.AARCH64);
  /** sync_file_range(2): start write-out of dirty pages in the range, do not wait. */
  private static final int SYNC_FILE_RANGE_WRITE = 2;
  private static final int O_RDWR = OpenFlags.O_RDWR.intValue();
  private static final int LOCK_SH = 1;
  private static final int LOCK_EX = 2;
  private static final int LOCK_NB = 4;
  private static final int LOCK_UN = 8;
  private static final int EWOULDBLOCK = Errno.EWOULDBLOCK.intValue();
  private static final int ERANGE = Errno.ERANGE.intValue();
  private static final int ENODATA = Errno.ENODATA.intValue();
  private static final int ENOTSUP = Errno.EOPNOTSUPP.intValue();
  private static final int ENOSYS = Errno.ENOSYS.intValue();
  private static final int EPERM = Errno.EPERM.intValue();

  /** Native memory for the fd streams: each copy moves exactly the bytes asked for. */
  private static final int IO_BUFFER_SIZE = 1 << 18;
  private static final ThreadLocal<Pointer> IO_BUFFER =
      ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(RUNTIME, IO_BUFFER_SIZE));

  private Posix() {}

  /** For the account lookups of this package. */
  static Libc libc() {
    return LIBC;
  }

  /** For the account lookups of this package (by name). */
  static LibcExtra libcExtra() {
    return Extra.LIBC;
  }

  static Runtime runtime() {
    return RUNTIME;
  }

  /** Makes an open descriptor non-blocking ({@code O_NONBLOCK}); false if that failed. */
  public static boolean setNonBlocking(int fd) {
    int flags = LIBC.fcntl(fd, F_GETFL, 0);
    return flags >= 0 && LIBC.fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
  }

  /** Waits until {@code fd} is readable or {@code timeoutMs} has passed ({@code poll}). */
  public static void awaitReadable(int fd, int timeoutMs) {
    Pointer pollfd = POLL_FD.get();
    pollfd.putInt(0, fd);
    pollfd.putShort(4, POLLIN);
    pollfd.putShort(6, (short) 0);
    Extra.LIBC.poll(pollfd, 1, timeoutMs);
  }

  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int O_NONBLOCK = 04000;
  private static final short POLLIN = 1;
  /** One {@code struct pollfd} per thread. */
  private static final ThreadLocal<Pointer> POLL_FD =
      ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(RUNTIME, 8));

  /** {@code lstat}: the entry itself, never a symlink's target. */
  public static Stat lstat(byte[] path) throws IOException {
    byte[] buf = new byte[STATX_SIZE];
    if (LIBC.statx(AT_FDCWD, cstr(path), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) != 0) {
      throw error("lstat", path);
    }
    return stat(buf);
  }

  /** Decodes a {@code struct statx}. */
  private static Stat stat(byte[] buf) {
    ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
    return new Stat(
        Short.toUnsignedInt(b.getShort(28)),
        Integer.toUnsignedLong(b.getInt(20)),
        Integer.toUnsignedLong(b.getInt(24)),
        b.getLong(40),
        b.getLong(112),
        b.getInt(120),
        b.getLong(32),
        Stat.makedev(Integer.toUnsignedLong(b.getInt(136)), Integer.toUnsignedLong(b.getInt(140))),
        Integer.toUnsignedLong(b.getInt(16)),
        Integer.toUnsignedLong(b.getInt(128)),
        Integer.toUnsignedLong(b.getInt(132)));
  }

  /** {@code lstat}, or null when the path does not exist (or a parent is not a directory). */
  public static Stat lstatOrNull(byte[] path) throws IOException {
    try {
      return lstat(path);
    } catch (NoSuchFileException | NotDirectoryException e) {
      return null;
    }
  }

  /** The names in a directory (without {@code .} and {@code ..}), in no particular order. */
  public static List<byte[]> list(byte[] dir) throws IOException {
    return names(listEntries(dir));
  }

  private static List<byte[]> names(List<DirEntry> entries) {
    List<byte[]> names = new ArrayList<>(entries.size());
    for (DirEntry e : entries) {
      names.add(e.name());
    }
    return names;
  }

  /** The entries of a directory with the type hint {@code readdir} gives for free. */
  public static List<DirEntry> listEntries(byte[] dir) throws IOException {
    Pointer d = LIBC.opendir(cstr(dir));
    if (d == null) {
      throw error("opendir", dir);
    }
    try {
      return readEntries(d);
    } finally {
      LIBC.closedir(d);
    }
  }

  private static List<DirEntry> readEntries(Pointer d) {
    List<DirEntry> entries = new ArrayList<>();
    for (Pointer e = LIBC.readdir(d); e != null; e = LIBC.readdir(d)) {
      int len = (int) e.indexOf(DIRENT_NAME_OFFSET, (byte) 0);
      byte[] name = new byte[len];
      e.get(DIRENT_NAME_OFFSET, name, 0, len);
      if (!(len == 1 && name[0] == '.') && !(len == 2 && name[0] == '.' && name[1] == '.')) {
        entries.add(new DirEntry(name, e.getByte(DIRENT_TYPE_OFFSET)));
      }
    }
    return entries;
  }

  /** Opens a directory (never through a symlink) for {@link Dir}'s calls by name. */
  public static Dir openDir(byte[] path) throws IOException {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, "opendir");
    Pointer stream = LIBC.fdopendir(fd);
    if (stream == null) {
      IOException e = error("opendir", path);
      LIBC.close(fd);
      throw e;
    }
    return new Dir(path, fd, stream);
  }

  /**
   * An open directory whose entries are listed and looked at by name: each entry's {@code statx}
   * and xattr listing then resolve one name relative to the open directory instead of walking the
   * whole path again (a fifth of their cost for paths a few levels deep), and a directory swapped
   * for a symlink while it is read cannot send them elsewhere. Not thread-safe.
   */
  public static final class Dir implements java.io.Closeable {
    private final byte[] path;
    private final int fd;
    private final Pointer stream; // the DIR* over fd; closedir closes both

    private Dir(byte[] path, int fd, Pointer stream) {
      this.path = path;
      this.fd = fd;
      this.stream = stream;
    }

    /** The names in the directory (without {@code .} and {@code ..}), in no particular order. */
    public List<byte[]> names() {
      return Posix.names(readEntries(stream));
    }

    /** {@code lstat} of an entry. */
    public Stat lstat(byte[] name) throws IOException {
      byte[] buf = new byte[STATX_SIZE];
      if (LIBC.statx(fd, cstr(name), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) != 0) {
        throw error("lstat", join(path, name));
      }
      return stat(buf);
    }

    /** The names of an entry's extended attributes (of a symlink itself, never its target). */
    public List<byte[]> listXattrs(byte[] name) throws IOException {
      if (listxattratWorks) {
        byte[] n = cstr(name);
        List<byte[]> names =
            xattrNames((buf, size) -> LIBC.syscall(SYS_LISTXATTRAT, fd, n, AT_SYMLINK_NOFOLLOW, buf, size));
        if (names != null) {
          return names;
        }
        int errno = LastError.getLastError(RUNTIME);
        if (errno == ENOSYS || errno == EPERM) {
          // an older kernel, or a seccomp filter that does not know the call: by path from now on
          // (the path call below throws the entry's own error if it has one)
          List<byte[]> viaPath = Posix.listXattrs(join(path, name));
          listxattratWorks = false;
          return viaPath;
        }
      }
      return Posix.listXattrs(join(path, name)); // also reports this entry's own error
    }

    @Override
    public void close() {
      LIBC.closedir(stream);
    }
  }

  /** Opens an existing regular file for reading; refuses to follow a final symlink. */
  public static FileChannel openRead(byte[] path) throws IOException {
    return reopen(open(path, O_RDONLY | O_NOFOLLOW, 0, "open"), path, StandardOpenOption.READ);
  }

  /**
   * Opens an existing regular file as a plain stream on the descriptor (one {@code open}, no
   * channel): the cheap way to read many small files. Refuses a final symlink.
   */
  public static java.io.InputStream openStream(byte[] path) throws IOException {
    int fd = open(path, O_RDONLY | O_NOFOLLOW, 0, "open");
    return new java.io.InputStream() {
      private boolean closed;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        Pointer mem = IO_BUFFER.get();
        long n = LIBC.read(fd, mem, Math.min(len, IO_BUFFER_SIZE));
        if (n < 0) {
          throw error("read", path);
        }
        if (n == 0) {
          return -1;
        }
        mem.get(0, b, off, (int) n);
        return (int) n;
      }

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          LIBC.close(fd);
        }
      }
    };
  }

  /** Creates a new file (it must not exist) and returns a plain stream on its descriptor. */
  public static NewFile createStream(byte[] path, int mode) throws IOException {
    return createStream(path, mode, 0);
  }

  /**
   * Like {@link #createStream(byte[], int)}, but every {@code writeBackEvery} bytes (if above 0)
   * asks the kernel to start writing what was written so far to disk, without waiting for it
   * ({@code sync_file_range} with {@code SYNC_FILE_RANGE_WRITE}). A later fsync or syncfs then
   * finds most of the data already written instead of waiting for all of it; durability still
   * comes only from that fsync or syncfs.
   */
  public static NewFile createStream(byte[] path, int mode, long writeBackEvery) throws IOException {
    return new NewFile(path, open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode, "create"), writeBackEvery);
  }

  /**
   * A file just created, open for writing (unbuffered). Its owner, mode, mtime and xattrs can be
   * set through the open descriptor before it is closed: no path lookup, and no window in which
   * another name could have taken the path's place.
   */
  public static final class NewFile extends java.io.OutputStream {
    private final byte[] path;
    private final int fd;
    private final long writeBackEvery;
    private boolean closed;
    private long position;
    private long writeBackFrom;

    private NewFile(byte[] path, int fd, long writeBackEvery) {
      this.path = path;
      this.fd = fd;
      this.writeBackEvery = writeBackEvery;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Pointer mem = IO_BUFFER.get();
      int done = 0;
      while (done < len) {
        int chunk = Math.min(len - done, IO_BUFFER_SIZE);
        mem.put(0, b, off + done, chunk);
        int written = 0;
        while (written < chunk) {
          long n = LIBC.write(fd, mem.slice(written), chunk - written);
          if (n < 0) {
            throw error("write", path);
          }
          written += (int) n;
        }
        done += chunk;
      }
      position += len;
      if (writeBackEvery > 0 && position - writeBackFrom >= writeBackEvery) {
        startWriteBack();
      }
    }

    /** Only a hint: a file system that cannot do it (EINVAL, ESPIPE) still syncs later. */
    private void startWriteBack() {
      Extra.LIBC.sync_file_range(fd, writeBackFrom, position - writeBackFrom, SYNC_FILE_RANGE_WRITE);
      writeBackFrom = position;
    }

    public void chown(long uid, long gid) throws IOException {
      check(Extra.LIBC.fchown(fd, (int) uid, (int) gid), "chown", path);
    }

    public void chmod(int mode) throws IOException {
      check(Extra.LIBC.fchmod(fd, mode), "chmod", path);
    }

    /** Sets the modification time (and access time to the same); nothing may be written after. */
    public void setMtime(long seconds, int nanos) throws IOException {
      check(Extra.LIBC.futimens(fd, new long[] {seconds, nanos, seconds, nanos}), "futimens", path);
    }

    public void setXattr(byte[] name, byte[] value) throws IOException {
      check(Extra.LIBC.fsetxattr(fd, cstr(name), value, value.length, 0), "setxattr", path);
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        if (writeBackEvery > 0 && position > writeBackFrom) {
          startWriteBack();
        }
        if (LIBC.close(fd) != 0) {
          throw error("close", path);
        }
      }
    }
  }

  /** Creates a new file (it must not exist) with the given mode and opens it for writing. */
  public static FileChannel createNew(byte[] path, int mode) throws IOException {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode, "create");
    return reopen(fd, path, StandardOpenOption.WRITE);
  }

  private static int open(byte[] path, int flags, int mode, String op) throws IOException {
    int fd = LIBC.open(cstr(path), flags | O_CLOEXEC, mode);
    if (fd < 0) {
      throw error(op, path);
    }
    return fd;
  }

  /**
   * Turns a descriptor into a {@link FileChannel} by opening its {@code /proc/self/fd} entry,
   * an ASCII path that reaches the same open file whatever bytes its name has.
   */
  private static FileChannel reopen(int fd, byte[] path, StandardOpenOption mode) throws IOException {
    try {
      return FileChannel.open(Path.of("/proc/self/fd/" + fd), mode);
    } catch (IOException e) {
      throw new FileSystemException(display(path), null, "cannot open: " + e.getMessage());
    } finally {
      LIBC.close(fd);
    }
  }

  public static byte[] readlink(byte[] path) throws IOException {
    byte[] buf = new byte[4096];
    long n = LIBC.readlink(cstr(path), buf, buf.length);
    if (n < 0) {
      throw error("readlink", path);
    }
    return Arrays.copyOf(buf, (int) n);
  }

  public static void mkdir(byte[] path, int mode) throws IOException {
    check(LIBC.mkdir(cstr(path), mode), "mkdir", path);
  }

  public static void symlink(byte[] target, byte[] linkPath) throws IOException {
    check(Extra.LIBC.symlink(cstr(target), cstr(linkPath)), "symlink", linkPath);
  }

  public static void link(byte[] existing, byte[] newPath) throws IOException {
    check(Extra.LIBC.link(cstr(existing), cstr(newPath)), "link", newPath);
  }

  /** Creates a device node, fifo or socket; {@code mode} includes the type bits. */
  public static void mknod(byte[] path, int mode, long major, long minor) throws IOException {
    check(Extra.LIBC.mknod(cstr(path), mode, Stat.makedev(major, minor)), "mknod", path);
  }

  public static void lchown(byte[] path, long uid, long gid) throws IOException {
    check(Extra.LIBC.lchown(cstr(path), (int) uid, (int) gid), "chown", path);
  }

  public static void chmod(byte[] path, int mode) throws IOException {
    check(Extra.LIBC.chmod(cstr(path), mode), "chmod", path);
  }

  /** Sets the modification time (and access time to the same) without following symlinks. */
  public static void setMtime(byte[] path, long seconds, int nanos) throws IOException {
    long[] times = {seconds, nanos, seconds, nanos};
    check(Extra.LIBC.utimensat(AT_FDCWD, cstr(path), times, AT_SYMLINK_NOFOLLOW), "utimensat", path);
  }

  public static void rename(byte[] from, byte[] to) throws IOException {
    check(LIBC.rename(cstr(from), cstr(to)), "rename", from);
  }

  public static void unlink(byte[] path) throws IOException {
    check(LIBC.unlink(cstr(path)), "unlink", path);
  }

  public static void rmdir(byte[] path) throws IOException {
    check(Extra.LIBC.rmdir(cstr(path)), "rmdir", path);
  }

  /** The names of the extended attributes of an entry (empty where unsupported). */
  public static List<byte[]> listXattrs(byte[] path) throws IOException {
    byte[] p = cstr(path);
    List<byte[]> names = xattrNames((buf, size) -> LIBC.llistxattr(p, buf, size));
    if (names == null) {
      throw error("listxattr", path);
    }
    return names;
  }

  /** A {@code listxattr}-style call: fills {@code buf} (null: just says the size needed). */
  private interface XattrListCall {
    long call(byte[] buf, long size);
  }

  /**
   * The names a {@code listxattr}-style call gives (empty where xattrs are unsupported), or null
   * when it fails (its errno is then the last error). It asks for the size first, so an entry
   * without xattrs, most of them, costs no buffer to fill and copy; a list that grows between
   * the two calls is asked for again.
   */
  private static List<byte[]> xattrNames(XattrListCall listxattr) {
    while (true) {
      long size = listxattr.call(null, 0);
      if (size == 0) {
        return List.of();
      }
      if (size < 0) {
        return LastError.getLastError(RUNTIME) == ENOTSUP ? List.of() : null;
      }
      byte[] buf = new byte[(int) size]; // at most 64 KiB: the kernel's limit for a list
      long len = listxattr.call(buf, size);
      if (len >= 0) {
        return splitNul(buf, (int) len);
      }
      if (LastError.getLastError(RUNTIME) != ERANGE) {
        return null;
      }
    }
  }


  /** One extended attribute's value, or null if the entry does not have it. */
  public static byte[] getXattr(byte[] path, byte[] name) throws IOException {
    byte[] p = cstr(path);
    byte[] n = cstr(name);
    for (int size = 4096; ; size *= 4) {
      byte[] buf = new byte[size];
      long len = LIBC.lgetxattr(p, n, buf, size);
      if (len >= 0) {
        return Arrays.copyOf(buf, (int) len);
      }
      int errno = LastError.getLastError(RUNTIME);
      if (errno == ENODATA) {
        return null;
      }
      if (errno != ERANGE || size > (1 << 24)) {
        throw error("getxattr", path, errno);
      }
    }
  }

  public static void setXattr(byte[] path, byte[] name, byte[] value) throws IOException {
    check(Extra.LIBC.lsetxattr(cstr(path), cstr(name), value, value.length, 0), "setxattr", path);
  }

  /** Flushes a file or directory to stable storage. */
  public static void fsync(byte[] path) throws IOException {
    int fd = open(path, O_RDONLY, 0, "open");
    try {
      check(LIBC.fsync(fd), "fsync", path);
    } finally {
      LIBC.close(fd);
    }
  }

  /**
   * Opens {@code path} and tries to take a BSD {@code flock(2)} lock on it without waiting: the
   * kind of lock rdiff-backup takes on {@code lock.yml} (and not the {@code fcntl} kind that
   * {@link FileChannel#lock()} takes, which does not exclude it). An exclusive lock opens the file
   * for reading and writing, creating it with {@code mode} if missing; a shared lock opens it for
   * reading only and needs it to exist.
   *
   * @return the held lock, or null when another open file holds a conflicting lock
   */
  public static Flock tryFlock(byte[] path, boolean exclusive, int mode) throws IOException {
    int flags = exclusive ? O_RDWR | O_CREAT | O_NOFOLLOW : O_RDONLY | O_NOFOLLOW;
    int fd = open(path, flags, mode, "open");
    if (LIBC.flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) {
      return new Flock(fd, path);
    }
    int errno = LastError.getLastError(RUNTIME);
    LIBC.close(fd);
    if (errno == EWOULDBLOCK) {
      return null;
    }
    throw error("flock", path, errno);
  }

  /**
   * An open file descriptor that holds a {@code flock(2)} lock. The lock belongs to this open
   * file (not to the thread or to other descriptors of the same file) and goes away on {@link
   * #close()} or when the process dies. The descriptor is close-on-exec, so child processes do
   * not inherit the lock. Not thread-safe.
   */
  public static final class Flock implements java.io.Closeable {
    private final byte[] path;
    private int fd;

    private Flock(int fd, byte[] path) {
      this.fd = fd;
      this.path = path.clone();
    }

    /** Replaces the whole content of the locked file (it must have been locked exclusively). */
    public void overwrite(byte[] content) throws IOException {
      check(LIBC.ftruncate(fd, 0), "truncate", path);
      long n = content.length == 0 ? 0 : LIBC.pwrite(fd, content, content.length, 0);
      if (n != content.length) {
        throw n < 0 ? error("write", path) : new FileSystemException(display(path), null, "short write");
      }
    }

    /** Releases the lock and closes the file; idempotent. */
    @Override
    public void close() throws IOException {
      if (fd < 0) {
        return;
      }
      int unlock = LIBC.flock(fd, LOCK_UN);
      int errno = LastError.getLastError(RUNTIME);
      LIBC.close(fd);
      fd = -1;
      if (unlock != 0) {
        throw error("flock", path, errno);
      }
    }
  }

  /** Flushes the whole file system that holds {@code path} to stable storage. */
  public static void syncFileSystem(byte[] path) throws IOException {
    int fd = open(path, O_RDONLY, 0, "open");
    try {
      check(LIBC.syncfs(fd), "syncfs", path);
    } finally {
      LIBC.close(fd);
    }
  }

  public static boolean isRoot() {
    return LIBC.geteuid() == 0;
  }

  private static List<byte[]> splitNul(byte[] buf, int len) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < len; i++) {
      if (buf[i] == 0) {
        if (i > start) {
          out.add(Arrays.copyOfRange(buf, start, i));
        }
        start = i + 1;
      }
    }
    return out;
  }

  private static void check(int rc, String op, byte[] path) throws IOException {
    if (rc != 0) {
      throw error(op, path);
    }
  }

  private static IOException error(String op, byte[] path) {
    return error(op, path, LastError.getLastError(RUNTIME));
  }

  private static IOException error(String op, byte[] path, int errno) {
    String file = display(path);
    String reason = LIBC.strerror(errno);
    Errno e = Errno.valueOf(errno);
    if (e == Errno.ENOENT) {
      return new NoSuchFileException(file);
    } else if (e == Errno.EACCES || e == Errno.EPERM) {
      return new AccessDeniedException(file, null, op + ": " + reason);
    } else if (e == Errno.EEXIST) {
      return new FileAlreadyExistsException(file);
    } else if (e == Errno.ENOTDIR) {
      return new NotDirectoryException(file);
    } else if (e == Errno.ENOTEMPTY) {
      return new DirectoryNotEmptyException(file);
    }
    return new FileSystemException(file, null, op + ": " + reason);
  }

  /** {@code dir/name}: a child path, built from bytes. */
  public static byte[] join(byte[] dir, byte[] name) {
    boolean slash = dir.length > 0 && dir[dir.length - 1] == '/';
    byte[] out = Arrays.copyOf(dir, dir.length + (slash ? 0 : 1) + name.length);
    if (!slash) {
      out[dir.length] = '/';
    }
    System.arraycopy(name, 0, out, out.length - name.length, name.length);
    return out;
  }

  /** {@code dir/name} for an ASCII name. */
  public static byte[] join(byte[] dir, String asciiName) {
    return join(dir, asciiName.getBytes(StandardCharsets.US_ASCII));
  }

  /** The path as a NUL-terminated C string. */
  private static byte[] cstr(byte[] path) {
    return Arrays.copyOf(path, path.length + 1);
  }

  /** Human-readable form of a byte path (invalid UTF-8 shown as U+FFFD). */
  public static String display(byte[] path) {
    return new String(path, StandardCharsets.UTF_8);
  }

  /** The bytes of a path the user typed (command-line arguments arrive as UTF-8 strings). */
  public static byte[] bytes(String userPath) {
    return userPath.getBytes(StandardCharsets.UTF_8);
  }

  /** An absolute byte path for a NIO path that came from the user or the JVM (ASCII/UTF-8). */
  public static byte[] bytes(Path path) {
    return bytes(path.toAbsolutePath().normalize().toString());
  }
}
