package dev.rewind.pull;

import dev.rewind.core.SessionTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * How one host's pull ended, and its result line.
 *
 * @param session the session written (null when failed)
 * @param files entries in the source
 * @param changedBytes bytes of new and changed files
 * @param removedSessions old sessions removed by retention
 * @param message why it failed, or the first file error of a partial session (empty when ok)
 */
public record HostResult(String host, Outcome outcome, SessionTime session, long files, long changedBytes,
    int removedSessions, Duration elapsed, String message) {

  /** The three endings of a pull, as spelled in the state file. */
  public enum Outcome {
    /** A session was written with every file. */
    OK,
    /** A session was written, but some files (or the retention afterwards) failed. */
    PARTIAL,
    /** No session was written. */
    FAILED;

    /** {@code ok}, {@code partial} or {@code failed}. */
    public String spelling() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public HostResult {
    message = message.replace('\n', ' ');
  }

  static HostResult failed(String host, Duration elapsed, String message) {
    return new HostResult(host, Outcome.FAILED, null, 0, 0, 0, elapsed, message);
  }

  /** {@code web1: ok, session 2026-11-26T18:00:00Z, 1234 files, 12.3 MB changed, 41 s}. */
  public String line() {
    if (outcome == Outcome.FAILED) {
      return host + ": FAILED: " + message;
    }
    StringBuilder b = new StringBuilder(host).append(": ").append(outcome.spelling())
        .append(", session ").append(Instant.ofEpochSecond(session.epochSecond()))
        .append(", ").append(files).append(" files, ").append(human(changedBytes)).append(" changed, ")
        .append(Math.round(elapsed.toMillis() / 1000.0)).append(" s");
    if (removedSessions > 0) {
      b.append(", removed ").append(removedSessions).append(removedSessions == 1 ? " old session" : " old sessions");
    }
    return message.isEmpty() ? b.toString() : b.append("; ").append(message).toString();
  }

  static String human(long bytes) {
    if (bytes < 1000) {
      return bytes + " bytes";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = bytes / 1000.0;
    int u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
