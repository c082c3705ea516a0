package dev.rewind.ops;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One host's sessions over time as an inline SVG: the repository size after each session as a
 * line (upper panel), the bytes each session changed as bars (lower panel), and a failed last
 * pull as a red cross at its time. Hover titles give exact values; no script is needed.
 */
final class SessionChart {
  private static final int WIDTH = 760;
  private static final int LEFT = 80;
  private static final int RIGHT = 740;
  private static final int SIZE_TOP = 30;
  private static final int SIZE_BOTTOM = 120;
  private static final int CHANGE_TOP = 160;
  private static final int CHANGE_BOTTOM = 250;
  private static final int HEIGHT = 290;
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);

  private final HostStatus host;
  private final long from;
  private final long to;
  private final StringBuilder svg = new StringBuilder();

  private SessionChart(HostStatus host) {
    this.host = host;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (HostStatus.Session s : host.sessions()) {
      first = Math.min(first, s.time().epochSecond());
      last = Math.max(last, s.time().epochSecond());
    }
    Long failed = failureTime();
    if (failed != null) {
      first = Math.min(first, failed);
      last = Math.max(last, failed);
    }
    if (first >= last) { // one point (or none): a day either side keeps it in the middle
      first = (first == Long.MAX_VALUE ? 0 : first) - 86400;
      last = first + 2 * 86400;
    }
    this.from = first;
    this.to = last;
  }

  /** The {@code <svg>} element for {@code host}. */
  static String render(HostStatus host) {
    return new SessionChart(host).draw();
  }

  private Long failureTime() {
    PullState p = host.pull();
    if (p == null || !p.lastFailed()) {
      return null;
    }
    return p.lastAttempt();
  }

  private String draw() {
    String label = "sessions of " + host.host();
    svg.append("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH)
        .append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"").append(Html.escape(label)).append("\">");
    svg.append("<title>").append(Html.escape(label)).append("</title>");
    panel(SIZE_TOP, SIZE_BOTTOM, "repository size", maxOf(true));
    panel(CHANGE_TOP, CHANGE_BOTTOM, "changed per session", maxOf(false));
    sizeLine();
    changeBars();
    failureMark();
    timeAxis();
    if (host.sessions().isEmpty()) {
      text(WIDTH / 2, 80, "middle", "no complete session", "empty");
    }
    return svg.append("</svg>").toString();
  }

  private long maxOf(boolean size) {
    long max = 1;
    for (HostStatus.Session s : host.sessions()) {
      Long v = size ? s.repositoryBytes() : changed(s);
      if (v != null) {
        max = Math.max(max, v);
      }
    }
    return max;
  }

  private static Long changed(HostStatus.Session s) {
    return s.statistics() == null ? null : s.statistics().changedBytes();
  }

  private void panel(int top, int bottom, String title, long max) {
    svg.append(String.format(Locale.ROOT, "<rect class=\"panel\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
        LEFT, top, RIGHT - LEFT, bottom - top));
    text(LEFT, top - 8, "start", title, "label");
    text(LEFT - 6, top + 10, "end", Units.bytes(max), "axis");
    text(LEFT - 6, bottom, "end", "0", "axis");
  }

  private void sizeLine() {
    long max = maxOf(true);
    StringBuilder points = new StringBuilder();
    for (HostStatus.Session s : host.sessions()) {
      if (s.repositoryBytes() == null) {
        continue;
      }
      double x = x(s.time().epochSecond());
      double y = y(s.repositoryBytes(), max, SIZE_TOP, SIZE_BOTTOM);
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      svg.append(String.format(Locale.ROOT, "<circle class=\"size\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\">", x, y))
          .append("<title>").append(Html.escape(s.time() + ": repository " + Units.bytes(s.repositoryBytes())))
          .append("</title></circle>");
    }
    if (points.length() > 0) {
      svg.append("<polyline class=\"size\" points=\"").append(points.toString().trim()).append("\"/>");
    }
  }

  private void changeBars() {
    long max = maxOf(false);
    for (HostStatus.Session s : host.sessions()) {
      Long v = changed(s);
      if (v == null) {
        continue;
      }
      double x = x(s.time().epochSecond());
      double y = y(v, max, CHANGE_TOP, CHANGE_BOTTOM);
      svg.append(String.format(Locale.ROOT,
              "<rect class=\"changed\" x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"%.1f\">", x - 3, y,
              Math.max(0.5, CHANGE_BOTTOM - y)))
          .append("<title>").append(Html.escape(s.time() + ": " + Units.bytes(v) + " changed"))
          .append("</title></rect>");
    }
  }

  private void failureMark() {
    Long t = failureTime();
    if (t == null) {
      return;
    }
    double x = x(t);
    String why = "pull failed at " + DAY.format(Instant.ofEpochSecond(t))
        + (host.pull().lastError() == null ? "" : ": " + host.pull().lastError());
    svg.append(String.format(Locale.ROOT, "<g class=\"failure\"><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
            x, SIZE_TOP, x, CHANGE_BOTTOM))
        .append(String.format(Locale.ROOT, "<path d=\"M%.1f %d l10 10 m0 -10 l-10 10\"/>", x - 5, SIZE_TOP + 4))
        .append("<title>").append(Html.escape(why)).append("</title></g>");
  }

  private void timeAxis() {
    text(LEFT, CHANGE_BOTTOM + 18, "start", DAY.format(Instant.ofEpochSecond(from)), "axis");
    text(RIGHT, CHANGE_BOTTOM + 18, "end", DAY.format(Instant.ofEpochSecond(to)), "axis");
  }

  private void text(double x, double y, String anchor, String content, String cls) {
    svg.append(String.format(Locale.ROOT, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", cls, x, y, anchor))
        .append(Html.escape(content)).append("</text>");
  }

  private double x(long t) {
    return LEFT + 8 + (RIGHT - LEFT - 16) * (double) (t - from) / (to - from);
  }

  private static double y(long v, long max, int top, int bottom) {
    return bottom - (bottom - top) * (double) v / max;
  }
}
