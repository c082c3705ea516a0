package dev.rewind.backup;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who holds, or last held, a repository's lock: the fields rdiff-backup writes into {@code
 * lock.yml} ({@code cmd}, {@code hostname}, {@code pid}, {@code timestamp}). Any field may be
 * unknown (null, or 0 for the pid), e.g. when the holder wrote nothing.
 *
 * @param pid the holder's process id, 0 when unknown
 * @param started when the holder started, as a time string ({@code 2024-04-04T12:00:00+02:00})
 */
public record LockHolder(long pid, String hostname, String command, String started) {
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_/][A-Za-z0-9._/-]*( [A-Za-z0-9._/-]+)*");

  /** True when nothing at all is known about the holder. */
  public boolean isUnknown() {
    return pid == 0 && hostname == null && command == null && started == null;
  }

  /**
   * The YAML document rdiff-backup writes into {@code lock.yml} while it holds the lock (keys in
   * the order PyYAML's {@code safe_dump} gives them).
   */
  String toYaml() {
    StringBuilder out = new StringBuilder();
    appendField(out, "cmd", command);
    appendField(out, "hostname", hostname);
    if (pid != 0) {
      out.append("pid: ").append(pid).append('\n');
    }
    if (started != null) {
      out.append("timestamp: ").append(quoted(started)).append('\n'); // PyYAML quotes it too
    }
    return out.toString();
  }

  private static void appendField(StringBuilder out, String key, String value) {
    if (value != null) {
      out.append(key).append(": ").append(PLAIN.matcher(value).matches() ? value : quoted(value)).append('\n');
    }
  }

  private static String quoted(String s) {
    return "'" + s.replace("'", "''").replace('\n', ' ') + "'";
  }

  /**
   * Reads what a holder wrote into {@code lock.yml}: top-level {@code key: value} lines, values
   * plain or quoted. Anything else is ignored; returns null when no known key is present (an
   * empty file, the normal state between runs).
   */
  static LockHolder parseYaml(String text) {
    long pid = 0;
    String host = null;
    String cmd = null;
    String started = null;
    for (String line : text.split("\n")) {
      int colon = line.indexOf(": ");
      if (colon <= 0 || Character.isWhitespace(line.charAt(0))) {
        continue;
      }
      String value = unquote(line.substring(colon + 2).trim());
      switch (line.substring(0, colon)) {
        case "pid" -> pid = parsePid(value);
        case "hostname" -> host = value;
        case "cmd" -> cmd = value;
        case "timestamp" -> started = value;
        default -> { }
      }
    }
    LockHolder h = new LockHolder(pid, host, cmd, started);
    return h.isUnknown() ? null : h;
  }

  private static long parsePid(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
      return v.substring(1, v.length() - 1).replace("''", "'");
    }
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      return v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
    }
    return v;
  }

  /** For messages: {@code pid 1234 on host vm (rdiff-backup), started 2024-04-04T12:00:00+02:00}. */
  public String describe() {
    if (isUnknown()) {
      return "an unknown process";
    }
    List<String> parts = new ArrayList<>();
    parts.add(pid != 0 ? "pid " + pid : "an unknown pid");
    if (hostname != null) {
      parts.add("on host " + hostname);
    }
    if (command != null) {
      parts.add("(" + command + ")");
    }
    String who = String.join(" ", parts);
    return started != null ? who + ", started " + started : who;
  }

  @Override
  public String toString() {
    return describe();
  }
}
