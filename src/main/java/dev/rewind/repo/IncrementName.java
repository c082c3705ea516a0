package dev.rewind.repo;

import dev.rewind.core.SessionTime;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A parsed increment-style file name {@code <base>.<time>.<type>[.gz]}, parsed from the right
 * so that bases may contain dots (and even look like increments themselves).
 *
 * @param base the unquoted base name bytes
 */
public record IncrementName(byte[] base, SessionTime time, IncrementType type, boolean compressed) {

  /** Parses an (unquoted) on-disk name, or returns null when it is not increment-style. */
  public static IncrementName parse(byte[] name) {
    int end = name.length;
    boolean gz = endsWith(name, end, ".gz");
    if (gz) {
      end -= 3;
    }
    int typeDot = lastDot(name, end);
    if (typeDot <= 0) {
      return null;
    }
    IncrementType type = IncrementType.ofSuffix(ascii(name, typeDot + 1, end));
    if (type == null) {
      return null;
    }
    int timeDot = lastDot(name, typeDot);
    if (timeDot <= 0) {
      return null;
    }
    SessionTime time = TimeStrings.parseSession(ascii(name, timeDot + 1, typeDot));
    if (time == null) {
      return null;
    }
    return new IncrementName(Arrays.copyOf(name, timeDot), time, type, gz);
  }

  /** The on-disk (unquoted) name for a base, time and type. */
  public static byte[] format(byte[] base, SessionTime time, IncrementType type, boolean gz) {
    String suffix = "." + time.spelling() + "." + type.suffix() + (gz ? ".gz" : "");
    byte[] s = suffix.getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(base, base.length + s.length);
    System.arraycopy(s, 0, out, base.length, s.length);
    return out;
  }

  public boolean baseIs(String ascii) {
    return Arrays.equals(base, ascii.getBytes(StandardCharsets.US_ASCII));
  }

  private static boolean endsWith(byte[] a, int end, String suffix) {
    int n = suffix.length();
    if (end < n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (a[end - n + i] != suffix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static int lastDot(byte[] a, int end) {
    for (int i = end - 1; i >= 0; i--) {
      if (a[i] == '.') {
        return i;
      }
    }
    return -1;
  }

  private static String ascii(byte[] a, int from, int to) {
    return new String(a, from, to - from, StandardCharsets.ISO_8859_1);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IncrementName n && Arrays.equals(base, n.base) && time.equals(n.time)
        && type == n.type && compressed == n.compressed;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(base) * 31 + time.hashCode();
  }
}
