package dev.rewind.ops;

import java.util.Locale;

/** Short human forms of durations and byte counts for tables, reports and mails. */
final class Units {
  private Units() {}

  /** {@code 45s}, {@code 12m}, {@code 5h03m}, {@code 3d04h}. */
  static String duration(long seconds) {
    long s = Math.max(0, seconds);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m";
    }
    if (s < 86400) {
      return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
    return String.format(Locale.ROOT, "%dd%02dh", s / 86400, s % 86400 / 3600);
  }

  /** {@code 512 B}, {@code 1.5 KiB}, {@code 12.3 MiB}, ... */
  static String bytes(long n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
