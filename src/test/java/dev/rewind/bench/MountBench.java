package dev.rewind.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.bench.Timed.Measurement;
import dev.rewind.testing.Proc;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The mount benchmark: the same operations on the history mount ({@code rewind mount}) and on
 * its peer, in the same run, on the same tree ({@link BenchTree}: by default 100,000 small files
 * and 16 × 64 MiB files, 11 sessions): sequential reads and 16 parallel readers of the big files
 * in {@code latest} against the mirror; {@code find -ls} and {@code ls -lR} over the newest
 * session against the mirror; the first read of a big file 10 sessions back against {@code
 * rdiff-backup restore --at} of that file; 16 parallel readers 10 sessions back against
 * rdiff-backup restoring those 16 files.
 *
 * <p>Method: the repository lives on a {@link BenchVolume} of its own. The reads of big files
 * are preceded (untimed) by {@code ls -l} of those files on the same side, so that they measure
 * data, not indexing (the listing rows measure that). Measured commands and all
 * mount daemons run at {@code nice -15}. "Cold" runs follow a
 * remount of that volume (and, for Rewind, a new mount: nothing indexed or cached); "warm" runs
 * repeat the operation right after. Before each measured run the benchmark waits (at most {@code
 * bench.quietWait} s) for the rest of the machine to use under a quarter of a core. Each run is
 * timed by GNU time; the mount daemon's own CPU time is read from {@code /proc}. Medians over
 * {@code bench.rounds} rounds (default 3). No thresholds: the report states each goal and
 * whether it was met.
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dit.test=MountBench} (as root; needs rdiff-backup,
 * fusermount, mkfs.ext4, losetup, GNU time). System properties: {@code bench.mountDir} (default
 * {@code /var/tmp/rewind-mount-bench}; the tree and repository are made once and reused), {@code
 * bench.rounds}, {@code bench.quietWait}, {@code bench.smallFiles}, {@code bench.bigFiles},
 * {@code bench.bigFileMiB}, {@code bench.sessions}, {@code bench.seed}.
 */
class MountBench {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(30);
  /** Measured commands and mount daemons run at this niceness, so that other work here disturbs them less. */
  static final String NICE = "-15";
  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXXXX");

  /** Which file system a side needs mounted. */
  private enum Mount {
    NONE,
    REWIND,
    BORG,
    RESTIC
  }

  /**
   * One side of a comparison: the command, what it needs mounted, and an untimed command run
   * before the cold run (e.g. {@code ls -l} of the files to read, so that a read measures data,
   * not the indexing of the session), or null.
   */
  private record Side(String label, String command, Mount mount, String before) {
    Side(String label, String command, Mount mount) {
      this(label, command, mount, null);
    }

    Side withBefore(String before) {
      return new Side(label, command, mount, before);
    }

    boolean rewind() {
      return mount == Mount.REWIND;
    }
  }

  /**
   * An operation measured on its peer (the mirror or rdiff-backup), on Rewind, and on the
   * further peers (borg mount, restic mount) where they apply.
   */
  private record Op(String name, Side peer, Side rewind, List<Side> others, boolean warmToo, long bytes, String goal) {
    List<Side> sides() {
      List<Side> all = new ArrayList<>(List.of(peer, rewind));
      all.addAll(others);
      return all;
    }
  }

  /** A measured run. */
  private record Run(Measurement m, double serverCpu) {}

  private final Map<String, List<Run>> runs = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private BenchVolume volume;
  private Path work;
  private Path mnt;
  private Path jar;
  private Path timeFile;
  private long serverPid = -1;
  private PeerMounts peers;
  private long peakRssKb;
  private int quietWait;

