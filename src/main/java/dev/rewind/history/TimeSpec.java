package dev.rewind.history;

import dev.rewind.core.SessionTime;
import dev.rewind.repo.TimeStrings;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A point in time as rdiff-backup's {@code --at} and {@code --older-than} accept it: {@code
 * now}, epoch seconds, a time string with or without offset, {@code YYYY-MM-DD}, {@code
 * MM/DD/YYYY}, an interval back from now ({@code 3D}, {@code 2W}, {@code 5h30m}; units s m h D
 * W M Y), or a count of sessions back ({@code 3B}).
 */
public final class TimeSpec {
  private static final Pattern INTERVAL = Pattern.compile("(\\d+)([smhDWMY])");
  private static final Pattern INTERVALS = Pattern.compile("(\\d+[smhDWMY])+");
  private static final Pattern SESSIONS_BACK = Pattern.compile("(\\d+)B");

  private TimeSpec() {}

  /**
   * Resolves {@code spec} to epoch seconds.
   *
   * @param now the current time ({@code --current-time} or the clock)
   * @param sessions the repository's sessions oldest first, for {@code NB}
   * @throws IllegalArgumentException with a message naming the spec when it cannot be parsed
   */
  public static long resolve(String spec, long now, List<SessionTime> sessions, ZoneId zone) {
    String s = spec.trim();
    if (s.equals("now")) {
      return now;
    }
    if (s.matches("-?\\d+")) {
      return Long.parseLong(s);
    }
    Matcher back = SESSIONS_BACK.matcher(s);
    if (back.matches()) {
      int n = Integer.parseInt(back.group(1));
      if (sessions.isEmpty()) {
        throw new IllegalArgumentException("'" + spec + "': the repository has no sessions");
      }
      return sessions.get(Math.max(0, sessions.size() - 1 - n)).epochSecond();
    }
    if (INTERVALS.matcher(s).matches()) {
      return now - intervalSeconds(s);
    }
    Long t = TimeStrings.parseOrNull(s);
    if (t != null) {
      return t;
    }
    return parseDate(s, spec, now, zone);
  }

  /** Seconds in an interval such as {@code 1W2D} (a month is 30 days, a year 365). */
  public static long intervalSeconds(String s) {
    long total = 0;
    Matcher m = INTERVAL.matcher(s);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total += n * switch (m.group(2)) {
        case "s" -> 1L;
        case "m" -> 60L;
        case "h" -> 3600L;
        case "D" -> 86400L;
        case "W" -> 7 * 86400L;
        case "M" -> 30 * 86400L;
        default -> 365 * 86400L;
      };
    }
    return total;
  }

  private static long parseDate(String s, String spec, long now, ZoneId zone) {
    try {
      if (s.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}[:-]\\d{2}[:-]\\d{2}")) {
        // rdiff-backup appends the offset in force now, not the one at that date
        String withOffset = s + TimeStrings.format(now, zone, false).substring(19);
        Long t = TimeStrings.parseOrNull(withOffset);
        if (t != null) {
          return t;
        }
      }
      LocalDate date;
      if (s.matches("\\d{4}-\\d{2}-\\d{2}")) {
        date = LocalDate.parse(s);
      } else if (s.matches("\\d{1,2}/\\d{1,2}/\\d{4}")) {
        date = LocalDate.parse(s, DateTimeFormatter.ofPattern("M/d/yyyy"));
      } else {
        throw new IllegalArgumentException(bad(spec));
      }
      return date.atStartOfDay(zone).toEpochSecond();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(bad(spec), e);
    }
  }

  private static String bad(String spec) {
    return "cannot understand time '" + spec + "' (use now, epoch seconds, 2024-04-01,"
        + " 2024-04-01T11:00:00+02:00, an interval like 3D or 5h30m, or 2B for two sessions back)";
  }
}
