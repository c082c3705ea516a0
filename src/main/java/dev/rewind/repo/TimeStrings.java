package dev.rewind.repo;

import dev.rewind.core.SessionTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * rdiff-backup's session time strings ({@code 2024-04-01T11:00:00+02:00}, {@code ...Z}, and the
 * "compatible" spelling with {@code -} separators). Parsing and formatting reproduce
 * rdiff-backup's arithmetic exactly, including its floor-division quirk for negative offsets
 * that are not whole hours (-02:30 is written {@code -03:30} and read back correctly).
 */
public final class TimeStrings {
  private TimeStrings() {}

  /** The epoch seconds of a time string, or null when it is not one. */
  public static Long parseOrNull(String s) {
    if (s.length() < 20 || s.length() > 25) {
      return null;
    }
    try {
      if (s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T') {
        return null;
      }
      if (!isSep(s.charAt(13)) || !isSep(s.charAt(16))) {
        return null;
      }
      int year = digits(s, 0, 4);
      int month = digits(s, 5, 2);
      int day = digits(s, 8, 2);
      int hour = digits(s, 11, 2);
      int minute = digits(s, 14, 2);
      int second = digits(s, 17, 2);
      if (year <= 1900 || year >= 2100 || month < 1 || month > 12 || day < 1 || day > 31
          || hour > 23 || minute > 59 || second > 61) {
        return null;
      }
      Long offset = offsetSeconds(s.substring(19));
      if (offset == null) {
        return null;
      }
      long utc = LocalDateTime.of(year, month, 1, hour, minute, 0).toEpochSecond(ZoneOffset.UTC)
          + (day - 1) * 86400L + second;
      return utc - offset;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Parses a time string into a session time that keeps its spelling. */
  public static SessionTime parseSession(String s) {
    Long epoch = parseOrNull(s);
    return epoch == null ? null : new SessionTime(epoch, s);
  }

  private static boolean isSep(char c) {
    return c == ':' || c == '-';
  }

  private static Long offsetSeconds(String tz) {
    if (tz.equals("Z")) {
      return 0L;
    }
    if (tz.length() != 6 || !(tz.charAt(0) == '+' || tz.charAt(0) == '-') || !isSep(tz.charAt(3))) {
      return null;
    }
    int hh = digits(tz, 1, 2);
    int mm = digits(tz, 4, 2);
    int sign = tz.charAt(0) == '-' ? -1 : 1;
    // rdiff-backup applies the sign to the hours only.
    return (long) sign * hh * 3600 + mm * 60L;
  }

  private static int digits(String s, int from, int len) {
    int v = 0;
    for (int i = from; i < from + len; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new NumberFormatException(s);
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Formats epoch seconds as rdiff-backup would in the given zone. */
  public static String format(long epochSecond, ZoneId zone, boolean compatible) {
    Instant instant = Instant.ofEpochSecond(epochSecond);
    int offsetMinutes = zone.getRules().getOffset(instant).getTotalSeconds() / 60;
    LocalDateTime local = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.ofTotalSeconds(offsetMinutes * 60));
    char sep = compatible ? '-' : ':';
    String date = String.format("%04d-%02d-%02dT%02d%c%02d%c%02d", local.getYear(),
        local.getMonthValue(), local.getDayOfMonth(), local.getHour(), sep, local.getMinute(), sep,
        local.getSecond());
    return date + formatOffset(offsetMinutes, sep);
  }

  private static String formatOffset(int minutes, char sep) {
    if (minutes == 0) {
      return "Z";
    }
    int hh = Math.floorDiv(minutes, 60);
    int mm = Math.floorMod(minutes, 60);
    return String.format("%c%02d%c%02d", minutes < 0 ? '-' : '+', Math.abs(hh), sep, mm);
  }
}
