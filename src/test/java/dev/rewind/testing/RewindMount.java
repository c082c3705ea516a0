package dev.rewind.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.rewind.posix.Posix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code rewind mount} of the packaged jar for integration tests, and the JUnit extension
 * that guarantees nothing stays mounted: every mount made through this class is unmounted after
 * each test ({@code fusermount -u}, then the lazy {@code -u -z}, then the serving processes are
 * killed), and after all tests of a class any {@code fuse.rewind} mount left under the test
 * directories is removed. Every wait has a timeout, so a hung mount cannot hang the run.
 *
 * <p>Use {@code @ExtendWith(RewindMount.Cleanup.class)} and {@link #foreground} / {@link #daemon};
 * a mount made in {@code @BeforeAll} is kept for the whole class with {@link #keepForClass()}.
 */
public final class RewindMount implements AutoCloseable {
  private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STEP = Duration.ofSeconds(10);
  private static final Set<RewindMount> OPEN = ConcurrentHashMap.newKeySet();
  private static final Set<RewindMount> FOR_CLASS = ConcurrentHashMap.newKeySet();

  private final Path mountpoint;
  private final Process process;
  private final Path log;

  private RewindMount(Path mountpoint, Process process, Path log) {
    this.mountpoint = mountpoint.toAbsolutePath().normalize();
    this.process = process;
    this.log = log;
  }

  /** {@code java -jar rewind.jar mount [-o OPTIONS] ROOT MOUNTPOINT} in the foreground, as a child process. */
  public static RewindMount foreground(Path root, Path mountpoint, String... options) {
    // the JVM options with which 'rewind mount' serves in its own JVM (no second JVM to start)
    return foreground(List.of("-Dfile.encoding=ISO-8859-1", "-Xmx512m"), root, mountpoint, options);
  }

  /** The same with the given JVM options before {@code -jar} (e.g. none, to test the charset re-exec). */
  public static RewindMount foreground(List<String> jvmOptions, Path root, Path mountpoint, String... options) {
    Tools.require("fusermount");
    List<String> cmd = java(jvmOptions);
    cmd.add("mount");
    for (String o : options) {
      cmd.add("-o");
      cmd.add(o);
    }
    cmd.add(root.toString());
    cmd.add(mountpoint.toString());
    try {
      Path log = Files.createTempFile("rewind-mount-", ".log");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().put("LC_ALL", "C.UTF-8"); // a UTF-8 default charset unless the JVM options say otherwise
      Process p = pb.start();
      RewindMount m = new RewindMount(mountpoint, p, log);
      OPEN.add(m);
      m.awaitMounted();
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code java -jar rewind.jar mount --daemon ...}: returns once that command has exited 0. */
  public static RewindMount daemon(Path root, Path mountpoint, String... options) {
    Tools.require("fusermount");
    List<String> cmd = java(List.of("-Dfile.encoding=ISO-8859-1"));
    cmd.addAll(List.of("mount", "--daemon"));
    for (String o : options) {
      cmd.add("-o");
      cmd.add(o);
    }
    cmd.add(root.toString());
    cmd.add(mountpoint.toString());
    Proc.Result r = Proc.run(cmd, null, Map.of("LC_ALL", "C.UTF-8"), MOUNT_TIMEOUT);
    RewindMount m = adopt(mountpoint);
    if (r.exitCode() != 0) {
      m.close();
      fail("rewind mount --daemon exited " + r.exitCode() + ": " + r.stderr());
    }
    m.awaitMounted();
    return m;
  }

  /** Takes charge of a mount made by other means (mount(8), a daemon), so that it is cleaned up. */
  public static RewindMount adopt(Path mountpoint) {
    RewindMount m = new RewindMount(mountpoint, null, null);
    OPEN.add(m);
    return m;
  }

  private static List<String> java(List<String> jvmOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(RewindJar.jar().toString());
    return cmd;
  }

  /** Keeps this mount until the end of the test class (for a mount made in {@code @BeforeAll}). */
  public RewindMount keepForClass() {
    OPEN.remove(this);
    FOR_CLASS.add(this);
    return this;
  }

  public Path path() {
    return mountpoint;
  }

  /** What the foreground process printed (its log). */
  public String output() {
    try {
      return log == null ? "" : Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read the log: " + e + ")";
    }
  }

  /** The foreground process, or null for a daemon or an adopted mount. */
  public Process process() {
    return process;
  }

  /** Whether a {@code fuse.rewind} mount is at the mount point now. */
  public boolean isMounted() {
    return isMounted(mountpoint);
  }

  public static boolean isMounted(Path mountpoint) {
    return mountsUnder(mountpoint.toAbsolutePath().normalize(), true).size() > 0;
  }

  private void awaitMounted() {
    long deadline = System.nanoTime() + MOUNT_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (isMounted() && answers()) {
        return;
      }
      if (process != null && !process.isAlive()) {
        fail("rewind mount exited " + process.exitValue() + " before mounting:\n" + output());
      }
      sleep(100);
    }
    close();
    fail("not mounted within " + MOUNT_TIMEOUT + ":\n" + output());
  }

  /**
   * Whether the mount answers: a dead mount left by a crash is still listed, and even a stat may
   * be answered from the kernel's cache, but reading the directory fails.
   */
  private boolean answers() {
    try {
      Posix.list(Posix.bytes(mountpoint));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits until the mount point is no longer mounted; false on timeout. */
  public boolean awaitUnmounted(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!isMounted()) {
        return true;
      }
      sleep(100);
    }
    return false;
  }

  /** Unmounts (politely, then lazily) and ends the serving process; never hangs. */
  @Override
  public void close() {
    OPEN.remove(this);
    FOR_CLASS.remove(this);
    unmount(mountpoint);
    if (process != null) {
      try {
        if (!process.waitFor(STEP.toMillis(), TimeUnit.MILLISECONDS)) {
          process.descendants().forEach(ProcessHandle::destroy);
          process.destroy();
          if (!process.waitFor(STEP.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(STEP.toMillis(), TimeUnit.MILLISECONDS);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    unmount(mountpoint);
    if (log != null) {
      try {
        Files.deleteIfExists(log);
      } catch (IOException e) {
        // a temp file: harmless
      }
    }
  }

  /** {@code fusermount -u}, then {@code fusermount -u -z} if it is still there. */
  public static void unmount(Path mountpoint) {
    if (!isMounted(mountpoint)) {
      return;
    }
    Proc.run(List.of("fusermount", "-u", mountpoint.toString()), null, Map.of(), STEP);
    if (isMounted(mountpoint)) {
      Proc.run(List.of("fusermount", "-u", "-z", mountpoint.toString()), null, Map.of(), STEP);
    }
  }

  /** The {@code fuse.rewind} mount points at or (unless {@code exact}) below {@code dir}. */
  static List<Path> mountsUnder(Path dir, boolean exact) {
    List<Path> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1)) {
        String[] f = line.split(" ");
        int dash = java.util.Arrays.asList(f).indexOf("-");
        if (f.length > 4 && dash > 0 && dash + 1 < f.length && f[dash + 1].equals("fuse.rewind")) {
          Path mp = Path.of(f[4].replace("\\040", " "));
          if (exact ? mp.equals(dir) : mp.startsWith(dir)) {
            out.add(mp);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /**
   * Closes every mount of the test after each test, and after all tests of the class removes
   * any {@code fuse.rewind} mount left below the temporary directory; fails the class if one was
   * left (after removing it).
   */
  /**
   * The names in {@code dir} (Latin-1 for the raw bytes), sorted; a failure reads as one
   * "(message)" entry, so that a test can wait for a listing to change.
   */
  public static List<String> names(Path dir) {
    try {
      List<String> out = new ArrayList<>();
      for (byte[] n : Posix.list(Posix.bytes(dir))) {
        out.add(new String(n, StandardCharsets.ISO_8859_1));
      }
      out.sort(null);
      return out;
    } catch (IOException e) {
      return List.of("(" + e.getMessage() + ")");
    }
  }

  /** Waits (polling every 200 ms) until {@code condition} holds; fails naming {@code what} after {@code timeout}. */
  public static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + timeout + ": " + what);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(e);
      }
    }
  }

  public static final class Cleanup implements AfterEachCallback, AfterAllCallback {
    @Override
    public void afterEach(ExtensionContext context) {
      for (RewindMount m : new ArrayList<>(OPEN)) {
        m.close();
      }
      List<Path> left = new ArrayList<>();
      Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
      for (Path p : mountsUnder(tmp, false)) {
        if (FOR_CLASS.stream().noneMatch(m -> m.mountpoint.equals(p))) {
          left.add(p);
          unmount(p);
        }
      }
      if (!left.isEmpty()) {
        fail(context.getDisplayName() + " left mounts behind (now removed): " + left);
      }
    }

    @Override
    public void afterAll(ExtensionContext context) {
      for (RewindMount m : new ArrayList<>(OPEN)) {
        m.close();
      }
      for (RewindMount m : new ArrayList<>(FOR_CLASS)) {
        m.close();
      }
      Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
      List<Path> left = mountsUnder(tmp, false);
      for (Path p : left) {
        unmount(p);
      }
      if (!left.isEmpty()) {
        fail("mounts were left behind (now removed): " + left);
      }
    }
  }
}
