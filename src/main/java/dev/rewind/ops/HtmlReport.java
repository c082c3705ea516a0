package dev.rewind.ops;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * {@code rewind report --html}: one self-contained page (inline CSS and SVG, no script, nothing
 * fetched) with a section per host: its figures, its alarms, and a {@link SessionChart}.
 */
public final class HtmlReport {
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);
  private static final String CSS = """
      body{font-family:sans-serif;margin:2em;color:#222;background:#fff}
      h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
      section{border-top:1px solid #ccc}
      table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .8em;text-align:left}
      th{color:#555;font-weight:normal}
      .ok{color:#1a7f37}.alarm{color:#c00;font-weight:bold}
      .chart .panel{fill:#f7f7f7;stroke:#ddd}
      .chart polyline.size{fill:none;stroke:#1f6feb;stroke-width:2}.chart circle.size{fill:#1f6feb}
      .chart rect.changed{fill:#8250df}
      .chart .failure line{stroke:#c00;stroke-width:2;stroke-dasharray:4 3}
      .chart .failure path{stroke:#c00;stroke-width:3}
      .chart text{font-size:11px;fill:#555}.chart text.label{font-size:12px;fill:#222}
      .chart text.empty{font-size:14px;fill:#999}
      """;

  private HtmlReport() {}

  /**
   * The page.
   *
   * @param now the current time in epoch seconds (ages and the page's date)
   * @param staleAfter seconds after which a host's last session is an alarm
   */
  public static String render(List<HostStatus> hosts, long now, long staleAfter) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>Rewind backup report</title><style>").append(CSS).append("</style></head><body>\n")
        .append("<h1>Rewind backup report</h1><p>").append(hosts.size()).append(" hosts, generated ")
        .append(WHEN.format(Instant.ofEpochSecond(now))).append("</p>\n");
    for (HostStatus host : hosts) {
      section(h, host, now, staleAfter);
    }
    return h.append("</body></html>\n").toString();
  }

  private static void section(StringBuilder h, HostStatus host, long now, long staleAfter) {
    List<String> alarms = host.alarms(now, staleAfter);
    h.append("<section class=\"host\"><h2>").append(Html.escape(host.host())).append(" <span class=\"")
        .append(alarms.isEmpty() ? "ok\">ok" : "alarm\">ALARM").append("</span></h2>\n<table>");
    HostStatus.Session last = host.last();
    row(h, "repository", host.repository());
    row(h, "last session", last == null ? "none" : last.time() + " (" + Units.duration(host.ageSeconds(now)) + " ago)");
    row(h, "sessions", host.sessions().size() + (host.oldest() == null ? "" : ", oldest " + host.oldest().time()));
    row(h, "repository size", Units.bytes(host.repositoryBytes()));
    PullState p = host.pull();
    if (p != null && p.lastResult() != null) {
      String when = p.lastAttempt() == null ? "" : " at " + WHEN.format(Instant.ofEpochSecond(p.lastAttempt()));
      row(h, "last pull", p.lastResult() + when + (p.lastError() == null ? "" : ": " + p.lastError()));
    }
    h.append("</table>\n");
    for (String a : alarms) {
      h.append("<p class=\"alarm\">").append(Html.escape(a)).append("</p>\n");
    }
    h.append(SessionChart.render(host)).append("\n</section>\n");
  }

  private static void row(StringBuilder h, String key, String value) {
    h.append("<tr><th>").append(Html.escape(key)).append("</th><td>").append(Html.escape(value)).append("</td></tr>");
  }
}
