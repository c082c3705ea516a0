package dev.rewind.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rewind.bench.Timed.Measurement;
import dev.rewind.testing.Proc;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The restore benchmark: Rewind against {@code rdiff-backup restore --at} on the same
 * repository ({@link BenchTree}), in the same run, for the oldest and the newest session.
 *
 * <p>Not a unit test and never run by the default build: {@code mvn -B -Pbench verify} runs it
 * (failsafe, {@code **}{@code /*Bench.java}). It has no speed threshold; it fails only when a
 * tool fails or when Rewind's restored tree differs from rdiff-backup's.
 *
 * <p>Method: the page cache is never dropped. Before measuring, every repository file is read
 * once and each tool restores the newest session once, untimed (warm-up). Then {@code
 * bench.rounds} rounds (default 5); in each, both operations are run by both tools, rdiff-backup
 * first in odd rounds and Rewind first in even ones. Every run restores into a new target
 * ({@link Targets}: by default a new loop-mounted ext4 each), after {@code sync} so that no
 * earlier run's write-back overlaps it, and after waiting (at most {@code bench.quietWait}
 * seconds, default 180) for the rest of the machine to use under a quarter of a core; each is
 * measured by GNU time, and the CPU the rest of the machine used meanwhile is recorded. Each
 * round's two outputs are compared (paths, types, sizes, SHA-1, symlink targets, permissions,
 * owners, mtimes) before they are freed. The table gives medians over the rounds in which both
 * tools' runs were undisturbed (see {@link Run#undisturbed}), or over all rounds where there was
 * none, so that both tools are always summarised over the same rounds; every run is listed below.
 *
 * <p>System properties: {@code rewind.jar} (set by the pom), {@code bench.dir} (work dir,
 * default {@code /var/tmp/rewind-bench}), {@code bench.out} (report dir, default {@code
 * target/bench}), {@code bench.rounds}, {@code bench.targetFs} ({@code auto}, {@code ext4} or
 * {@code dir}), {@code bench.quietWait}, {@code bench.javaOpts} (extra JVM options for Rewind),
 * {@code bench.prepareOnly} (only generate the tree and the repository),
 * and the tree's shape: {@code bench.smallFiles}, {@code bench.bigFiles}, {@code
 * bench.bigFileMiB}, {@code bench.sessions}, {@code bench.seed}.
 */
class RestoreBench {
  private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(60);

  enum Tool {
    RDIFF_BACKUP("rdiff-backup"),
    REWIND("Rewind");

    final String label;

    Tool(String label) {
      this.label = label;
    }
  }

  /** One timed run: GNU time's figures, the CPU that the rest of the machine used meanwhile, and whether it was quiet before. */
  record Run(Measurement m, double othersCpu, boolean quietBefore) {
    /** The rest of the machine was quiet before and used at most a quarter of a core meanwhile. */
    boolean undisturbed() {
      return quietBefore && othersCpu <= 0.25 * m.wall();
    }
  }

  /** The rounds (0-based) in which every tool's run was undisturbed, or all rounds when there is none. */
  static List<Integer> countedRounds(Map<Tool, List<Run>> runs) {
    int n = runs.get(Tool.REWIND).size();
    List<Integer> clean = new ArrayList<>();
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int round = i;
      all.add(i);
      if (runs.values().stream().allMatch(l -> l.get(round).undisturbed())) {
        clean.add(i);
      }
    }
    return clean.isEmpty() ? all : clean;
  }

  static boolean allUndisturbed(Map<Tool, List<Run>> runs) {
    return runs.values().stream().allMatch(l -> l.stream().allMatch(Run::undisturbed));
  }

  static List<Run> pick(List<Run> runs, List<Integer> rounds) {
    return rounds.stream().map(runs::get).toList();
  }

  /** A restore to time: the oldest or the newest session. */
  record Op(String name, long at, String label) {}

  @Test
  void restoreOldestAndNewest() throws IOException {
    Tools.require("rdiff-backup", "sync", "rm");
    assertTrue(Files.isExecutable(Timed.GNU_TIME),
        "GNU time is missing at /usr/bin/time: apt-get install -y time");
    Path jar = Path.of(System.getProperty("rewind.jar", "target/rewind.jar")).toAbsolutePath();
    boolean prepareOnly = Boolean.getBoolean("bench.prepareOnly");
    assertTrue(prepareOnly || Files.isRegularFile(jar), "no " + jar + ": build it first (mvn -B -Pbench verify does)");
    Path work = Path.of(System.getProperty("bench.dir", "/var/tmp/rewind-bench")).toAbsolutePath();
    Path outDir = Path.of(System.getProperty("bench.out", "target/bench")).toAbsolutePath();
    int rounds = Integer.getInteger("bench.rounds", 5);
    Path javaHome = Path.of(System.getProperty("java.home"));
    List<String> javaOpts = splitOpts(System.getProperty("bench.javaOpts", ""));

    BenchTree tree = new BenchTree(BenchTree.Spec.fromSystemProperties(), work, RestoreBench::log);
    tree.prepare();
    if (prepareOnly) {
      log("bench.prepareOnly: tree and repository ready in " + work + "; nothing measured");
      return;
    }
    int sessions = tree.spec().sessions();
    List<Op> ops = List.of(
        new Op("oldest", tree.oldest(), "restore --at oldest (" + day(tree.oldest()) + ", " + (sessions - 1)
            + " sessions back)"),
        new Op("newest", tree.newest(), "restore --at newest (" + day(tree.newest()) + ", the mirror)"));

    long imageBytes = Math.max(4L << 30, 2 * tree.approxBytes() + (1L << 30));
    String targetFs = System.getProperty("bench.targetFs", "auto");
    int quietWait = Integer.getInteger("bench.quietWait", 180);
    Path timeFile = work.resolve("time.txt");
    Map<String, Map<Tool, List<Run>>> results = new LinkedHashMap<>();
    Map<String, TreeCompare.Scan> restored = new LinkedHashMap<>();
    String targetsDescription;
    long repoBytes;
    try (Targets targets = Targets.open(work.resolve("restore"), targetFs, imageBytes)) {
      targetsDescription = targets.describe();
      log("restore targets: " + targetsDescription);
      log("reading every repository file once (page cache warm-up)");
      repoBytes = readAll(tree.repo());
      log(String.format(Locale.ROOT, "repository: %.2f GiB", repoBytes / (double) (1L << 30)));

      Map<Tool, Path> warm = new EnumMap<>(Tool.class);
      for (Tool t : Tool.values()) {
        Path target = targets.fresh("warmup-" + t.name().toLowerCase(Locale.ROOT));
        warm.put(t, target);
        Measurement m = Timed.run(command(t, tree, ops.get(1).at(), target, jar, javaHome, javaOpts), timeFile, RESTORE_TIMEOUT);
        log(String.format(Locale.ROOT, "warm-up %s --at newest: %.2f s wall (not counted)", t.label, m.wall()));
      }
      // sanity of the set-up itself: the newest session is the live tree
      TreeCompare.Scan[] sane = TreeCompare.scanBoth(warm.get(Tool.RDIFF_BACKUP), tree.src());
      List<String> srcDiffs = TreeCompare.differences(sane[1], sane[0], true, 20);
      if (!srcDiffs.isEmpty()) {
        fail("rdiff-backup's restore of the newest session differs from the source tree:\n" + String.join("\n", srcDiffs));
      }
      warm.values().forEach(targets::release);

      for (Op op : ops) {
        results.put(op.name(), new EnumMap<>(Tool.class));
        for (Tool t : Tool.values()) {
          results.get(op.name()).put(t, new ArrayList<>());
        }
      }
      for (int round = 1; round <= rounds; round++) {
        List<Tool> order = round % 2 == 1 ? List.of(Tool.RDIFF_BACKUP, Tool.REWIND) : List.of(Tool.REWIND, Tool.RDIFF_BACKUP);
        for (Op op : ops) {
          Map<Tool, Path> out = new EnumMap<>(Tool.class);
          for (Tool t : order) {
            Path target = targets.fresh(op.name() + "-" + t.name().toLowerCase(Locale.ROOT) + "-r" + round);
            out.put(t, target);
            Proc.run(List.of("sync"), null, Map.of(), Duration.ofMinutes(10)).expect(0);
            boolean quiet = CpuLoad.awaitQuiet(0.25, quietWait, RestoreBench::log);
            double busy0 = CpuLoad.busySeconds();
            Measurement m = Timed.run(command(t, tree, op.at(), target, jar, javaHome, javaOpts), timeFile, RESTORE_TIMEOUT);
            double others = Math.max(0, CpuLoad.busySeconds() - busy0 - m.cpu());
            results.get(op.name()).get(t).add(new Run(m, others, quiet));
            log(String.format(Locale.ROOT, "round %d %s %-12s wall %7.2f s  cpu %7.2f s  rss %7.1f MB  (other CPU on the machine %.2f s)",
                round, op.name(), t.label, m.wall(), m.cpu(), m.rssMb(), others));
          }
          TreeCompare.Scan[] s = TreeCompare.scanBoth(out.get(Tool.RDIFF_BACKUP), out.get(Tool.REWIND));
          List<String> diffs = TreeCompare.differences(s[0], s[1], false, 20);
          if (!diffs.isEmpty()) {
            fail("Rewind's restore --at " + op.name() + " (" + op.at() + ") differs from rdiff-backup's:\n"
                + String.join("\n", diffs));
          }
          log(String.format(Locale.ROOT, "round %d %s: trees equal (%,d files, %.2f GiB, tree digest %s)",
              round, op.name(), s[0].files(), s[0].bytes() / (double) (1L << 30), s[0].digest().substring(0, 12)));
          restored.put(op.name(), s[0]);
          out.values().forEach(targets::release);
        }
      }
    }
    Files.deleteIfExists(timeFile);

    String report = report(tree, ops, results, restored, rounds, repoBytes, work, javaHome, javaOpts, jar, targetsDescription);
    System.out.println();
    System.out.println(report);
    Files.createDirectories(outDir);
    Files.writeString(outDir.resolve("restore.md"), report, StandardCharsets.UTF_8);
    log("wrote " + outDir.resolve("restore.md"));
  }

  private static List<String> command(Tool tool, BenchTree tree, long at, Path target, Path jar, Path javaHome,
      List<String> javaOpts) {
    List<String> cmd = new ArrayList<>();
    if (tool == Tool.RDIFF_BACKUP) {
      cmd.addAll(List.of("rdiff-backup", "restore", "--at", Long.toString(at)));
    } else {
      cmd.add(javaHome.resolve("bin/java").toString());
      cmd.addAll(javaOpts);
      cmd.addAll(List.of("-jar", jar.toString(), "restore", "--at", Long.toString(at)));
    }
    cmd.add(tree.repo().toString());
    cmd.add(target.toString());
    return cmd;
  }

  private static String report(BenchTree tree, List<Op> ops, Map<String, Map<Tool, List<Run>>> results,
      Map<String, TreeCompare.Scan> restored, int rounds, long repoBytes, Path work, Path javaHome,
      List<String> javaOpts, Path jar, String targetsDescription) {
    StringBuilder b = new StringBuilder();
    b.append("## Restore: Rewind vs rdiff-backup restore --at\n\n");
    b.append("Run ").append(DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)))
        .append(". Tree: ").append(tree.spec().describe()).append(". Repository: ")
        .append(String.format(Locale.ROOT, "%.2f GiB", repoBytes / (double) (1L << 30))).append(".\n");
    for (Op op : ops) {
      TreeCompare.Scan s = restored.get(op.name());
      b.append(String.format(Locale.ROOT, "Restored at %s (%d): %,d files, %.2f GiB; Rewind's tree equal to rdiff-backup's"
          + " in every round (tree digest %s).%n", op.name(), op.at(), s.files(), s.bytes() / (double) (1L << 30),
          s.digest().substring(0, 12)));
    }
    b.append("Restore targets: ").append(targetsDescription).append(". Median of ").append(rounds)
        .append(" rounds after one untimed warm-up per tool; page cache not dropped (the repository is read once"
            + " before); `sync` before every run; order alternated per round (odd rounds: rdiff-backup first).\n\n");
    List<String> notes = new ArrayList<>();
    b.append("| operation | tool | wall s | CPU s (user+sys) | peak RSS MB | ratio Rewind/rdiff-backup (wall) |\n");
    b.append("|---|---|---:|---:|---:|---:|\n");
    for (Op op : ops) {
      Map<Tool, List<Run>> r = results.get(op.name());
      List<Integer> used = countedRounds(r);
      notes.add(op.name() + ": " + (used.size() < rounds || allUndisturbed(r)
          ? "round(s) " + used.stream().map(i -> Integer.toString(i + 1)).collect(java.util.stream.Collectors.joining(", "))
          : "no round undisturbed for both tools, so all rounds"));
      double base = median(pick(r.get(Tool.RDIFF_BACKUP), used), x -> x.m().wall());
      for (Tool t : Tool.values()) {
        List<Run> ms = pick(r.get(t), used);
        double wall = median(ms, x -> x.m().wall());
        b.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.0f | %s |%n", op.label(), t.label, wall,
            median(ms, x -> x.m().cpu()), median(ms, x -> x.m().rssMb()),
            t == Tool.REWIND ? String.format(Locale.ROOT, "%.2f×", wall / base) : "—"));
      }
    }
    b.append("\nMedians over the rounds in which both tools' runs were undisturbed (the rest of the machine was"
        + " quiet before the run and used at most a quarter of a core on average during it), or over all rounds"
        + " where there was none: ")
        .append(String.join("; ", notes)).append(".\n");
    b.append("\nEvery round: wall s / CPU s / peak RSS MB / CPU s used meanwhile by the rest of the machine"
        + " (other processes, kernel write-back; * = disturbed):\n\n| operation | tool |");
    for (int i = 1; i <= rounds; i++) {
      b.append(" round ").append(i).append(" |");
    }
    b.append("\n|---|---|").append("---|".repeat(rounds)).append('\n');
    for (Op op : ops) {
      for (Tool t : Tool.values()) {
        b.append("| ").append(op.name()).append(" | ").append(t.label).append(" |");
        for (Run x : results.get(op.name()).get(t)) {
          b.append(String.format(Locale.ROOT, " %.2f / %.2f / %.0f / %.2f%s |", x.m().wall(), x.m().cpu(), x.m().rssMb(),
              x.othersCpu(), x.undisturbed() ? "" : "*"));
        }
        b.append('\n');
      }
    }
    b.append("\nCommands (TIME in epoch seconds; TARGET a new directory):\n\n");
    b.append("    rdiff-backup restore --at TIME ").append(tree.repo()).append(" TARGET\n");
    b.append("    ").append(javaHome.resolve("bin/java")).append(javaOpts.isEmpty() ? "" : " " + String.join(" ", javaOpts))
        .append(" -jar ").append(jar).append(" restore --at TIME ").append(tree.repo()).append(" TARGET\n");
    b.append("\nMachine:\n\n");
    for (String line : MachineInfo.describe(work, javaHome)) {
      b.append(line).append('\n');
    }
    return b.toString();
  }

  private static double median(List<Run> ms, ToDoubleFunction<Run> f) {
    double[] v = ms.stream().mapToDouble(f).sorted().toArray();
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  private static long readAll(Path root) throws IOException {
    long total = 0;
    byte[] buf = new byte[1 << 20];
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList()) {
        try (InputStream in = Files.newInputStream(p)) {
          for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            total += n;
          }
        }
      }
    }
    return total;
  }

  private static List<String> splitOpts(String opts) {
    return opts.isBlank() ? List.of() : List.of(opts.trim().split("\\s+"));
  }

  private static String day(long epochSecond) {
    return DateTimeFormatter.ISO_LOCAL_DATE.format(Instant.ofEpochSecond(epochSecond).atOffset(ZoneOffset.UTC));
  }

  private static void log(String message) {
    BenchLog.line("bench", message);
  }
}
