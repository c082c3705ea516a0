package dev.rewind.fuse;

import com.kenai.jffi.MemoryIO;
import dev.rewind.history.IndexCache;
import dev.rewind.history.Version;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Arrays;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The jnr-fuse adapter: each callback turns the path into bytes, delegates to {@link
 * HistoryTree}, and maps the outcome to an errno. Nothing is ever thrown into native code;
 * unexpected failures are logged and answered with {@code EIO}. Every call that would change
 * anything answers {@code EROFS}.
 *
 * <p>Paths arrive as Strings that jnr-ffi decoded with the JVM's default charset, which must be
 * ISO-8859-1 so that every byte maps to one char and names stay byte-exact (the constructor
 * checks; {@code rewind mount} starts the serving JVM with {@code -Dfile.encoding=ISO-8859-1}).
 * Names going out (readdir, readlink, xattrs) are written as raw bytes.
 */
final class RewindFs extends FuseStubFS implements ReaddirPlus.Listings {
  private static final int O_ACCMODE = 03;
  private static final int O_RDONLY = 0;
  private static final int KEEP_CACHE_WORD = 20;
  private static final int KEEP_CACHE_BIT = 1 << 1;
  /** One {@code struct stat} per thread for readdir entries (only the inode and type are set). */
  private static final ThreadLocal<Pointer> DIR_STAT = ThreadLocal.withInitial(() -> {
    jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getSystemRuntime();
    return jnr.ffi.Memory.allocateDirect(runtime, Math.max(256, Struct.size(new FileStat(runtime))), true);
  });

  /** Armed by {@link ReaddirPlus} around a GETATTR it made up: receives the path libfuse resolved. */
  private static final ThreadLocal<String[]> PATH_CAPTURE = new ThreadLocal<>();

  private final HistoryTree tree;
  private final OpenFiles files = new OpenFiles();
  private final MountLog log;
  private final Runnable onInit;

  RewindFs(HistoryTree tree, MountLog log, Runnable onInit) {
    if (!Charset.defaultCharset().equals(StandardCharsets.ISO_8859_1)) {
      throw new IllegalStateException("the mount needs the JVM's default charset to be ISO-8859-1"
          + " (-Dfile.encoding=ISO-8859-1), not " + Charset.defaultCharset());
    }
    this.tree = tree;
    this.log = log;
    this.onInit = onInit;
    if (RAW_LAYOUT) {
      // skip jnr-fuse's per-call Struct objects on the two hottest paths
      fuseOperations.getattr.set(this::getattrRaw);
      fuseOperations.read.set((path, buf, size, offset, fi) -> read(path, buf, size, offset, fi.getLong(FI_FH)));
    }
  }

  /** x86-64 Linux: {@code struct stat} and {@code struct fuse_file_info} offsets are known. */
  static final boolean RAW_LAYOUT = "amd64".equals(System.getProperty("os.arch"))
      && System.getProperty("os.name", "").startsWith("Linux");
  private static final int FI_FH = 24;
  private static final int ST_INO = 8;
  private static final int ST_NLINK = 16;
  private static final int ST_MODE = 24;
  private static final int ST_UID = 28;
  private static final int ST_GID = 32;
  private static final int ST_RDEV = 40;
  private static final int ST_SIZE = 48;
  private static final int ST_BLKSIZE = 56;
  private static final int ST_BLOCKS = 64;
  private static final int ST_ATIME = 72;
  private static final int ST_MTIME = 88;
  private static final int ST_CTIME = 104;

  /** {@link #getattr} writing x86-64's {@code struct stat} directly (libfuse has zeroed it). */
  int getattrRaw(String path, Pointer st) {
    capture(path);
    try {
      Attributes a = tree.resolve(bytes(path)).attributes();
      st.putLong(ST_INO, a.ino());
      st.putLong(ST_NLINK, a.nlink());
      st.putInt(ST_MODE, a.mode());
      st.putInt(ST_UID, (int) a.uid());
      st.putInt(ST_GID, (int) a.gid());
      st.putLong(ST_RDEV, a.rdev());
      st.putLong(ST_SIZE, a.size());
      st.putLong(ST_BLKSIZE, 1 << 17);
      st.putLong(ST_BLOCKS, a.blocks());
      st.putLong(ST_ATIME, a.mtime());
      st.putLong(ST_MTIME, a.mtime());
      st.putLong(ST_CTIME, a.mtime());
      return 0;
    } catch (Exception e) {
      return errno(e, "getattr", path);
    }
  }

