package dev.rewind.fuse;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Type;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.history.IndexCache;
import dev.rewind.history.Scratch;
import dev.rewind.history.VersionCache;
import dev.rewind.posix.Posix;
import dev.rewind.repo.MetadataWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/**
 * Runs the mount's own request path on a small synthetic repository before the mount reports
 * ready, so that the first scan a user makes (a {@code find}, an {@code rsync} or {@code diff -r}
 * out of a session) runs compiled code rather than the JVM's interpreter.
 *
 * <p>Why: a scan of a session costs one LOOKUP round trip per entry (libfuse 2 has no
 * READDIRPLUS), and on a new daemon the first tens of thousands of them, and the session's index
 * build, run interpreted while the JIT compiles that path on the same cores. Measured on the
 * project's 2-core VM, {@code find -ls} over a cold 100,000-entry session took 5.0-7.6 s on a new
 * daemon and 3.8-4.0 s on one whose JIT had already compiled the path.
 *
 * <p>What it does: writes a synthetic repository (one session of {@link #DIRECTORIES} directories
 * of {@link #FILES_PER_DIRECTORY} entries, metadata only) into a private directory under the
 * mount's cache directory, serves it with a second {@link RewindFs} of the same classes, lists
 * every directory and asks the attributes of every entry {@link #ROUNDS} times, calling {@code
 * getattr} through its native callback as libfuse does (with the mount's own id mapping), then
 * deletes the directory. It reads
 * nothing of the mounted repositories and builds none of their indexes (nothing of them is built
 * at mount time). It costs about a second of CPU once per mount.
 */
final class MountWarmUp {
  static final int DIRECTORIES = 20;
  static final int FILES_PER_DIRECTORY = 500;
  static final int ROUNDS = 4;
  private static final long SESSION = 1_700_000_000L;
  private static final String HOST = "warm-up";
  private static final int PATH_BYTES = 256;

  private MountWarmUp() {}

  /**
   * Warms up in a new private directory under {@code cacheDir}; returns the number of {@code
   * getattr} calls answered without error. Failures are logged and end the warm-up early: it is
   * an optimisation, never a reason not to mount.
   */
  static int run(Path cacheDir, IdMapping ids, MountLog log) {
    Path dir = null;
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "rewind-warm-up-index");
      t.setDaemon(true);
      return t;
    });
    Scratch scratch = null;
    try {
      dir = Files.createTempDirectory(cacheDir, ".rewind-warm-up-");
      writeRepository(dir.resolve(HOST));
      scratch = Scratch.in(Posix.bytes(dir));
      Hosts hosts = new Hosts(Posix.bytes(dir), scratch, ZoneOffset.UTC, System::nanoTime, Duration.ofMinutes(1).toNanos(), log);
      HistoryTree tree = new HistoryTree(hosts, new IndexCache(16 << 20, pool),
          new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 20, pool), ids, Duration.ofMinutes(1),
          SESSION, System::nanoTime, Duration.ZERO);
      return exercise(new RewindFs(tree, log, () -> { }));
    } catch (IOException | RuntimeException e) {
      log.warn("warm-up skipped: " + e);
      return 0;
    } finally {
      pool.shutdownNow();
      closeQuietly(scratch);
      deleteQuietly(dir);
    }
  }

  private static int exercise(RewindFs fs) {
    jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getSystemRuntime();
    Pointer path = Memory.allocateDirect(runtime, PATH_BYTES, true);
    Pointer stat = Memory.allocateDirect(runtime, 256, true);
    // getattr is the first member of libfuse 2's struct fuse_operations: this is the native
    // callback libfuse calls, so the call goes through the same upcall glue as a real request
    long getattr = Struct.getMemory(fs.operations()).getAddress(0);
    CallContext context = CallContext.getCallContext(Type.SINT32, new Type[] {Type.POINTER, Type.POINTER},
        CallingConvention.DEFAULT, false);
    String session = "/" + HOST + "/" + Instant.ofEpochSecond(SESSION);
    int ok = 0;
    for (int round = 0; round < ROUNDS; round++) {
      for (int d = 0; d < DIRECTORIES; d++) {
        String directory = session + "/" + directoryName(d);
        fs.readdir(directory, null, (buf, name, st, off) -> 0, 0, null);
        for (int f = 0; f < FILES_PER_DIRECTORY; f++) {
          byte[] p = (directory + "/" + fileName(f)).getBytes(StandardCharsets.US_ASCII);
          path.put(0, p, 0, p.length);
          path.putByte(p.length, (byte) 0);
          stat.setMemory(0, 256, (byte) 0); // libfuse hands over a zeroed struct stat
          if ((int) Invoker.getInstance().invokeN2(context, getattr, path.address(), stat.address()) == 0) {
            ok++;
          }
        }
      }
    }
    return ok;
  }

  /** One session: the root, then each directory followed by its entries (index order). */
  private static void writeRepository(Path repo) throws IOException {
    Path data = repo.resolve("rdiff-backup-data");
    Files.createDirectories(data.resolve("increments"));
    Files.write(data.resolve("chars_to_quote"), new byte[0]);
    String time = Instant.ofEpochSecond(SESSION).toString();
    try (OutputStream out = new BufferedOutputStream(
        Files.newOutputStream(data.resolve("mirror_metadata." + time + ".snapshot")), 1 << 16)) {
      MetadataWriter.write(out, meta(RelPath.ROOT, FileType.DIRECTORY, 0755));
      for (int d = 0; d < DIRECTORIES; d++) {
        RelPath directory = RelPath.of(directoryName(d));
        MetadataWriter.write(out, meta(directory, FileType.DIRECTORY, 0755));
        for (int f = 0; f < FILES_PER_DIRECTORY; f++) {
          FileMeta.Builder b = meta(directory.child(fileName(f).getBytes(StandardCharsets.US_ASCII)), FileType.REGULAR,
              0644).toBuilder();
          b.size = 1024L * (1 + f % 16);
          MetadataWriter.write(out, b.build());
        }
      }
    }
    Files.write(data.resolve("current_mirror." + time + ".data"), "PID 1\n".getBytes(StandardCharsets.US_ASCII));
  }

  private static FileMeta meta(RelPath path, FileType type, int permissions) {
    FileMeta.Builder b = new FileMeta.Builder();
    b.path = path;
    b.type = type;
    b.mtime = SESSION;
    b.permissions = permissions;
    b.uname = "root"; // owners by name, as rdiff-backup records them, so that the id mapping runs too
    b.gname = "root";
    return b.build();
  }

  private static String directoryName(int d) {
    return String.format("d%03d", d);
  }

  private static String fileName(int f) {
    return String.format("f%05d", f);
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
