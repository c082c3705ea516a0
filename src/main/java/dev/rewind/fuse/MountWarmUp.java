package dev.rewind.fuse;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Type;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.history.History;
import dev.rewind.history.IndexCache;
import dev.rewind.history.Scratch;
import dev.rewind.history.SessionIndex;
import dev.rewind.history.VersionCache;
import dev.rewind.posix.Posix;
import dev.rewind.repo.MetadataWriter;
import dev.rewind.repo.Repository;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;

/**
 * Runs the mount's own request path on a small synthetic repository before the mount reports
 * ready, so that the first scan a user makes (a {@code find}, an {@code rsync} or {@code diff -r}
 * out of a session) runs compiled code rather than the JVM's interpreter.
 *
 * <p>Why: a scan of a session costs one getattr per entry (as a LOOKUP of its own or, with
 * {@link ReaddirPlus}, inside a listing), and on a new daemon the first tens of thousands of
 * them, and the session's index build, run interpreted while the JIT compiles that path on the
 * same cores. Measured on the
 * project's 2-core VM, {@code find -ls} over a cold 100,000-entry session took 5.0-7.6 s on a new
 * daemon and 3.8-4.0 s on one whose JIT had already compiled the path.
 *
 * <p>What it does: writes a synthetic repository into a private directory under the mount's
 * cache directory (one session of {@link #DIRECTORIES} directories under {@link
 * #TOP_DIRECTORIES} top ones, each of {@link #FILES_PER_DIRECTORY} entries: regular files, some
 * hard links and symbolic links; gzipped metadata only, as rdiff-backup writes it), serves it with
 * a second {@link RewindFs} built like the mount's (its id mapping, time zone, clock, refresh
 * interval), and {@link #ROUNDS} times does what {@code find -ls} makes libfuse do: for each
 * directory {@code readdir}, then {@code getattr} of every entry, then the same in each
 * subdirectory, all through the native callbacks libfuse calls, so that the upcall glue is
 * compiled too and the code's type profile is the mount's (code compiled for another profile
 * would be thrown away on the first real request). Then it deletes the directory. It reads
 * nothing of the mounted repositories and builds none of their indexes (nothing of them is built
 * at mount time). Measured on the project's 2-core VM it costs 2-5 s of CPU once per mount, for
 * 2-3 s less daemon CPU in the first scan of a 100,000-entry session.
 */
final class MountWarmUp {
  static final int TOP_DIRECTORIES = 4;
  static final int DIRECTORIES = 20;
  static final int FILES_PER_DIRECTORY = 500;
  static final int ROUNDS = 3;
  static final int INDEX_ROUNDS = 6;
  private static final long SESSION = 1_700_000_000L;
  private static final String HOST = "warm-up";
  /** Names of entries that are not directories start so (directories start with "top" or "d"). */
  private static final String FILE_PREFIX = "f";
  private static final int PATH_BYTES = 256;
  private static final int STAT_BYTES = 256;
  private static final int FILE_INFO_BYTES = 128;

  private MountWarmUp() {}

  /** libfuse's {@code fuse_fill_dir_t}, implemented here to receive what readdir lists. */
  public interface Filler {
    @Delegate
    int apply(Pointer buf, Pointer name, Pointer stat, long offset);
  }

