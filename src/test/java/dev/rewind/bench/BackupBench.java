package dev.rewind.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 * The backup benchmark: {@code rewind backup} against {@code rdiff-backup backup} and {@code cp
 * -a}, on the same trees, in the same run. Two trees ({@link BackupTrees}): many small files, and
 * a few big files. For each: the initial backup by every tool into its own new repository, then
 * the "1%" change ({@link BackupTrees#mutate}) and the incremental backup by both backup tools,
 * then an incremental with no change. Rewind runs twice, each into its own repository: as users
 * run it (the launcher {@code mount-scripts/install} puts in place, with its JVM options) and with
 * the JVM's defaults ({@code java -jar}, whose heap sizing inflates the peak RSS).
 *
 * <p>Not a unit test and never run by the default build: {@code mvn -B -Pbench verify
 * -Dit.test=BackupBench}. It has no speed threshold; it fails only when a tool fails, when
 * {@code rdiff-backup verify} rejects Rewind's repository after the incremental, or when {@code
 * rdiff-backup restore} of Rewind's repository differs from the source tree.
 *
 * <p>Method: every repository and the {@code cp -a} copy goes to a new loop-mounted ext4 ({@link
 * Targets}, as root) or a new directory. The source trees are generated right before (so they are
 * in the page cache for every tool). Before each run: {@code sync}, then a wait (at most {@code
 * bench.quietWait} s) for the rest of the machine to use under a quarter of a core. Each run is
 * measured by GNU time; the CPU used meanwhile by the rest of the machine is recorded. The order
 * of the tools is rotated from step to step. Repository sizes are {@code du -sb} after each step.
 * {@code bench.rounds} rounds (default 1), each from a freshly generated tree (the same seed, so
 * the same tree) into new repositories; a figure is then the run with the median wall time of its
 * tree, step and tool, and the walls of every round are listed.
 *
 * <p>System properties: {@code rewind.jar} (set by the pom), {@code bench.dir} (default {@code
 * /var/tmp/rewind-backup-bench}), {@code bench.out}, {@code bench.targetFs}, {@code
 * bench.quietWait} (default 120), {@code bench.rounds} (1), {@code bench.backup.smallFiles} (50000), {@code
 * bench.backup.bigFiles} (8), {@code bench.backup.bigFileMiB} (128), {@code bench.backup.bigEdits}
 * (4), {@code bench.seed}, {@code bench.backup.trees} ({@code small,big}), {@code bench.backup.profile}
 * (only the SerialGC Rewind runs, each under a JFR recording, summarised into {@code
 * backup-profile.md}; no table).
 */
class BackupBench {
  private static final Duration TIMEOUT = Duration.ofMinutes(90);
  private static final long DAY = 86_400L;

  enum Tool {
    RDIFF_BACKUP("rdiff-backup"),
    REWIND_SERIAL("Rewind (installed launcher)"),
    REWIND_DEFAULT("Rewind (JVM defaults)"),
    CP("cp -a"),
    CP_SYNC("cp -a; sync -f");

    final String label;

    Tool(String label) {
      this.label = label;
    }

    boolean copy() {
      return this == CP || this == CP_SYNC;
    }

    boolean rewind() {
      return this == REWIND_SERIAL || this == REWIND_DEFAULT;
    }
  }

  enum Step {
    INITIAL("initial backup"),
    INCREMENTAL("incremental after the 1% change"),
    NO_CHANGE("incremental, no change");

    final String label;

    Step(String label) {
      this.label = label;
    }
  }

  record Run(int round, String tree, Step step, Tool tool, Measurement m, double othersCpu, boolean quietBefore,
      long repoBytes, String failure) {
    boolean undisturbed() {
      return quietBefore && othersCpu <= 0.25 * m.wall();
    }
  }

  private static final List<Run> runs = new ArrayList<>();
  /** Tool failures and failed checks: recorded, reported, and failing the test at the end (after the report). */
  private static final List<String> failures = new ArrayList<>();

  @Test
  void backupSmallAndBigTrees() throws IOException {
    Tools.require("rdiff-backup", "sync", "cp", "du", "rm");
    assertTrue(Files.isExecutable(Timed.GNU_TIME), "GNU time is missing at /usr/bin/time: apt-get install -y time");
    Path jar = Path.of(System.getProperty("rewind.jar", "target/rewind.jar")).toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "no " + jar + ": build it first (mvn -B -Pbench verify does)");
    Path work = Path.of(System.getProperty("bench.dir", "/var/tmp/rewind-backup-bench")).toAbsolutePath();
    Path outDir = Path.of(System.getProperty("bench.out", "target/bench")).toAbsolutePath();
    Path javaHome = Path.of(System.getProperty("java.home"));
    int quietWait = Integer.getInteger("bench.quietWait", 120);
    int rounds = Integer.getInteger("bench.rounds", 1);
    int smallFiles = Integer.getInteger("bench.backup.smallFiles", 50_000);
    int bigFiles = Integer.getInteger("bench.backup.bigFiles", 8);
    int bigMiB = Integer.getInteger("bench.backup.bigFileMiB", 128);
    int bigEdits = Integer.getInteger("bench.backup.bigEdits", 4);
    long seed = Long.getLong("bench.seed", 20240601L);
    List<String> trees = List.of(System.getProperty("bench.backup.trees", "small,big").split(","));
    String targetFs = System.getProperty("bench.targetFs", "auto");
    boolean profile = Boolean.getBoolean("bench.backup.profile");
    StringBuilder profiles = new StringBuilder();
    Files.createDirectories(work);
    Path timeFile = work.resolve("time.txt");
    Path launcher = installLauncher(work, jar);

    Map<String, String> shapes = new LinkedHashMap<>();
    Map<String, String> changes = new LinkedHashMap<>();
    Map<String, String> checks = new LinkedHashMap<>();
    String targetsDescription = "";
    int rotation = 0;
    for (int round = 1; round <= rounds; round++) {
      for (String tree : trees) {
        Path src = work.resolve("src-" + tree);
        long t0 = System.nanoTime();
        shapes.put(tree, switch (tree) {
          case "small" -> BackupTrees.generateSmall(src, smallFiles, seed);
          case "big" -> BackupTrees.generateBig(src, bigFiles, bigMiB, seed);
          default -> throw new AssertionError("bench.backup.trees: small and/or big, not " + tree);
        });
        log(String.format(Locale.ROOT, "tree %s generated in %.0f s: %s", tree, (System.nanoTime() - t0) / 1e9, shapes.get(tree)));
        long imageBytes = Math.max(4L << 30, 3L * bigFiles * bigMiB << 20);
        try (Targets targets = Targets.open(work.resolve("targets-" + tree), targetFs, imageBytes)) {
          targetsDescription = targets.describe();
          Map<Tool, Path> dest = new LinkedHashMap<>();
          for (Tool t : Tool.values()) {
            dest.put(t, targets.fresh(t.name().toLowerCase(Locale.ROOT)));
          }
          for (Step step : Step.values()) {
            if (step == Step.INCREMENTAL) {
              changes.put(tree, BackupTrees.mutate(src, seed, bigEdits, BackupTrees.BASE_TIME + DAY - 3_600L));
              log("changed " + tree + ": " + changes.get(tree));
            }
            long now = BackupTrees.BASE_TIME + step.ordinal() * DAY;
            List<Tool> order = new ArrayList<>();
            for (Tool t : Tool.values()) {
              if ((!t.copy() || step == Step.INITIAL) && (!profile || t == Tool.REWIND_SERIAL)) {
                order.add(t);
              }
            }
            java.util.Collections.rotate(order, rotation++);
            for (Tool t : order) {
              Proc.run(List.of("sync"), null, Map.of(), Duration.ofMinutes(10)).expect(0);
              boolean quiet = CpuLoad.awaitQuiet(0.25, quietWait, BackupBench::log);
              double busy0 = CpuLoad.busySeconds();
              Path jfr = work.resolve(tree + "-" + step.name().toLowerCase(Locale.ROOT) + ".jfr");
              Files.deleteIfExists(jfr);
              List<String> extra = profile ? BackupProfile.jvmOptions(jfr) : List.of();
              String failure = null;
              Measurement m;
              try {
                m = Timed.run(command(t, now, src, dest.get(t), jar, launcher, javaHome, extra), timeFile, TIMEOUT);
              } catch (AssertionError e) {
                failure = e.getMessage();
                m = lastMeasurement(timeFile);
                failures.add(tree + " " + step.label + " " + t.label + " failed: " + failure);
                log("FAILED: " + failure);
              }
              double others = Math.max(0, CpuLoad.busySeconds() - busy0 - m.cpu());
              long size = duBytes(dest.get(t));
              Run r = new Run(round, tree, step, t, m, others, quiet, size, failure);
              runs.add(r);
              log(String.format(Locale.ROOT, "round %d: %s %-32s %-28s wall %7.2f s  cpu %7.2f s  rss %6.0f MB  repo %8.1f MB"
                  + "  (other CPU %.2f s%s)", round, tree, step.label, t.label, m.wall(), m.cpu(), m.rssMb(), size / 1e6, others,
                  quiet ? "" : ", not quiet before"));
              if (profile) {
                profiles.append(String.format(Locale.ROOT, "### %s tree, %s (%s): wall %.2f s, CPU %.2f s, peak RSS %.0f MB%n%n",
                    tree, step.label, t.label, m.wall(), m.cpu(), m.rssMb()))
                    .append(BackupProfile.summarize(jfr, javaHome, 12));
              }
            }
            if (step == Step.INCREMENTAL) {
              checks.put(tree, check(tree, src, dest.get(Tool.REWIND_SERIAL), targets));
            }
          }
        }
        BenchTree.removeTree(src);
      }
    }
    Files.deleteIfExists(timeFile);
    if (profile) {
      Files.createDirectories(outDir);
      Files.writeString(outDir.resolve("backup-profile.md"), profiles.toString(), StandardCharsets.UTF_8);
      System.out.println(profiles);
      log("bench.backup.profile: wrote " + outDir.resolve("backup-profile.md") + " (the timed figures of this run carry JFR)");
      assertTrue(failures.isEmpty(), failures.size() + " failure(s):\n" + String.join("\n\n", failures));
      return;
    }

    String report = report(rounds, shapes, changes, checks, targetsDescription, work, javaHome, jar);
    System.out.println();
    System.out.println(report);
    Files.createDirectories(outDir);
    Files.writeString(outDir.resolve("backup.md"), report, StandardCharsets.UTF_8);
    log("wrote " + outDir.resolve("backup.md"));
    if (!failures.isEmpty()) {
      fail(failures.size() + " failure(s):\n" + String.join("\n\n", failures));
    }
  }

  /** GNU time's figures of a run that exited non-zero (its last line; the one before says the exit status). */
  private static Measurement lastMeasurement(Path timeFile) {
    try {
      List<String> lines = Files.readAllLines(timeFile, StandardCharsets.UTF_8);
      String[] f = lines.get(lines.size() - 1).trim().split("\\s+");
      return new Measurement(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]), Long.parseLong(f[3]));
    } catch (IOException | RuntimeException e) {
      return new Measurement(Double.NaN, Double.NaN, Double.NaN, 0);
    }
  }

  /** rdiff-backup verify of Rewind's repository, then rdiff-backup's restore of it compared with the source. */
  private static String check(String tree, Path src, Path repo, Targets targets) {
    log("checking Rewind's repository (" + tree + "): rdiff-backup verify, rdiff-backup restore, compare");
    Proc.Result v = Proc.run(List.of("rdiff-backup", "verify", repo.toString()), null, Map.of(), TIMEOUT);
    if (v.exitCode() != 0) {
      return failCheck(tree, "`rdiff-backup verify` FAILED (exit " + v.exitCode() + "): " + v.out() + " " + v.stderr());
    }
    Path restored = targets.fresh("check-restore");
    Proc.Result r = Proc.run(List.of("rdiff-backup", "restore", "--at", "now", repo.toString(), restored.toString()), null,
        Map.of(), TIMEOUT);
    if (r.exitCode() != 0) {
      targets.release(restored);
      return failCheck(tree, "`rdiff-backup verify` passed; `rdiff-backup restore` FAILED (exit " + r.exitCode() + "): "
          + r.stderr());
    }
    TreeCompare.Scan[] s = TreeCompare.scanBoth(src, restored);
    targets.release(restored);
    List<String> diffs = TreeCompare.differences(s[0], s[1], false, 20);
    if (!diffs.isEmpty()) {
      return failCheck(tree, "`rdiff-backup verify` passed; `rdiff-backup restore --at now` DIFFERS from the source: "
          + String.join("; ", diffs));
    }
    String msg = String.format(Locale.ROOT, "`rdiff-backup verify` passed, and `rdiff-backup restore --at now` of it"
        + " equals the source (%,d files, %.2f GiB; paths, types, sizes, SHA-1, permissions, owners, mtimes)",
        s[0].files(), s[0].bytes() / (double) (1L << 30));
    log(tree + ": " + msg);
    return msg;
  }

  private static String failCheck(String tree, String msg) {
    failures.add("check of Rewind's repository (" + tree + "): " + msg);
    log("CHECK FAILED (" + tree + "): " + msg);
    return msg;
  }

  private static List<String> command(Tool tool, long now, Path src, Path dest, Path jar, Path launcher,
      Path javaHome, List<String> extraJvmOptions) {
    List<String> cmd = new ArrayList<>();
    switch (tool) {
      case RDIFF_BACKUP -> cmd.addAll(List.of("rdiff-backup", "--current-time", Long.toString(now), "backup"));
      case CP -> cmd.addAll(List.of("cp", "-a"));
      case CP_SYNC -> {
        // the backup tools make their data durable before they finish; the copy's floor should too
        return List.of("sh", "-c", "cp -a \"$1\" \"$2\" && sync -f \"$2\"", "cp-sync", src.toString(), dest.toString());
      }
      case REWIND_SERIAL -> {
        // as users run it: the launcher mount-scripts/install puts in place, with its JVM options
        cmd.addAll(List.of("env", "REWIND_JAVA=" + javaHome.resolve("bin/java"),
            "REWIND_JAVA_OPTS=" + String.join(" ", extraJvmOptions), launcher.toString()));
        cmd.addAll(List.of("--current-time", Long.toString(now), "backup"));
      }
      default -> {
        cmd.add(javaHome.resolve("bin/java").toString());
        cmd.addAll(extraJvmOptions);
        cmd.addAll(List.of("-jar", jar.toString(), "--current-time", Long.toString(now), "backup"));
      }
    }
    cmd.add(src.toString());
    cmd.add(dest.toString());
    return cmd;
  }

  /** {@code mount-scripts/install --root} into {@code work}: returns the installed launcher. */
  private static Path installLauncher(Path work, Path jar) throws IOException {
    Path root = work.resolve("installed");
    BenchTree.removeTree(root);
    Files.createDirectories(root);
    Proc.run(List.of("bash", Path.of("mount-scripts/install").toAbsolutePath().toString(), "--root", root.toString(),
        "--jar", jar.toString()), null, Map.of(), Duration.ofMinutes(5)).expect(0);
    return root.resolve("usr/local/bin/rewind");
  }

  static long duBytes(Path p) {
    String out = Proc.run(List.of("du", "-sb", p.toString()), null, Map.of(), Duration.ofMinutes(10)).expect(0).out();
    return Long.parseLong(out.trim().split("\\s+")[0]);
  }

  /** The runs of one tree, step and tool, round by round. */
  private static List<Run> all(String tree, Step step, Tool tool) {
    return runs.stream().filter(r -> r.tree().equals(tree) && r.step() == step && r.tool() == tool).toList();
  }

  /** The run with the median wall time (the lower one of the middle two for an even count), or null. */
  private static Run find(String tree, Step step, Tool tool) {
    List<Run> sorted = all(tree, step, tool).stream().sorted(java.util.Comparator.comparingDouble(r -> r.m().wall())).toList();
    return sorted.isEmpty() ? null : sorted.get((sorted.size() - 1) / 2);
  }

  private static String report(int rounds, Map<String, String> shapes, Map<String, String> changes, Map<String, String> checks,
      String targetsDescription, Path work, Path javaHome, Path jar) {
    StringBuilder b = new StringBuilder();
    b.append("Run ").append(DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS)))
        .append(rounds == 1 ? ". One round; every figure is one run."
            : ". " + rounds + " rounds; every figure is from the run with the median wall time (all walls below the table).")
        .append(" Targets: ").append(targetsDescription).append(".\n\n");
    for (String tree : shapes.keySet()) {
      b.append("- **").append(tree).append("** tree: ").append(shapes.get(tree)).append(".\n");
      b.append("  - change before the incremental: ").append(changes.get(tree)).append(".\n");
      b.append("  - Rewind's repository (SerialGC run) after the incremental: ").append(checks.get(tree)).append(".\n");
    }
    b.append("\n| tree | operation | tool | wall s | CPU s (user+sys) | peak RSS MB | repo size MB (du -sb) |"
        + " wall ratio Rewind/rdiff-backup | wall ratio Rewind/cp -a | wall ratio Rewind/(cp -a; sync) |"
        + " size ratio Rewind/rdiff-backup | other CPU s |\n");
    b.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String tree : shapes.keySet()) {
      for (Step step : Step.values()) {
        Run rd = find(tree, step, Tool.RDIFF_BACKUP);
        Run cp = find(tree, step, Tool.CP);
        Run cps = find(tree, step, Tool.CP_SYNC);
        for (Tool t : Tool.values()) {
          Run r = find(tree, step, t);
          if (r == null) {
            continue;
          }
          b.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %.2f | %.0f | %.1f | %s | %s | %s | %s | %.1f%s |%n", tree,
              step.label, t.label, r.m().wall(), r.m().cpu(), r.m().rssMb(), r.repoBytes() / 1e6,
              t.rewind() && rd != null ? ratio(r.m().wall(), rd.m().wall()) : "—",
              t.rewind() && cp != null ? ratio(r.m().wall(), cp.m().wall()) : "—",
              t.rewind() && cps != null ? ratio(r.m().wall(), cps.m().wall()) : "—",
              t.rewind() && rd != null ? ratio(r.repoBytes(), rd.repoBytes()) : "—", r.othersCpu(),
              (r.undisturbed() ? "" : " *") + (r.failure() == null ? "" : " **FAILED** (" + firstLines(r.failure()) + ")")));
        }
      }
    }
    if (rounds > 1) {
      b.append("\nWall s of every round:\n\n");
      for (String tree : shapes.keySet()) {
        for (Step step : Step.values()) {
          for (Tool t : Tool.values()) {
            List<Run> each = all(tree, step, t);
            if (!each.isEmpty()) {
              b.append("- ").append(tree).append(", ").append(step.label).append(", ").append(t.label).append(": ")
                  .append(String.join(" / ", each.stream().map(r -> String.format(Locale.ROOT, "%.2f", r.m().wall())).toList()))
                  .append('\n');
            }
          }
        }
      }
    }
    b.append("\nMB = 10^6 bytes. Repo size is that tool's destination after the step (for `cp -a`, the copy)."
        + " \"other CPU s\": CPU seconds used by the rest of the machine (other processes, kernel write-back) during the"
        + " run; * = disturbed (the machine was not quiet before, or others used more than a quarter of a core).\n");
    b.append("\nCommands (NOW = 2024-06-01/02/03 00:00 UTC in epoch seconds for the three steps; REPO a new directory"
        + " on its own file system):\n\n");
    b.append("    rdiff-backup --current-time NOW backup SRC REPO\n");
    b.append("    mount-scripts/install --root DIR --jar ").append(jar)
        .append("; REWIND_JAVA=").append(javaHome.resolve("bin/java"))
        .append(" DIR/usr/local/bin/rewind --current-time NOW backup SRC REPO\n");
    b.append("    ").append(javaHome.resolve("bin/java")).append(" -jar ").append(jar).append(" --current-time NOW backup SRC REPO\n");
    b.append("    cp -a SRC COPY\n");
    b.append("    sh -c 'cp -a SRC COPY && sync -f COPY'    # the copy made durable, as both backup tools make theirs\n");
    b.append("\nMachine:\n\n");
    for (String line : MachineInfo.describe(work, javaHome)) {
      b.append(line).append('\n');
    }
    return b.toString();
  }

  private static String firstLines(String failure) {
    String one = failure.replace('\n', ' ').replace('|', '/');
    return one.length() > 300 ? one.substring(0, 300) + "…" : one;
  }

  private static String ratio(double a, double b) {
    return b <= 0 ? "—" : String.format(Locale.ROOT, "%.2f×", a / b);
  }

  private static void log(String message) {
    BenchLog.line("bench", message);
  }
}