  @Test
  void mountAgainstMirrorAndRdiffBackup() throws Exception {
    Tools.requireRoot();
    Tools.require("rdiff-backup", "fusermount", "mkfs.ext4", "losetup", "mount", "umount", "find", "ls", "cat");
    assertTrue(Files.isExecutable(Timed.GNU_TIME), "GNU time is missing at /usr/bin/time: apt-get install -y time");
    jar = Path.of(System.getProperty("rewind.jar", "target/rewind.jar")).toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "no " + jar + ": mvn -B -Pbench verify builds it");
    work = Path.of(System.getProperty("bench.mountDir", "/var/tmp/rewind-mount-bench")).toAbsolutePath();
    quietWait = Integer.getInteger("bench.quietWait", 180);
    int rounds = Integer.getInteger("bench.rounds", 3);
    BenchTree.Spec spec = new BenchTree.Spec(Integer.getInteger("bench.smallFiles", 100_000),
        Integer.getInteger("bench.bigFiles", 16), Integer.getInteger("bench.bigFileMiB", 64),
        Integer.getInteger("bench.sessions", 11), Long.getLong("bench.seed", 20240101L));
    unmountRewind(work.resolve("mnt"));
    volume = BenchVolume.open(work, 24);
    try {
      BenchTree tree = new BenchTree(spec, volume.dir().resolve("tree"), MountBench::log);
      tree.prepare();
      mnt = Files.createDirectories(work.resolve("mnt"));
      peers = PeerMounts.prepare(System.getProperty("bench.peers", "borg,restic"), volume.dir(), tree, mnt,
          MountBench::log);
      timeFile = work.resolve("time.txt");
      List<Op> ops = operations(tree);
      for (int round = 1; round <= rounds; round++) {
        for (Op op : ops) {
          measure(op, round);
        }
      }
      unmountRewind(mnt);
      peers.unmount();
      String report = report(tree, ops, rounds);
      System.out.println(report);
      Path out = Path.of(System.getProperty("bench.out", "target/bench")).toAbsolutePath();
      Files.createDirectories(out);
      Files.writeString(out.resolve("mount.md"), report, StandardCharsets.UTF_8);
      log("wrote " + out.resolve("mount.md"));
    } finally {
      unmountRewind(work.resolve("mnt"));
      if (peers != null) {
        peers.unmount();
      }
      volume.close();
    }
  }

  private List<Op> operations(BenchTree tree) {
    Path repo = tree.repo();
    String host = mnt.resolve("repo").toString();
    String newest = host + "/" + ts(tree.newest());
    String oldest = host + "/" + ts(tree.oldest());
    long big = (long) tree.spec().bigFiles() * tree.spec().bigFileMiB() << 20;
    String restore = work.resolve("restored").toString();
    List<Op> ops = new ArrayList<>();
    ops.add(new Op("sequential read of the big files in latest",
        new Side("mirror", "cat " + repo + "/big/*.bin > /dev/null", Mount.NONE).withBefore(listBig(repo.toString())),
        new Side("Rewind", "cat " + host + "/latest/big/*.bin > /dev/null", Mount.REWIND)
            .withBefore(listBig(host + "/latest")),
        withBefore(peerSides(d -> "cat " + d + "/big/*.bin > /dev/null"), d -> listBig(d)), true, big,
        "≥ 0.8× mirror speed"));
    ops.add(new Op("16 parallel readers in latest (one big file each)",
        new Side("mirror", parallel(repo + "/big"), Mount.NONE).withBefore(listBig(repo.toString())),
        new Side("Rewind", parallel(host + "/latest/big"), Mount.REWIND).withBefore(listBig(host + "/latest")),
        withBefore(peerSides(d -> parallel(d + "/big")), d -> listBig(d)), true, big, "—"));
    ops.add(new Op("find -ls over the newest session",
        new Side("mirror", "find " + repo + "/big " + repo + "/small -ls > /dev/null", Mount.NONE),
        new Side("Rewind", "find " + newest + "/big " + newest + "/small -ls > /dev/null", Mount.REWIND),
        peerSides(d -> "find " + d + "/big " + d + "/small -ls > /dev/null"), true, 0,
        "cold ≤ 3×, warm ≤ 1.5× mirror time"));
    ops.add(new Op("ls -lR over the newest session",
        new Side("mirror", "ls -lR " + repo + "/big " + repo + "/small > /dev/null", Mount.NONE),
        new Side("Rewind", "ls -lR " + newest + "/big " + newest + "/small > /dev/null", Mount.REWIND),
        peerSides(d -> "ls -lR " + d + "/big " + d + "/small > /dev/null"), true, 0,
        "cold ≤ 3×, warm ≤ 1.5× mirror time"));
    ops.add(new Op("ls -lR over latest/ (every path through the symlink)",
        new Side("mirror", "ls -lR " + repo + "/big " + repo + "/small > /dev/null", Mount.NONE),
        new Side("Rewind", "ls -lR " + host + "/latest/big " + host + "/latest/small > /dev/null", Mount.REWIND),
        List.of(), true, 0, "(same as above)"));
    ops.add(new Op("first read of big/b0.bin 10 sessions back",
        new Side("rdiff-backup restore --at", "rm -rf " + restore + " && rdiff-backup --terminal-verbosity 1 restore --at "
            + tree.oldest() + " " + repo + "/big/b0.bin " + restore, Mount.NONE),
        new Side("Rewind", "cat " + oldest + "/big/b0.bin > /dev/null", Mount.REWIND), List.of(), true,
        (long) tree.spec().bigFileMiB() << 20, "—"));
    ops.add(new Op("16 parallel readers 10 sessions back (all big files)",
        new Side("rdiff-backup restore --at", "rm -rf " + restore + " && rdiff-backup --terminal-verbosity 1 restore --at "
            + tree.oldest() + " " + repo + "/big " + restore, Mount.NONE),
        new Side("Rewind", parallel(oldest + "/big"), Mount.REWIND), List.of(), false, big, "—"));
    return ops;
  }

  private List<Side> peerSides(java.util.function.Function<String, String> command) {
    List<Side> out = new ArrayList<>();
    for (PeerMounts.Peer p : peers.available()) {
      out.add(new Side(p.label(), command.apply(p.treeDir()), Mount.valueOf(p.name())));
    }
    return out;
  }

  /** {@code ls -l} of the big files: the metadata is then warm, the data still cold. */
  private static String listBig(String treeDir) {
    return "ls -l " + treeDir + "/big/ > /dev/null";
  }

  private List<Side> withBefore(List<Side> sides, java.util.function.Function<String, String> before) {
    List<Side> out = new ArrayList<>();
    for (int i = 0; i < sides.size(); i++) {
      out.add(sides.get(i).withBefore(before.apply(peers.available().get(i).treeDir())));
    }
    return out;
  }

  private static String parallel(String dir) {
    return "for f in " + dir + "/*.bin; do cat \"$f\" > /dev/null & done; wait";
  }

  private static String ts(long epoch) {
    return TS.format(Instant.ofEpochSecond(epoch).atZone(java.time.ZoneOffset.UTC));
  }

  private void measure(Op op, int round) throws IOException {
    for (Side side : op.sides()) {
      unmountRewind(mnt);
      peers.unmount();
      volume.remount();
      switch (side.mount()) {
        case REWIND -> mountRewind();
        case BORG, RESTIC -> peers.mount(side.mount().name());
        case NONE -> { }
      }
      if (side.before() != null) {
        Proc.run(List.of("nice", "-n", NICE, "sh", "-c", side.before()), null, Map.of(), RUN_TIMEOUT).expect(0);
      }
      record(op, side, "cold", round);
      if (op.warmToo()) {
        record(op, side, "warm", round);
      }
    }
  }

  private void record(Op op, Side side, String cache, int round) {
    CpuLoad.awaitQuiet(0.25, quietWait, MountBench::log);
    double cpu0 = side.rewind() ? serverCpu() : 0;
    Measurement m = Timed.run(List.of("nice", "-n", NICE, "sh", "-c", side.command()), timeFile, RUN_TIMEOUT);
    double server = side.rewind() ? serverCpu() - cpu0 : 0;
    if (side.rewind()) {
      peakRssKb = Math.max(peakRssKb, serverPeakRssKb());
    }
    runs.computeIfAbsent(op.name() + "|" + side.label() + "|" + cache, k -> new ArrayList<>()).add(new Run(m, server));
    log(String.format(Locale.ROOT, "round %d %-55s %-26s %s: wall %7.2f s, cpu %6.2f s%s", round, op.name(),
        side.label(), cache, m.wall(), m.cpu(), side.rewind() ? String.format(Locale.ROOT, " (+ daemon %.2f s)", server) : ""));
  }

  // ---- the Rewind mount ----------------------------------------------------------------------

  private void mountRewind() {
    Path repo = volume.dir().resolve("tree").resolve("repo");
    List<String> cmd = List.of("nice", "-n", NICE, javaBin(), "-Dfile.encoding=ISO-8859-1", "-jar", jar.toString(),
        "mount", "--daemon",
        "-o", "tz=UTC,log=" + work.resolve("mount.log"), repo.toString(), mnt.toString());
    Proc.run(cmd, null, Map.of(), Duration.ofMinutes(2)).expect(0);
    serverPid = ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(a -> List.of(a).contains("--serve") && List.of(a).contains(mnt.toString()))
            .orElse(false))
        .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
  }

  private static void unmountRewind(Path mountpoint) {
    for (int i = 0; i < 50 && isMounted(mountpoint); i++) {
      Proc.run(List.of("fusermount", "-u", i < 10 ? "-q" : "-z", mountpoint.toString()), null, Map.of(),
          Duration.ofSeconds(20));
      sleep(200);
    }
  }

  private static boolean isMounted(Path mountpoint) {
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .anyMatch(l -> l.contains(" " + mountpoint + " ") && l.contains(" fuse.rewind "));
    } catch (IOException e) {
      return false;
    }
  }

  private double serverCpu() {
    try {
      String[] f = Files.readString(Path.of("/proc/" + serverPid + "/stat")).replaceAll(".*\\) ", "").split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private long serverPeakRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + serverPid + "/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // the daemon is gone: nothing to read
    }
    return 0;
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  // ---- report --------------------------------------------------------------------------------

  private String report(BenchTree tree, List<Op> ops, int rounds) {
    StringBuilder b = new StringBuilder("## Mount: Rewind's history mount vs the mirror and rdiff-backup\n\n");
    b.append("Run ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(". Tree: ").append(tree.spec().describe())
        .append(". Repository on ").append(volume.describe()).append(". Medians of ").append(rounds)
        .append(" round(s); each run waited (at most ").append(quietWait)
        .append(" s) for the rest of the machine to use under a quarter of a core; measured commands and the mount daemons"
            + " ran at nice -15.\n\n");
    b.append("| operation | cache | peer | peer wall s | Rewind wall s | Rewind/peer | Rewind client + daemon CPU s |"
        + " borg mount wall s (/peer) | restic mount wall s (/peer) | goal |\n");
    b.append("|---|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (Op op : ops) {
      for (String cache : op.warmToo() ? List.of("cold", "warm") : List.of("cold")) {
        List<Run> peer = runs.get(op.name() + "|" + op.peer().label() + "|" + cache);
        List<Run> ours = runs.get(op.name() + "|" + op.rewind().label() + "|" + cache);
        double pw = median(peer, r -> r.m().wall());
        double rw = median(ours, r -> r.m().wall());
        String speed = op.bytes() == 0 ? "" : String.format(Locale.ROOT, " (%.0f / %.0f MB/s)", op.bytes() / 1e6 / pw,
            op.bytes() / 1e6 / rw);
        b.append(String.format(Locale.ROOT, "| %s%s | %s | %s | %.2f | %.2f | %.2f× | %.2f + %.2f | %s | %s | %s |%n",
            op.name(), speed, cache, op.peer().label(), pw, rw, rw / pw, median(ours, r -> r.m().cpu()),
            median(ours, Run::serverCpu), other(op, "borg mount", cache, pw), other(op, "restic mount", cache, pw),
            op.goal()));
      }
    }
    b.append(String.format(Locale.ROOT, "%nPeak RSS of the mount daemon over all runs: %.0f MB (heap limit -Xmx%dm).%n",
        peakRssKb / 1024.0, dev.rewind.fuse.MountOptions.defaults().heapBytes() >> 20));
    b.append("\nEvery run (wall s):\n\n| operation | side | cache | rounds |\n|---|---|---|---|\n");
    runs.forEach((k, v) -> {
      String[] p = k.split("\\|");
      b.append("| ").append(p[0]).append(" | ").append(p[1]).append(" | ").append(p[2]).append(" |");
      v.forEach(r -> b.append(String.format(Locale.ROOT, " %.2f", r.m().wall())));
      b.append(" |\n");
    });
    b.append("\nCommands (the mount: `java -jar rewind.jar mount --daemon -o tz=UTC REPO MNT`; before the cold run of"
        + " each read of big files, untimed: `ls -l` of those files on the same side):\n\n");
    for (Op op : ops) {
      b.append("- ").append(op.name()).append(": `").append(op.peer().command()).append("` vs `")
          .append(op.rewind().command()).append("`\n");
    }
    b.append("\nMachine:\n\n");
    for (String line : MachineInfo.describe(work, Path.of(System.getProperty("java.home")))) {
      b.append(line).append('\n');
    }
    b.append(peers.describe());
    notes.forEach(n -> b.append("\n").append(n).append('\n'));
    return b.toString();
  }

  private String other(Op op, String label, String cache, double peerWall) {
    List<Run> r = runs.get(op.name() + "|" + label + "|" + cache);
    if (r == null) {
      return "—";
    }
    double w = median(r, x -> x.m().wall());
    return String.format(Locale.ROOT, "%.2f (%.2f×)", w, w / peerWall);
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
    double[] v = runs.stream().mapToDouble(f).sorted().toArray();
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void log(String message) {
    BenchLog.line("mount-bench", message);
  }
}
