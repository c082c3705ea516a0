package dev.rewind.bench;

import dev.rewind.testing.Proc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A quick profile of one Rewind run from a JFR recording ({@code
 * -XX:StartFlightRecording:settings=profile}): the execution and native-method samples, counted
 * by thread, by the innermost frame, and by the innermost {@code dev.rewind} frame.
 */
final class BackupProfile {
  private BackupProfile() {}

  static List<String> jvmOptions(Path jfrFile) {
    return List.of("-XX:StartFlightRecording:filename=" + jfrFile + ",settings=profile,dumponexit=true");
  }

  /** A Markdown summary of {@code jfrFile}'s samples. */
  static String summarize(Path jfrFile, Path javaHome, int top) {
    String out = Proc.run(List.of(javaHome.resolve("bin/jfr").toString(), "print", "--stack-depth", "64", "--events",
        "jdk.ExecutionSample,jdk.NativeMethodSample", jfrFile.toString()), null, Map.of(), Duration.ofMinutes(10))
        .expect(0).out();
    Map<String, Integer> byThread = new HashMap<>();
    Map<String, Integer> bySelf = new HashMap<>();
    Map<String, Integer> byRewind = new HashMap<>();
    int total = 0;
    String thread = null;
    List<String> frames = null;
    for (String raw : out.split("\n")) {
      String line = raw.trim();
      if (line.startsWith("sampledThread = ")) {
        int a = line.indexOf('"');
        int b = line.indexOf('"', a + 1);
        thread = a >= 0 && b > a ? line.substring(a + 1, b).replaceAll("\\d+", "N") : "?";
      } else if (line.equals("stackTrace = [")) {
        frames = new ArrayList<>();
      } else if (frames != null && line.equals("]")) {
        total++;
        byThread.merge(thread, 1, Integer::sum);
        bySelf.merge(frames.isEmpty() ? "?" : frames.get(0), 1, Integer::sum);
        String rw = frames.stream().filter(f -> f.startsWith("dev.rewind.")).findFirst().orElse("(no dev.rewind frame)");
        byRewind.merge(rw, 1, Integer::sum);
        frames = null;
      } else if (frames != null && !line.equals("...")) {
        int paren = line.indexOf('(');
        frames.add(paren > 0 ? line.substring(0, paren) : line);
      }
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%,d samples (JFR execution + native-method samples, Java threads only; JIT and GC"
        + " threads are not sampled)%n%n", total));
    append(b, "by thread", byThread, total, top);
    append(b, "by innermost frame (self)", bySelf, total, top);
    append(b, "by innermost dev.rewind frame", byRewind, total, top);
    return b.toString();
  }

  private static void append(StringBuilder b, String title, Map<String, Integer> counts, int total, int top) {
    b.append("| ").append(title).append(" | samples | share |\n|---|---:|---:|\n");
    counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
        .forEach(e -> b.append(String.format(Locale.ROOT, "| `%s` | %d | %.0f%% |%n", e.getKey(), e.getValue(),
            100.0 * e.getValue() / Math.max(1, total))));
    b.append('\n');
  }
}
