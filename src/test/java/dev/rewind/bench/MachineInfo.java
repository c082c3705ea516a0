package dev.rewind.bench;

import dev.rewind.testing.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the figures were measured on, as Markdown bullet lines. */
final class MachineInfo {
  private MachineInfo() {}

  static List<String> describe(Path workDir, Path javaHome) {
    List<String> out = new ArrayList<>();
    out.add("- CPU: " + Runtime.getRuntime().availableProcessors() + " × " + cpuModel() + " (nproc " + sh("nproc") + ")");
    out.add("- RAM: " + memTotal());
    String dev = sh("findmnt -n -o SOURCE -T " + workDir);
    String rot = sh("cat /sys/block/" + Path.of(dev).getFileName() + "/queue/rotational 2>/dev/null");
    out.add("- Disk of the work dir: " + dev + ", " + sh("findmnt -n -o FSTYPE -T " + workDir) + ", "
        + sh("df -h --output=size " + workDir + " | tail -1").trim() + " ("
        + "queue/rotational=" + (rot.isEmpty() ? "?" : rot) + ")");
    out.add("- Kernel: " + sh("uname -srm"));
    out.add("- Java (runs Rewind): " + sh(javaHome.resolve("bin/java") + " -version 2>&1 | sed -n 2p"));
    out.add("- rdiff-backup: " + sh("rdiff-backup --version") + " (Python " + sh("python3 -c 'import platform;print(platform.python_version())'")
        + ", librsync " + sh("dpkg-query -W -f '${Version}' librsync2 2>/dev/null || echo '?'") + ")");
    String commit = sh("git rev-parse --short HEAD 2>/dev/null");
    out.add("- Rewind: " + (commit.isEmpty() ? "commit unknown (not run from a git checkout)" : "commit " + commit)
        + (sh("git status --porcelain -- src/main 2>/dev/null").isEmpty() ? "" : " + uncommitted changes in src/main"));
    return out;
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "unknown CPU";
  }

  private static String memTotal() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("\\D", ""));
          return String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "unknown";
  }

  private static String sh(String command) {
    return Proc.run(List.of("sh", "-c", command), null, Map.of(), Duration.ofMinutes(1)).out().trim();
  }
}
