package dev.rewind.cli;

import dev.rewind.fuse.FuseMount;
import dev.rewind.fuse.MountLog;
import dev.rewind.fuse.MountOptions;
import dev.rewind.fuse.Mountpoints;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code rewind mount [-o OPTIONS] [--daemon] ROOT MOUNTPOINT}: the history of every repository
 * under ROOT as a read-only file system. Names must pass byte-exact, which needs the default
 * charset ISO-8859-1, and the heap must stay within the bound the cache budgets give; unless
 * this JVM already has both, the file system is served by a JVM started for it. In the
 * foreground this command waits and unmounts on SIGINT/SIGTERM; as a daemon it returns once the
 * mount is up.
 */
@Command(name = "mount", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Mount the history of the repositories under ROOT read-only at MOUNTPOINT.",
        "ROOT holds one repository per host (ROOT/<host>/rdiff-backup-data), or is itself one repository (one host).",
        "Layout: /<host>/YYYY-MM-DD (the last session of each day), /<host>/YYYY-MM-DDTHH:MM:SS+HH:MM (every"
            + " session, ISO 8601 in the mount's time zone), /<host>/latest -> the newest session.",
        "Files show their recorded owner, mode, mtime, size and links; the kernel enforces owners and modes"
            + " (default_permissions). Unmount with 'umount MOUNTPOINT' or 'fusermount -u MOUNTPOINT'."},
    footer = {"", "Mount options (-o, comma-separated):",
        "  allow_other          let other users in (owners and modes are still enforced)",
        "  tz=ZONE              time zone of the session names (default: the system's)",
        "  numeric_ids          show recorded uids/gids; default: a recorded name that exists here wins",
        "  index_mem=SIZE       memory for session indexes (default 256M)",
        "  cache_mem=SIZE       memory for rebuilt older versions (default 64M)",
        "  cache_mem_file=SIZE  larger rebuilt versions go to disk (default 2M)",
        "  cache_disk=SIZE      disk for rebuilt versions (default 4G)",
        "  cache_dir=DIR        where the private cache directory is made (default /var/tmp)",
        "  refresh=SECONDS      how often new hosts and sessions are looked for (default 1)",
        "  timeout=SECONDS      longest wait for indexing a session or rebuilding a file (default 600)",
        "  threads=N            threads for indexing and rebuilding (default: the number of CPUs)",
        "  no_warm_up           report the mount ready without first running the request path on a",
        "                       synthetic tree (a few seconds of CPU; the first big scan is then slower)",
        "  no_readdirplus       list directories without each entry's attributes (every stat is then a",
        "                       request of its own; for kernels that mishandle READDIRPLUS)",
        "  log=FILE             the daemon's log (default /var/log/rewind/mount.log, as non-root",
        "                       ~/.local/state/rewind/mount.log)",
        "  entry_timeout=, attr_timeout= (default 60), negative_timeout=, allow_root, noexec, fsname=...",
        "                       are passed to FUSE; ro, nosuid, nodev, default_permissions and use_ino are",
        "                       always on; mount(8)'s own options (defaults, noauto, _netdev, x-...) are ignored.",
        "The serving JVM's heap is index_mem + cache_mem + 256M."})
final class MountCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "-o", paramLabel = "OPTIONS", description = "Mount options, comma-separated (see below).")
  List<String> options = new ArrayList<>();

  @Option(names = {"-d", "--daemon"}, description = "Return once mounted; the file system is served in the background.")
  boolean daemon;

  @Option(names = {"-f", "--foreground"}, description = "Serve until unmounted or interrupted (the default).")
  boolean foreground;

  @Option(names = "--serve", hidden = true, description = "Serve the mount in this JVM (used by the launcher).")
  boolean serve;

  @Option(names = "--notify-ready", hidden = true, description = "Print READY on stdout once mounted.")
  boolean notifyReady;

  @Option(names = "--exit-with-parent", hidden = true, description = "Unmount when the launching process ends.")
  boolean exitWithParent;

  @Parameters(index = "0", paramLabel = "ROOT", description = "Directory of repositories (or one repository).")
  String root;

  @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing directory.")
  String mountpoint;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (daemon && foreground) {
      throw new IllegalArgumentException("choose either --daemon or --foreground");
    }
    MountOptions opts = MountOptions.parse(options);
    Path rootPath = checkRoot(Path.of(root).toAbsolutePath().normalize());
    Path mp = Path.of(mountpoint).toAbsolutePath().normalize();
    MountLog log = new StderrLog(System.err);
    if (serve) {
      return serve(opts, rootPath, mp, log);
    }
    Mountpoints.prepare(mp, log);
    for (String note : opts.notes()) {
      System.err.println("rewind: note: " + note);
    }
    Stat st = Posix.lstat(Posix.bytes(rootPath));
    if ((st.mode() & 0007) != 0) {
      System.err.println("rewind: note: other users may enter '" + rootPath + "' (mode "
          + Integer.toOctalString(st.permissions()) + "); the mount enforces every file's recorded owner and mode,"
          + " but the repositories themselves are best kept private (chmod 700)");
    }
    if (!daemon && MountLauncher.canServeHere(opts)) {
      return serve(opts, rootPath, mp, log); // this JVM already has the charset and a heap within the bound
    }
    MountLauncher launcher = new MountLauncher(opts, options, rootPath, mp);
    return daemon ? launcher.daemon() : launcher.foreground();
  }

  /** ROOT must be a directory. */
  private static Path checkRoot(Path rootPath) throws IOException {
    Stat st = Posix.lstatOrNull(Posix.bytes(rootPath));
    if (st == null) {
      throw new NoSuchFileException(rootPath.toString(), null, "ROOT does not exist");
    }
    if ((st.mode() & Stat.S_IFMT) != Stat.S_IFDIR) {
      throw new NotDirectoryException(rootPath.toString());
    }
    return rootPath;
  }

  private int serve(MountOptions opts, Path rootPath, Path mp, MountLog log) throws IOException, InterruptedException {
    if (!Charset.defaultCharset().equals(StandardCharsets.ISO_8859_1)) {
      throw new IllegalStateException("--serve needs -Dfile.encoding=ISO-8859-1 (run 'rewind mount' without --serve)");
    }
    PrintStream ready = System.out;
    Mountpoints.prepare(mp, log);
    FuseMount mount = new FuseMount(Posix.bytes(rootPath), mp, opts, new LocalIds(opts.numericIds()), log, () -> {
      if (notifyReady) {
        ready.println(MountLauncher.READY);
        ready.flush();
        System.setOut(System.err); // the launcher stops listening now
      }
      log.info("mounted '" + rootPath + "' on '" + mp + "' (pid " + ProcessHandle.current().pid() + ")");
    });
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      mount.unmount(Duration.ofSeconds(20));
      awaitQuietly(done);
    }, "rewind-unmount");
    Runtime.getRuntime().addShutdownHook(hook);
    if (exitWithParent) {
      ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> mount.unmount(Duration.ofSeconds(20))));
    }
    try {
      mount.run();
      log.info("unmounted '" + mp + "'");
      return ExitCode.OK;
    } catch (IOException e) {
      if (notifyReady) {
        ready.println("rewind: error: " + ErrorReporter.describe(e));
        ready.flush();
      }
      throw e;
    } finally {
      mount.close();
      done.countDown();
    }
  }

  private static void awaitQuietly(CountDownLatch done) {
    try {
      done.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
