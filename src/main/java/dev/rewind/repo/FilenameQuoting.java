package dev.rewind.repo;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * rdiff-backup's on-disk name quoting for restrictive destinations ({@code chars_to_quote}): each
 * byte of the configured class, and {@code ;} itself, becomes {@code ;} plus three decimal
 * digits. An empty class means names are stored as they are.
 */
public final class FilenameQuoting {
  public static final FilenameQuoting NONE = new FilenameQuoting(new boolean[256], new byte[0]);

  private final boolean[] quoted;
  private final byte[] spec;

  private FilenameQuoting(boolean[] quoted, byte[] spec) {
    this.quoted = quoted;
    this.spec = spec;
  }

  /** Builds the quoting from the raw content of {@code chars_to_quote} (a regex class body). */
  public static FilenameQuoting fromClass(byte[] classBody) {
    if (classBody.length == 0) {
      return NONE;
    }
    boolean[] q = new boolean[256];
    int i = 0;
    while (i < classBody.length) {
      int lo = classBody[i] & 0xff;
      if (lo == '\\' && i + 1 < classBody.length) {
        lo = classBody[++i] & 0xff;
      }
      i++;
      if (i + 1 < classBody.length && classBody[i] == '-') {
        int hi = classBody[i + 1] & 0xff;
        i += 2;
        if (hi == '\\' && i < classBody.length) {
          hi = classBody[i++] & 0xff;
        }
        for (int b = lo; b <= hi; b++) {
          q[b] = true;
        }
      } else {
        q[lo] = true;
      }
    }
    q[';'] = true;
    return new FilenameQuoting(q, classBody.clone());
  }

  public boolean isActive() {
    return spec.length > 0;
  }

  /** True when rdiff-backup must write compatible ({@code -}) timestamps. */
  public boolean forcesCompatibleTimestamps() {
    return quoted[':'];
  }

  public byte[] spec() {
    return spec.clone();
  }

  /** The on-disk form of one name component. */
  public byte[] quote(byte[] name) {
    if (!isActive()) {
      return name;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(name.length + 8);
    for (byte b : name) {
      int v = b & 0xff;
      if (quoted[v]) {
        out.write(';');
        out.write('0' + v / 100);
        out.write('0' + v / 10 % 10);
        out.write('0' + v % 10);
      } else {
        out.write(v);
      }
    }
    return out.toByteArray();
  }

  /** The original name of an on-disk component. */
  public byte[] unquote(byte[] name) {
    if (!isActive()) {
      return name;
    }
    byte[] out = new byte[name.length];
    int n = 0;
    for (int i = 0; i < name.length; i++) {
      if (name[i] == ';' && i + 3 < name.length && isDigit(name[i + 1]) && isDigit(name[i + 2])
          && isDigit(name[i + 3])) {
        out[n++] = (byte) ((name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0'));
        i += 3;
      } else {
        out[n++] = name[i];
      }
    }
    return Arrays.copyOf(out, n);
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }
}
