package dev.rewind.cli;

import dev.rewind.fuse.MountOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts the JVM that serves a mount: {@code -Dfile.encoding=ISO-8859-1} (so jnr-fuse passes
 * names byte-exact), {@code -Xmx} from the cache budgets, and exit on out-of-memory (a dead
 * mount is cleared by the next {@code rewind mount}; a half-working one is not). In the
 * foreground it waits for that JVM and passes SIGTERM on; as a daemon it detaches it ({@code
 * setsid}, stdin from {@code /dev/null}, stderr to the log file) and returns once it reports the
 * mount is up.
 */
final class MountLauncher {
  static final String READY = "READY";
  private static final long READY_TIMEOUT_SECONDS = 120;

  private final MountOptions opts;
  private final List<String> rawOptions;
  private final Path root;
  private final Path mountpoint;

  MountLauncher(MountOptions opts, List<String> rawOptions, Path root, Path mountpoint) {
    this.opts = opts;
    this.rawOptions = List.copyOf(rawOptions);
    this.root = root;
    this.mountpoint = mountpoint;
  }

  /**
   * Whether this JVM may serve the mount itself: its default charset is ISO-8859-1 and its heap
   * limit is within the bound (for example {@code java -Dfile.encoding=ISO-8859-1 -Xmx576m -jar}).
   */
  static boolean canServeHere(MountOptions opts) {
    return java.nio.charset.Charset.defaultCharset().equals(StandardCharsets.ISO_8859_1)
        && Runtime.getRuntime().maxMemory() <= opts.heapBytes();
  }

  /** Serves in a child JVM until it ends; returns its exit code. */
  int foreground() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command("--exit-with-parent")).inheritIO().start();
    Thread hook = new Thread(() -> stop(p), "rewind-mount-stop"); // SIGTERM: the child unmounts
    Runtime.getRuntime().addShutdownHook(hook);
    int rc = p.waitFor();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs anyway
    }
    return rc;
  }

  /**
   * Starts a child that serves the mount for as long as this JVM lives (or until closed) and
   * returns once the mount is up; its messages go to this process's stderr. For callers that
   * show the mount and then take it down, like {@code rewind demo}.
   *
   * @throws IOException when the mount does not come up, with the child's reason
   */
  Attached attached() throws IOException, InterruptedException {
    Process p = start(command("--notify-ready", "--exit-with-parent"), ProcessBuilder.Redirect.INHERIT);
    List<String> said = new ArrayList<>();
    boolean up;
    try {
      up = readyWithin(p, said);
    } catch (TimeoutException e) {
      up = false;
    }
    if (!up) {
      stop(p);
      String reason = said.stream().filter(l -> l.startsWith("rewind: error:")).findFirst()
          .map(l -> l.substring("rewind: error:".length()).trim()).orElse("the mount did not come up");
      throw new IOException(reason);
    }
    return new Attached(p);
  }

  /** A mount served by a child of this JVM; closing it (or this JVM ending) unmounts. */
  static final class Attached implements AutoCloseable {
    private final Process child;
    private final Thread hook;

    private Attached(Process child) {
      this.child = child;
      this.hook = new Thread(() -> stop(child), "rewind-mount-stop");
      Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C unmounts too
    }

    @Override
    public void close() {
      stop(child);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook runs anyway
      }
    }
  }

  /** SIGTERM (the child unmounts and exits), then, after 30 s, SIGKILL. */
  private static void stop(Process p) {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts a detached child and returns once it reports the mount is up. */
  int daemon() throws IOException, InterruptedException {
    Path log = logFile();
    Files.createDirectories(log.getParent());
    long logStart = Files.exists(log) ? Files.size(log) : 0;
    List<String> cmd = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      cmd.add("/usr/bin/setsid");
    }
    cmd.addAll(command("--notify-ready"));
    Process p = start(cmd, ProcessBuilder.Redirect.appendTo(log.toFile()));
    List<String> said = new ArrayList<>();
    boolean up;
    try {
      up = readyWithin(p, said);
    } catch (TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("the mount did not come up within " + READY_TIMEOUT_SECONDS + " s (log: " + log + ")");
    }
    p.getInputStream().close();
    if (up) {
      return ExitCode.OK;
    }
    p.waitFor(10, TimeUnit.SECONDS);
    for (String line : said) {
      System.err.println(line);
    }
    for (String line : tail(log, logStart)) {
      System.err.println("rewind: daemon: " + line);
    }
    return said.stream().anyMatch(l -> l.startsWith("rewind: error:")) ? ExitCode.ERROR : ExitCode.INTERNAL;
  }

  private static Process start(List<String> cmd, ProcessBuilder.Redirect stderr) throws IOException {
    return new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectError(stderr).start();
  }

  /** Whether the child said READY (false: it ended first); what it said before goes to {@code said}. */
  private static boolean readyWithin(Process p, List<String> said) throws TimeoutException, InterruptedException {
    CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> awaitReady(p, said));
    try {
      return ready.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return false;
    }
  }

  private static boolean awaitReady(Process p, List<String> said) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.equals(READY)) {
          return true;
        }
        said.add(line);
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  private static List<String> tail(Path log, long from) {
    try {
      byte[] all = Files.readAllBytes(log);
      String s = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
          StandardCharsets.UTF_8);
      List<String> lines = s.lines().filter(l -> !l.isBlank()).toList();
      return lines.subList(Math.max(0, lines.size() - 5), lines.size());
    } catch (IOException e) {
      return List.of();
    }
  }

  private Path logFile() {
    if (opts.log() != null) {
      return opts.log().toAbsolutePath();
    }
    if (dev.rewind.posix.Posix.isRoot()) {
      return Path.of("/var/log/rewind/mount.log");
    }
    String state = System.getenv("XDG_STATE_HOME");
    Path base = state != null && !state.isBlank() ? Path.of(state) : Path.of(System.getProperty("user.home"), ".local", "state");
    return base.resolve("rewind").resolve("mount.log");
  }

  /** {@code java ... dev.rewind.cli.Main mount --serve FLAG -o ... ROOT MOUNTPOINT}. */
  private List<String> command(String... flags) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.add("-Dfile.encoding=ISO-8859-1");
    // SerialGC and a heap that starts small: on two cores G1's own threads and a young
    // generation of fresh pages (each first touch a page fault) cost a scan more than the
    // collections they save; the indexes are a few big arrays, cheap for a full collection
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xms16m");
    cmd.add("-Xmx" + (opts.heapBytes() >> 20) + "m");
    cmd.add("-Xss4m");
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    String jffiStub = System.getProperty("jffi.boot.library.path");
    if (jffiStub != null) {
      // the installed launcher's unpacked stub library: the daemon, too, then loads it from there
      // instead of unpacking it into /tmp (where noexec would stop it)
      cmd.add("-Djffi.boot.library.path=" + jffiStub);
    }
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add(Main.class.getName());
    cmd.addAll(List.of("mount", "--serve"));
    cmd.addAll(List.of(flags));
    for (String o : rawOptions) {
      cmd.add("-o");
      cmd.add(o);
    }
    cmd.add(root.toString());
    cmd.add(mountpoint.toString());
    return cmd;
  }

  private static String classPath() {
    List<String> out = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty()) {
        out.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    return String.join(java.io.File.pathSeparator, out);
  }
}
