package dev.rewind.repo;

import java.io.ByteArrayOutputStream;

/**
 * The two escaping schemes of rdiff-backup's text files: path quoting ({@code \n} and {@code \\}
 * only) in {@code mirror_metadata} and file statistics, and ACL quoting (three-digit octal for
 * control bytes, space, 8-bit bytes, {@code \} and {@code =}) in xattr and ACL files.
 */
public final class TextEscapes {
  private TextEscapes() {}

  public static byte[] unquotePath(byte[] s, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
    for (int i = from; i < to; i++) {
      byte b = s[i];
      if (b == '\\' && i + 1 < to && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
        out.write(s[++i] == 'n' ? '\n' : '\\');
      } else {
        out.write(b);
      }
    }
    return out.toByteArray();
  }

  public static byte[] quotePath(byte[] s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length + 4);
    for (byte b : s) {
      if (b == '\n') {
        out.write('\\');
        out.write('n');
      } else if (b == '\\') {
        out.write('\\');
        out.write('\\');
      } else {
        out.write(b);
      }
    }
    return out.toByteArray();
  }

  public static byte[] unquoteAcl(byte[] s, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
    for (int i = from; i < to; i++) {
      if (s[i] == '\\' && i + 3 < to && isOctal(s, i + 1) && isOctal(s, i + 2) && isOctal(s, i + 3)) {
        out.write(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
        i += 3;
      } else {
        out.write(s[i]);
      }
    }
    return out.toByteArray();
  }

  public static byte[] quoteAcl(byte[] s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length + 8);
    for (byte b : s) {
      int v = b & 0xff;
      if (v <= 0x20 || v >= 0x7f || v == '\\' || v == '=') {
        out.write('\\');
        out.write('0' + (v >> 6));
        out.write('0' + ((v >> 3) & 7));
        out.write('0' + (v & 7));
      } else {
        out.write(v);
      }
    }
    return out.toByteArray();
  }

  private static boolean isOctal(byte[] s, int i) {
    return i < s.length && s[i] >= '0' && s[i] <= '7';
  }
}
