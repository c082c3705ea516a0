package dev.rewind.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rewind.bench.Timed.Measurement;
import dev.rewind.testing.Proc;
import dev.rewind.testing.SshTarget;
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
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pull benchmark: {@code rewind backup sftp://backuphelper@127.0.0.1:PORT/SRC REPO} against
 * {@code rdiff-backup backup backuphelper@127.0.0.1::SRC REPO}, over the same real sshd (a
 * {@link SshTarget}: its own config on a free port, the target prepared by {@code
 * rewind-target-setup}), on the same tree, in the same run: the initial pull, then the pull after
 * changing 1% of the files (small files rewritten, every big file edited in place).
 *
 * <p>The peer gets its own key on the same account, forced to {@code rdiff-backup server}
 * (rdiff-backup needs its own program on the target; Rewind needs only the read-only
 * sftp-server). The tree is world-readable, so neither needs the capability. rdiff-backup runs
 * with its default remote schema ({@code ssh -C}), adding only the port, the key and the
 * known_hosts file. CPU time is that of the client side (the measured command and its children,
 * e.g. rdiff-backup's ssh); the target side's sshd, sftp-server and rdiff-backup server run on
 * the same machine and show in "other CPU".
 *
 * <p>Not a unit test and never run by the default build: {@code mvn -B -Pbench verify
 * -Dit.test=PullBench} (as root). No speed threshold; it fails when a tool fails or when {@code
 * rdiff-backup verify} rejects Rewind's repository. System properties: {@code bench.pull.dir}
 * (default {@code /var/tmp/rewind-pull-bench}), {@code bench.out}, {@code bench.quietWait} (120),
 * {@code bench.pull.smallFiles} (20000), {@code bench.pull.bigFiles} (4), {@code
 * bench.pull.bigFileMiB} (256), {@code bench.seed}.
 */
class PullBench {
  private static final Duration TIMEOUT = Duration.ofMinutes(60);
  private static final long DAY = 86_400L;

  enum Tool {
    RDIFF_BACKUP("rdiff-backup over ssh"),
    REWIND("Rewind over SFTP");

    final String label;

    Tool(String label) {
      this.label = label;
    }
  }

  record Run(String step, Tool tool, Measurement m, double othersCpu, long repoBytes) {}

  @Test
  void pullOverLoopback() throws IOException {
    Tools.require("rdiff-backup", "sync", "du");
    assertTrue(Files.isExecutable(Timed.GNU_TIME), "GNU time is missing at /usr/bin/time: apt-get install -y time");
    Path jar = Path.of(System.getProperty("rewind.jar", "target/rewind.jar")).toAbsolutePath();
    Path work = Path.of(System.getProperty("bench.pull.dir", "/var/tmp/rewind-pull-bench")).toAbsolutePath();
    Path outDir = Path.of(System.getProperty("bench.out", "target/bench")).toAbsolutePath();
    Path javaHome = Path.of(System.getProperty("java.home"));
    int quietWait = Integer.getInteger("bench.quietWait", 120);
    int smallFiles = Integer.getInteger("bench.pull.smallFiles", 20_000);
    int bigFiles = Integer.getInteger("bench.pull.bigFiles", 4);
    int bigMiB = Integer.getInteger("bench.pull.bigFileMiB", 256);
    long seed = Long.getLong("bench.seed", 20240601L);
    BenchTree.removeTree(work);
    Files.createDirectories(work);
    openToOthers(work);
    Path src = work.resolve("src");
    String shape = BackupTrees.generateSmall(src.resolve("small"), smallFiles, seed) + "; "
        + BackupTrees.generateBig(src.resolve("big"), bigFiles, bigMiB, seed);
    log("tree: " + shape);
    Path timeFile = work.resolve("time.txt");
    List<Run> runs = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    String change = "";
    try (SshTarget target = SshTarget.start(work.resolve("target"))) {
      Path rdiffKey = target.extraKey("rdiff_key", "/usr/bin/rdiff-backup server");
      Path knownHosts = target.knownHosts();
      String schema = "ssh -C -p " + target.port() + " -i " + rdiffKey + " -o IdentitiesOnly=yes -o BatchMode=yes"
          + " -o UserKnownHostsFile=" + knownHosts + " -o StrictHostKeyChecking=yes {h} rdiff-backup server";
      Map<Tool, Path> repo = Map.of(Tool.RDIFF_BACKUP, work.resolve("repo-rdiff"), Tool.REWIND, work.resolve("repo-rewind"));
      List<Tool> order = new ArrayList<>(List.of(Tool.values()));
      for (String step : List.of("initial pull", "pull after the 1% change")) {
        long now = BackupTrees.BASE_TIME + (step.startsWith("initial") ? 0 : DAY);
        if (!step.startsWith("initial")) {
          change = BackupTrees.mutate(src, seed, 4, now - 3_600L);
          log("changed: " + change);
        }
        for (Tool t : order) {
          List<String> cmd = t == Tool.RDIFF_BACKUP
              ? List.of("rdiff-backup", "--current-time", Long.toString(now), "--remote-schema", schema, "backup",
                  SshTarget.USER + "@" + target.host() + "::" + src, repo.get(t).toString())
              : List.of(javaHome.resolve("bin/java").toString(), "-Dfile.encoding=ISO-8859-1", "-jar", jar.toString(),
                  "--current-time", Long.toString(now), "backup", "--ssh-key", target.clientKey().toString(),
                  "--known-hosts", knownHosts.toString(), target.url(src.toString()), repo.get(t).toString());
          Proc.run(List.of("sync"), null, Map.of(), Duration.ofMinutes(10)).expect(0);
          CpuLoad.awaitQuiet(0.25, quietWait, PullBench::log);
          double busy0 = CpuLoad.busySeconds();
          Measurement m;
          try {
            m = Timed.run(cmd, timeFile, TIMEOUT);
          } catch (AssertionError e) {
            failures.add(step + " " + t.label + ": " + e.getMessage());
            log("FAILED: " + e.getMessage());
            continue;
          }
          double others = Math.max(0, CpuLoad.busySeconds() - busy0 - m.cpu());
          long size = BackupBench.duBytes(repo.get(t));
          runs.add(new Run(step, t, m, others, size));
          log(String.format(Locale.ROOT, "%-26s %-24s wall %7.2f s  cpu %6.2f s  rss %5.0f MB  repo %8.1f MB  other CPU %.2f s",
              step, t.label, m.wall(), m.cpu(), m.rssMb(), size / 1e6, others));
        }
        Collections.reverse(order); // alternate who goes first
      }
      Proc.Result v = Proc.run(List.of("rdiff-backup", "verify", repo.get(Tool.REWIND).toString()), null, Map.of(), TIMEOUT);
      if (v.exitCode() != 0) {
        failures.add("rdiff-backup verify of Rewind's pulled repository failed: " + v.out() + v.stderr());
      }
    }
    String report = report(shape, change, runs, work, javaHome);
    System.out.println(report);
    Files.createDirectories(outDir);
    Files.writeString(outDir.resolve("pull.md"), report, StandardCharsets.UTF_8);
    log("wrote " + outDir.resolve("pull.md"));
    if (!failures.isEmpty()) {
      fail(String.join("\n", failures));
    }
  }

  /** Lets backuphelper, who reads the tree without privilege, pass through the work directory's parents. */
  private static void openToOthers(Path dir) {
    for (Path p = dir; p != null && p.getParent() != null; p = p.getParent()) {
      Proc.run(List.of("chmod", "o+x", p.toString()), null, Map.of(), Duration.ofSeconds(10)).expect(0);
    }
  }

  private static String report(String shape, String change, List<Run> runs, Path work, Path javaHome) {
    StringBuilder b = new StringBuilder();
    b.append("Run ").append(DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS)))
        .append(". Tree: ").append(shape).append(". Change: ").append(change).append(".\n\n");
    b.append("| operation | tool | wall s | client CPU s | peak RSS MB | repo MB | wall Rewind/rdiff-backup | other CPU s |\n");
    b.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (Run r : runs) {
      Run peer = runs.stream().filter(p -> p.step().equals(r.step()) && p.tool() == Tool.RDIFF_BACKUP).findFirst().orElse(null);
      b.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.0f | %.1f | %s | %.1f |%n", r.step(), r.tool().label,
          r.m().wall(), r.m().cpu(), r.m().rssMb(), r.repoBytes() / 1e6,
          r.tool() == Tool.REWIND && peer != null ? String.format(Locale.ROOT, "%.2f×", r.m().wall() / peer.m().wall()) : "—",
          r.othersCpu()));
    }
    b.append("\nMachine:\n\n");
    for (String line : MachineInfo.describe(work, javaHome)) {
      b.append(line).append('\n');
    }
    return b.toString();
  }

  private static void log(String message) {
    BenchLog.line("pull-bench", message);
  }
}