  /**
   * Warms up in a new private directory under the mount's {@code cache_dir}, with the mount's
   * id mapping, clock and refresh interval; returns the number of {@code getattr} calls
   * answered without error. Failures are logged and end the warm-up early: it is an
   * optimisation, never a reason not to mount.
   */
  static int run(MountOptions options, IdMapping ids, MountLog log) {
    Path dir = null;
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "rewind-warm-up-index");
      t.setDaemon(true);
      return t;
    });
    Scratch scratch = null;
    try {
      dir = Files.createTempDirectory(options.cacheDir(), ".rewind-warm-up-");
      writeRepository(dir.resolve(HOST));
      scratch = Scratch.in(Posix.bytes(dir));
      indexRepeatedly(dir.resolve(HOST), scratch);
      Hosts hosts = new Hosts(Posix.bytes(dir), scratch, options.zone(), FuseMount.NANO_CLOCK,
          options.refresh().toNanos(), log);
      HistoryTree tree = new HistoryTree(hosts, new IndexCache(16 << 20, pool, FuseMount.MAY_BLOCK),
          new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 20, pool, FuseMount.MAY_BLOCK), ids, Duration.ofMinutes(1),
          SESSION, FuseMount.NANO_CLOCK, options.refresh());
      return new Calls(new RewindFs(tree, log, () -> { })).exercise();
    } catch (IOException | RuntimeException e) {
      log.warn("warm-up skipped: " + e);
      return 0;
    } finally {
      pool.shutdownNow();
      closeQuietly(scratch);
      deleteQuietly(dir);
    }
  }

  /**
   * Builds the synthetic session's index {@link #INDEX_ROUNDS} times. The first look into a real
   * session waits for its index (100,000 entries take about 0.3 s with compiled code and 0.75 s
   * on a new JVM); one build of the small synthetic session leaves the reader and the builder
   * half compiled.
   */
  private static void indexRepeatedly(Path repo, Scratch scratch) throws IOException {
    History history = History.open(Repository.open(Posix.bytes(repo)), scratch);
    for (int i = 0; i < INDEX_ROUNDS; i++) {
      SessionIndex.build(history, history.current());
    }
  }

  /** Calls into a {@link RewindFs} through the native callbacks libfuse calls, as find does. */
  private static final class Calls {
    private static final CallContext GETATTR = CallContext.getCallContext(Type.SINT32,
        new Type[] {Type.POINTER, Type.POINTER}, CallingConvention.DEFAULT, false);
    private static final CallContext READDIR = CallContext.getCallContext(Type.SINT32,
        new Type[] {Type.POINTER, Type.POINTER, Type.POINTER, Type.SINT64, Type.POINTER}, CallingConvention.DEFAULT,
        false);

    private final long getattr;
    private final long readdir;
    private final Pointer path;
    private final Pointer stat;
    private final Pointer fileInfo;
    private final List<String> listed = new ArrayList<>();
    private final Filler filler;
    private final Pointer fillerAddress;

    Calls(RewindFs fs) {
      jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getSystemRuntime();
      this.getattr = fs.nativeGetattr();
      this.readdir = fs.nativeReaddir();
      this.path = Memory.allocateDirect(runtime, PATH_BYTES, true);
      this.stat = Memory.allocateDirect(runtime, STAT_BYTES, true);
      this.fileInfo = Memory.allocateDirect(runtime, FILE_INFO_BYTES, true);
      this.filler = (buf, name, st, offset) -> {
        listed.add(name.getString(0, PATH_BYTES, StandardCharsets.ISO_8859_1));
        return 0;
      };
      this.fillerAddress = runtime.getClosureManager().getClosurePointer(Filler.class, filler);
    }

    /** Walks the session {@link #ROUNDS} times as {@code find} does. */
    int exercise() {
      String host = "/" + HOST;
      list(host);
      String session = host + "/" + listed.stream().filter(n -> n.indexOf('T') > 0).findFirst()
          .orElseThrow(() -> new IllegalStateException("the synthetic session is not listed: " + listed));
      int ok = 0;
      for (int round = 0; round < ROUNDS; round++) {
        ok += walk(session);
      }
      return ok;
    }

    /** Lists {@code directory}, asks the attributes of each entry, then walks the subdirectories. */
    private int walk(String directory) {
      list(directory);
      List<String> subdirectories = new ArrayList<>();
      int ok = 0;
      for (String name : List.copyOf(listed)) {
        if (name.equals(".") || name.equals("..")) {
          continue;
        }
        String child = directory + "/" + name;
        if (getattr(child)) {
          ok++;
          if (!name.startsWith(FILE_PREFIX)) {
            subdirectories.add(child);
          }
        }
      }
      for (String child : subdirectories) {
        ok += walk(child);
      }
      return ok;
    }

    private void list(String directory) {
      listed.clear();
      put(directory);
      fileInfo.setMemory(0, FILE_INFO_BYTES, (byte) 0);
      Invoker.getInstance().invokeN5(READDIR, readdir, path.address(), 0, fillerAddress.address(), 0,
          fileInfo.address());
    }

    private boolean getattr(String p) {
      put(p);
      stat.setMemory(0, STAT_BYTES, (byte) 0); // libfuse hands over a zeroed struct stat
      return (int) Invoker.getInstance().invokeN2(GETATTR, getattr, path.address(), stat.address()) == 0;
    }

    private void put(String p) {
      byte[] b = p.getBytes(StandardCharsets.ISO_8859_1);
      path.put(0, b, 0, b.length);
      path.putByte(b.length, (byte) 0);
    }
  }

  /** One session: the root, then each directory followed by its entries (index order). */
  private static void writeRepository(Path repo) throws IOException {
    Path data = repo.resolve("rdiff-backup-data");
    Files.createDirectories(data.resolve("increments"));
    Files.write(data.resolve("chars_to_quote"), new byte[0]);
    String time = Instant.ofEpochSecond(SESSION).toString();
    // gzipped, as rdiff-backup writes it, so that the index build reads it the way it reads theirs
    try (OutputStream out = new BufferedOutputStream(new GZIPOutputStream(
        Files.newOutputStream(data.resolve("mirror_metadata." + time + ".snapshot.gz")), 1 << 16), 1 << 16)) {
      MetadataWriter.write(out, directory(RelPath.ROOT));
      for (int d = 0; d < DIRECTORIES; d++) {
        RelPath directory = RelPath.of(directoryName(d));
        if (d % (DIRECTORIES / TOP_DIRECTORIES) == 0) {
          MetadataWriter.write(out, directory(directory.parent()));
        }
        MetadataWriter.write(out, directory(directory));
        for (int f = 0; f < FILES_PER_DIRECTORY; f++) {
          MetadataWriter.write(out, entry(directory.child(fileName(f).getBytes(StandardCharsets.US_ASCII)), d, f));
        }
      }
    }
    Files.write(data.resolve("current_mirror." + time + ".data"), "PID 1\n".getBytes(StandardCharsets.US_ASCII));
  }

  /** Mostly regular files; every 50th a symbolic link, every 100th one of a pair of hard links. */
  private static FileMeta entry(RelPath path, int d, int f) {
    FileMeta.Builder b = new FileMeta.Builder();
    b.path = path;
    b.mtime = SESSION;
    b.uname = "root";
    b.gname = "root";
    if (f % 50 == 49) {
      b.type = FileType.SYMLINK;
      b.permissions = 0777;
      b.symlinkTarget = fileName(f - 1).getBytes(StandardCharsets.US_ASCII);
      return b.build();
    }
    b.type = FileType.REGULAR;
    b.permissions = f % 7 == 0 ? 0600 : 0644;
    b.mtime = SESSION - 60L * f;
    b.sha1 = String.format("%040x", 1_000_003L * d + f);
    b.size = 1024L * (1 + f % 16);
    if (f % 100 < 2) {
      b.numHardLinks = 2;
      b.inode = 1000L * d + f / 100;
      b.deviceLoc = 1;
    }
    return b.build();
  }

  private static FileMeta directory(RelPath path) {
    FileMeta.Builder b = new FileMeta.Builder();
    b.path = path;
    b.type = FileType.DIRECTORY;
    b.mtime = SESSION;
    b.permissions = 0755;
    b.uname = "root"; // owners by name, as rdiff-backup records them, so that the id mapping runs too
    b.gname = "root";
    return b.build();
  }

  /** Leaf directories sit two levels down, as in most real trees (paths of several depths). */
  private static String directoryName(int d) {
    return String.format("top%d/d%03d", d / (DIRECTORIES / TOP_DIRECTORIES), d);
  }

  private static String fileName(int f) {
    return String.format(FILE_PREFIX + "%05d", f);
  }

  private static void closeQuietly(Scratch scratch) {
    if (scratch != null) {
      try {
        scratch.close();
      } catch (IOException e) {
        // the directory is removed below anyway
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // a leftover private directory in the cache directory is harmless
    }
  }
}
