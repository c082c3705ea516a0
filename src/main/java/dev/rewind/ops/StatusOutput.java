package dev.rewind.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code rewind status} output: a table for people, or one JSON document for monitors. Both
 * carry the same facts and the alarms of {@link HostStatus#alarms}.
 */
public final class StatusOutput {
  private final List<HostStatus> hosts;
  private final long now;
  private final long staleAfter;

  /**
   * @param now the current time, epoch seconds
   * @param staleAfter seconds after which a host's last session counts as stale
   */
  public StatusOutput(List<HostStatus> hosts, long now, long staleAfter) {
    this.hosts = List.copyOf(hosts);
    this.now = now;
    this.staleAfter = staleAfter;
  }

  /** Whether no host has an alarm. */
  public boolean healthy() {
    return hosts.stream().allMatch(h -> h.alarms(now, staleAfter).isEmpty());
  }

  /** Aligned columns, then one line per alarm ({@code host: ALARM: reason}). */
  public String table() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"HOST", "STATE", "LAST SESSION", "AGE", "SESSIONS", "OLDEST", "SIZE", "LAST PULL"});
    StringBuilder alarms = new StringBuilder();
    for (HostStatus h : hosts) {
      List<String> hostAlarms = h.alarms(now, staleAfter);
      HostStatus.Session last = h.last();
      rows.add(new String[] {
          printable(h.host()), hostAlarms.isEmpty() ? "ok" : "ALARM",
          last == null ? "-" : last.time().toString(),
          last == null ? "-" : Units.duration(h.ageSeconds(now)),
          Integer.toString(h.sessions().size()),
          h.oldest() == null ? "-" : h.oldest().time().toString(),
          Units.bytes(h.repositoryBytes()),
          pullSummary(h.pull())});
      for (String a : hostAlarms) {
        alarms.append(printable(h.host())).append(": ALARM: ").append(printable(a)).append('\n');
      }
    }
    if (hosts.isEmpty()) {
      return "no hosts\n";
    }
    return columns(rows) + alarms;
  }

  private String pullSummary(PullState p) {
    if (p == null || p.lastResult() == null) {
      return "-";
    }
    String when = p.lastAttempt() == null ? "" : " " + Units.duration(now - p.lastAttempt()) + " ago";
    return p.lastResult() + when;
  }

  private static String columns(List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]).append(" ".repeat(widths[i] - r[i].length() + 2));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  /** Control characters in names or errors must not mangle a terminal or split a line. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return out.toString();
  }

  /** One JSON object: {@code {"now", "stale_after_seconds", "ok", "hosts": [...]}}. */
  public String json() {
    Json j = new Json().begin('{');
    j.key("now").value(now).key("stale_after_seconds").value(staleAfter).key("ok").value(healthy());
    j.key("hosts").begin('[');
    for (HostStatus h : hosts) {
      host(j, h);
    }
    return j.end(']').end('}').toString() + "\n";
  }

  private void host(Json j, HostStatus h) {
    List<String> alarms = h.alarms(now, staleAfter);
    j.begin('{').key("host").value(h.host()).key("repository").value(h.repository());
    j.key("ok").value(alarms.isEmpty()).key("sessions").value((long) h.sessions().size());
    j.key("last_session").value(h.last() == null ? null : h.last().time().toString());
    j.key("last_session_epoch").value(h.last() == null ? null : h.last().time().epochSecond());
    j.key("age_seconds").value(h.ageSeconds(now));
    j.key("oldest_session").value(h.oldest() == null ? null : h.oldest().time().toString());
    j.key("repository_bytes").value(h.repositoryBytes()).key("problem").value(h.problem());
    PullState p = h.pull();
    j.key("last_pull");
    if (p == null) {
      j.value((String) null);
    } else {
      j.begin('{').key("result").value(p.lastResult()).key("attempt").value(p.lastAttempt())
          .key("success").value(p.lastSuccess()).key("error").value(p.lastError())
          .key("duration_ms").value(p.lastDurationMs()).end('}');
    }
    j.key("alarms").begin('[');
    alarms.forEach(j::value);
    j.end(']');
    j.key("history").begin('[');
    for (HostStatus.Session s : h.sessions()) {
      j.begin('{').key("session").value(s.time().toString()).key("epoch").value(s.time().epochSecond())
          .key("changed_bytes").value(s.statistics() == null ? null : s.statistics().changedBytes())
          .key("repository_bytes").value(s.repositoryBytes()).end('}');
    }
    j.end(']').end('}');
  }
}