  /** The {@code struct fuse_operations} jnr-fuse filled with this file system's callbacks. */
  Struct operations() {
    return fuseOperations;
  }

  /** The native {@code getattr} callback libfuse calls (for {@link MountWarmUp}). */
  long nativeGetattr() {
    return Struct.getMemory(fuseOperations).getAddress(fuseOperations.getattr.offset());
  }

  /** The native {@code readdir} callback libfuse calls (for {@link MountWarmUp}). */
  long nativeReaddir() {
    return Struct.getMemory(fuseOperations).getAddress(fuseOperations.readdir.offset());
  }

  /** Open handles (for tests and the unmount report). */
  int openFiles() {
    return files.size();
  }

  void closeAll() {
    files.closeAll();
  }

  static byte[] bytes(String path) {
    return path.getBytes(StandardCharsets.ISO_8859_1);
  }

  // ---- reading ---------------------------------------------------------------------------

  @Override
  public int getattr(String path, FileStat stat) {
    capture(path);
    try {
      fill(stat, tree.resolve(bytes(path)).attributes());
      return 0;
    } catch (Exception e) {
      return errno(e, "getattr", path);
    }
  }

  private static void capture(String path) {
    String[] into = PATH_CAPTURE.get();
    if (into != null) {
      into[0] = path;
    }
  }

  @Override
  public void capturePath(String[] into) {
    if (into == null) {
      PATH_CAPTURE.remove();
    } else {
      PATH_CAPTURE.set(into);
    }
  }

  @Override
  public int list(String path, int from, ReaddirPlus.Sink sink) {
    try {
      tree.list(bytes(path), from, sink::add);
      return 0;
    } catch (Exception e) {
      return errno(e, "readdir", path);
    }
  }

  @Override
  public HistoryTree.Listing listing(String path) {
    return tree.listing(bytes(path));
  }

  /** Nothing to open; says the path to {@link ReaddirPlus#opendir} when it asks. */
  @Override
  public int opendir(String path, FuseFileInfo fi) {
    capture(path);
    return 0;
  }

  static void fill(FileStat stat, Attributes a) {
    stat.st_mode.set(a.mode());
    stat.st_ino.set(a.ino());
    stat.st_nlink.set(a.nlink());
    stat.st_uid.set(a.uid());
    stat.st_gid.set(a.gid());
    stat.st_size.set(a.size());
    stat.st_rdev.set(a.rdev());
    stat.st_blksize.set(1 << 17);
    stat.st_blocks.set(a.blocks());
    setTime(stat.st_mtim, a.mtime());
    setTime(stat.st_atim, a.mtime());
    setTime(stat.st_ctim, a.mtime());
  }

  private static void setTime(Timespec t, long seconds) {
    t.tv_sec.set(seconds);
    t.tv_nsec.set(0);
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
    try {
      Pointer statMemory = DIR_STAT.get();
      FileStat stat = FileStat.of(statMemory);
      filter.apply(buf, cstring(new byte[] {'.'}), null, 0);
      filter.apply(buf, cstring(new byte[] {'.', '.'}), null, 0);
      tree.list(bytes(path), (name, ino, mode) -> {
        stat.st_ino.set(ino);
        stat.st_mode.set(mode);
        return filter.apply(buf, cstring(name), statMemory, 0) == 0;
      });
      return 0;
    } catch (Exception e) {
      return errno(e, "readdir", path);
    }
  }

  private static ByteBuffer cstring(byte[] name) {
    return ByteBuffer.wrap(Arrays.copyOf(name, name.length + 1));
  }

  @Override
  public int readlink(String path, Pointer buf, long size) {
    try {
      byte[] target = tree.readlink(bytes(path));
      if (size <= 0) {
        return -ErrorCodes.EINVAL();
      }
      int n = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    } catch (FileSystemException e) {
      return e instanceof NoSuchFileException || e instanceof NotDirectoryException
          ? errno(e, "readlink", path) : -ErrorCodes.EINVAL();
    } catch (Exception e) {
      return errno(e, "readlink", path);
    }
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    if ((fi.flags.get() & O_ACCMODE) != O_RDONLY) {
      return -ErrorCodes.EROFS();
    }
    try {
      HistoryTree.Opened opened = tree.open(bytes(path));
      fi.fh.set(files.add(opened.version()));
      if (opened.stable()) {
        // the content of a session named by its timestamp never changes: keep the page cache
        Pointer m = Struct.getMemory(fi);
        m.putInt(KEEP_CACHE_WORD, m.getInt(KEEP_CACHE_WORD) | KEEP_CACHE_BIT);
      }
      return 0;
    } catch (Exception e) {
      return errno(e, "open", path);
    }
  }

