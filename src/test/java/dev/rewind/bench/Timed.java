package dev.rewind.bench;

import dev.rewind.testing.Proc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs a command under GNU time ({@code /usr/bin/time -f '%e %U %S %M'}) and reads its figures. */
final class Timed {
  static final Path GNU_TIME = Path.of("/usr/bin/time");

  private Timed() {}

  /** Wall, user and system seconds, and the peak resident set size in KiB, of one run. */
  record Measurement(double wall, double user, double sys, long maxRssKb) {
    double cpu() {
      return user + sys;
    }

    double rssMb() {
      return maxRssKb / 1024.0;
    }
  }

  /** Runs {@code command}; fails unless it exits 0. GNU time's figures go to {@code timeFile}. */
  static Measurement run(List<String> command, Path timeFile, Duration timeout) {
    List<String> cmd = new ArrayList<>(List.of(GNU_TIME.toString(), "-f", "%e %U %S %M", "-o", timeFile.toString(), "--"));
    cmd.addAll(command);
    Proc.Result r = Proc.run(cmd, null, Map.of(), timeout);
    if (r.exitCode() != 0) {
      throw new AssertionError("exit " + r.exitCode() + ": " + command + "\nstdout: " + r.out() + "\nstderr: " + r.stderr());
    }
    try {
      List<String> lines = Files.readAllLines(timeFile, StandardCharsets.UTF_8);
      String[] f = lines.get(lines.size() - 1).trim().split("\\s+");
      return new Measurement(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]), Long.parseLong(f[3]));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
