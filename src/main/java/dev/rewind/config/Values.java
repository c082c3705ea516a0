package dev.rewind.config;

import dev.rewind.history.TimeSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/** Parsers of the value types of the configuration; each throws IllegalArgumentException saying why. */
final class Values {
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");
  private static final Pattern INTERVAL = Pattern.compile("(\\d+[smhDWMY])+");
  private static final Pattern SESSIONS = Pattern.compile("\\d+B");
  private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.:_-]*");
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*\\$?");
  private static final Pattern SMTP = Pattern.compile("smtp://[A-Za-z0-9.:_\\[\\]-]+(:\\d{1,5})?");

  private Values() {}

  /** Whether {@code name} may name a host: a file name, a directory name and part of a mount path. */
  static boolean isSafeName(String name) {
    return SAFE_NAME.matcher(name).matches();
  }

  static int port(String v) {
    int p = integer(v, "a port number");
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("'" + v + "' is not a port number (1 to 65535)");
    }
    return p;
  }

  static int positive(String v) {
    int n = integer(v, "a number");
    if (n < 1) {
      throw new IllegalArgumentException("'" + v + "' must be at least 1");
    }
    return n;
  }

  static boolean yesNo(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "yes" -> true;
      case "no" -> false;
      default -> throw new IllegalArgumentException("'" + v + "' is neither yes nor no");
    };
  }

  /** A retention: an interval back from now ({@code 30D}, {@code 2W1D}) or a count of sessions ({@code 10B}). */
  static String retention(String v) {
    if (!INTERVAL.matcher(v).matches() && !SESSIONS.matcher(v).matches()) {
      throw new IllegalArgumentException("'" + v + "' is not a TIME such as 30D, 12W, 6M, 1Y or 10B (the last ten sessions)");
    }
    return v;
  }

  /** An interval such as {@code 2D} or {@code 36h}. */
  static Duration interval(String v) {
    if (!INTERVAL.matcher(v).matches()) {
      throw new IllegalArgumentException("'" + v + "' is not an interval such as 36h, 2D or 1W");
    }
    return Duration.ofSeconds(TimeSpec.intervalSeconds(v));
  }

  static Path absolutePath(String v) {
    if (!v.startsWith("/")) {
      throw new IllegalArgumentException("'" + v + "' is not an absolute path");
    }
    return Path.of(v).normalize();
  }

  /** A source path as written (absolute, without trailing slash except for the root). */
  static String sourcePath(String v) {
    absolutePath(v);
    String p = v.replaceAll("/+", "/");
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  static String glob(String v) {
    if (!v.startsWith("/") && !v.startsWith("**") && !v.toLowerCase(Locale.ROOT).startsWith("ignorecase:")) {
      throw new IllegalArgumentException("'" + v + "' must be an absolute path or glob (or start with '**')");
    }
    return v;
  }

  /** An absolute path, or one relative to the configuration directory. */
  static Path pathIn(Path dir, String v) {
    return dir.resolve(v).normalize();
  }

  static String address(String v) {
    if (!ADDRESS.matcher(v).matches()) {
      throw new IllegalArgumentException("'" + v + "' is not a DNS name, an IP address or 'local'");
    }
    return v;
  }

  static String user(String v) {
    if (!USER.matcher(v).matches()) {
      throw new IllegalArgumentException("'" + v + "' is not a user name");
    }
    return v;
  }

  static String mailVia(String v) {
    if (!v.equals("sendmail") && !SMTP.matcher(v).matches()) {
      throw new IllegalArgumentException("'" + v + "' is neither 'sendmail' nor 'smtp://HOST:PORT'");
    }
    return v;
  }

  static String mailAddress(String v) {
    if (!v.matches("[^\\s@]+@[^\\s@]+")) {
      throw new IllegalArgumentException("'" + v + "' is not a mail address");
    }
    return v;
  }

  private static int integer(String v, String what) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + v + "' is not " + what);
    }
  }
}
