package dev.rewind.repo;

import dev.rewind.core.RelPath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsers for the per-session {@code extended_attributes} and {@code access_control_lists}
 * snapshots: both are {@code # file: <acl-quoted path>} sections of getfattr/getfacl-style lines.
 */
public final class SideFiles {
  private static final byte[] HEADER = "# file: ".getBytes(StandardCharsets.US_ASCII);

  private SideFiles() {}

  /** The xattrs of every path listed in an {@code extended_attributes} file. */
  public static Map<RelPath, List<Xattr>> readXattrs(InputStream in, String source) throws IOException {
    Map<RelPath, List<Xattr>> out = new HashMap<>();
    for (Map.Entry<RelPath, List<byte[]>> e : sections(in).entrySet()) {
      List<Xattr> attrs = new ArrayList<>();
      for (byte[] line : e.getValue()) {
        attrs.add(parseXattr(line, source));
      }
      out.put(e.getKey(), List.copyOf(attrs));
    }
    return out;
  }

  /** The ACL entry lines (getfacl text, names unresolved) of every path in an ACL file. */
  public static Map<RelPath, List<String>> readAcls(InputStream in) throws IOException {
    Map<RelPath, List<String>> out = new HashMap<>();
    for (Map.Entry<RelPath, List<byte[]>> e : sections(in).entrySet()) {
      List<String> lines = new ArrayList<>();
      for (byte[] line : e.getValue()) {
        lines.add(new String(line, StandardCharsets.UTF_8));
      }
      out.put(e.getKey(), List.copyOf(lines));
    }
    return out;
  }

  private static Xattr parseXattr(byte[] line, String source) throws IOException {
    int eq = indexOf(line, (byte) '=');
    if (eq < 0) {
      return new Xattr(TextEscapes.unquoteAcl(line, 0, line.length), new byte[0]);
    }
    byte[] name = TextEscapes.unquoteAcl(line, 0, eq);
    String value = new String(line, eq + 1, line.length - eq - 1, StandardCharsets.US_ASCII);
    try {
      if (value.startsWith("0s")) {
        return new Xattr(name, Base64.getDecoder().decode(value.substring(2)));
      }
      if (value.startsWith("0x")) {
        return new Xattr(name, hex(value.substring(2)));
      }
      if (value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2) {
        return new Xattr(name, value.substring(1, value.length() - 1).getBytes(StandardCharsets.ISO_8859_1));
      }
    } catch (IllegalArgumentException e) {
      // fall through to the error below
    }
    throw new dev.rewind.core.RepositoryException("corrupt extended attributes in '" + source
        + "': bad value for " + new String(name, StandardCharsets.UTF_8));
  }

  private static byte[] hex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  private static Map<RelPath, List<byte[]>> sections(InputStream in) throws IOException {
    byte[] all = in.readAllBytes();
    Map<RelPath, List<byte[]>> out = new HashMap<>();
    List<byte[]> current = null;
    int start = 0;
    for (int i = 0; i <= all.length; i++) {
      if (i < all.length && all[i] != '\n') {
        continue;
      }
      byte[] line = Arrays.copyOfRange(all, start, i);
      start = i + 1;
      if (line.length == 0) {
        continue;
      }
      if (startsWith(line, HEADER)) {
        RelPath path = RelPath.of(TextEscapes.unquoteAcl(line, HEADER.length, line.length));
        current = out.computeIfAbsent(path, k -> new ArrayList<>());
      } else if (current != null && line[0] != '#') {
        current.add(line);
      }
    }
    return out;
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static int indexOf(byte[] a, byte b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