  @Override
  public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    return read(path, buf, size, offset, fi.fh.get());
  }

  private int read(String path, Pointer buf, long size, long offset, long fh) {
    Version v = files.get(fh);
    if (v == null) {
      return -ErrorCodes.EBADF();
    }
    try {
      ByteBuffer dst = buf.isDirect()
          ? MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size)
          : null;
      if (dst != null) {
        return v.read(dst, offset);
      }
      ByteBuffer heap = ByteBuffer.allocate((int) size);
      int n = v.read(heap, offset);
      buf.put(0, heap.array(), 0, n);
      return n;
    } catch (Exception e) {
      return errno(e, "read", path);
    }
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    try {
      files.close(fi.fh.get());
      return 0;
    } catch (Exception e) {
      return errno(e, "release", path);
    }
  }

  @Override
  public int getxattr(String path, String name, Pointer value, long size) {
    try {
      byte[] v = tree.xattr(bytes(path), bytes(name));
      if (v == null) {
        return -ErrorCodes.ENODATA();
      }
      return copyOut(v, value, size);
    } catch (Exception e) {
      return errno(e, "getxattr", path);
    }
  }

  @Override
  public int listxattr(String path, Pointer list, long size) {
    try {
      List<byte[]> names = tree.xattrNames(bytes(path));
      int total = 0;
      for (byte[] n : names) {
        total += n.length + 1;
      }
      byte[] all = new byte[total];
      int at = 0;
      for (byte[] n : names) {
        System.arraycopy(n, 0, all, at, n.length);
        at += n.length + 1;
      }
      return copyOut(all, list, size);
    } catch (Exception e) {
      return errno(e, "listxattr", path);
    }
  }

  /** The xattr size protocol: size 0 asks for the length; too small a buffer is ERANGE. */
  private static int copyOut(byte[] v, Pointer dst, long size) {
    if (size == 0) {
      return v.length;
    }
    if (size < v.length) {
      return -ErrorCodes.ERANGE();
    }
    dst.put(0, v, 0, v.length);
    return v.length;
  }

  @Override
  public int statfs(String path, Statvfs st) {
    st.f_bsize.set(4096);
    st.f_frsize.set(4096);
    st.f_namemax.set(255);
    return 0;
  }

  @Override
  public Pointer init(Pointer conn) {
    try {
      onInit.run();
    } catch (RuntimeException e) {
      log.warn("internal error after mounting: " + e);
    }
    return null;
  }

  // ---- refusing every change -------------------------------------------------------------

  @Override
  public int mknod(String path, long mode, long rdev) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int mkdir(String path, long mode) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int unlink(String path) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int rmdir(String path) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int symlink(String oldpath, String newpath) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int rename(String oldpath, String newpath) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int link(String oldpath, String newpath) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int chmod(String path, long mode) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int chown(String path, long uid, long gid) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int truncate(String path, long size) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int setxattr(String path, String name, Pointer value, long size, int flags) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int removexattr(String path, String name) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int create(String path, long mode, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int ftruncate(String path, long size, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int fallocate(String path, int mode, long off, long length, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  // ---- errors ----------------------------------------------------------------------------

  /** Maps a failure to a negative errno; logs what the user cannot otherwise see. */
  private int errno(Exception e, String op, String path) {
    if (e instanceof NoSuchFileException) {
      return -ErrorCodes.ENOENT();
    }
    if (e instanceof NotDirectoryException) {
      return -ErrorCodes.ENOTDIR();
    }
    if (e instanceof AccessDeniedException) {
      return -ErrorCodes.EACCES();
    }
    if (e instanceof HistoryTree.VersionUnavailable) {
      log.warn(e.getMessage());
      return -ErrorCodes.EIO();
    }
    if (e instanceof IndexCache.TimeoutIOException || e instanceof IOException) {
      log.warn(op + " '" + RelPathDisplay.of(path) + "': " + e.getMessage());
      return -ErrorCodes.EIO();
    }
    log.warn("internal error in " + op + " '" + RelPathDisplay.of(path) + "': " + e);
    return -ErrorCodes.EIO();
  }

  /** Paths in log lines: the bytes decoded as UTF-8, as users typed them. */
  private static final class RelPathDisplay {
    static String of(String path) {
      return new String(bytes(path), StandardCharsets.UTF_8);
    }
  }
}
