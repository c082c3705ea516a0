package dev.rewind.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the last {@code rewind pull} of one host left in {@code <state_dir>/<host>.state}: {@code
 * key=value} lines ({@code last_attempt}, {@code last_success} in epoch seconds, {@code
 * last_result} ok|partial|failed, {@code last_error}, {@code last_duration_ms}). Unknown keys are
 * ignored so that a newer pull can add some.
 *
 * @param lastSuccess null when no pull of this host ever succeeded
 * @param lastResult {@code ok}, {@code partial} or {@code failed}; null when not recorded
 * @param lastError null when the last pull had no error
 */
public record PullState(Long lastAttempt, Long lastSuccess, String lastResult, String lastError, Long lastDurationMs) {

  /** The state file of {@code host} under {@code stateDir}. */
  public static Path file(Path stateDir, String host) {
    return stateDir.resolve(host + ".state");
  }

  /** Reads {@code <stateDir>/<host>.state}; null when there is none. */
  public static PullState readOrNull(Path stateDir, String host) throws IOException {
    Path file = file(stateDir, host);
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    }
    return parse(lines, file.toString());
  }

  static PullState parse(List<String> lines, String display) throws IOException {
    Long attempt = null;
    Long success = null;
    Long duration = null;
    String result = null;
    String error = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int eq = line.indexOf('=');
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (eq < 0) {
        throw new IOException(display + ":" + (i + 1) + ": expected key=value");
      }
      String key = line.substring(0, eq).trim();
      String value = line.substring(eq + 1).trim();
      String where = display + ":" + (i + 1);
      switch (key) {
        case "last_attempt" -> attempt = number(value, where);
        case "last_success" -> success = number(value, where);
        case "last_duration_ms" -> duration = number(value, where);
        case "last_result" -> result = value.isEmpty() ? null : value;
        case "last_error" -> error = value.isEmpty() ? null : value;
        default -> { } // a newer pull may record more
      }
    }
    return new PullState(attempt, success, result, error, duration);
  }

  private static Long number(String value, String where) throws IOException {
    if (value.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IOException(where + ": not a number: '" + value + "'");
    }
  }

  /** Whether the last pull failed (a partial pull is not a failure: its session exists). */
  public boolean lastFailed() {
    return "failed".equals(lastResult);
  }
}
