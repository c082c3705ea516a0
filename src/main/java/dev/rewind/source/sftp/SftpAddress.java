package dev.rewind.source.sftp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a remote tree lives: user, host, port and the absolute path of the tree's root (bytes, as
 * typed). Written either as {@code sftp://USER@HOST[:PORT]/PATH} or as rdiff-backup's {@code
 * USER@HOST::/PATH}; an IPv6 host goes in brackets ({@code sftp://u@[::1]:2222/srv}). Immutable.
 */
public final class SftpAddress {
  public static final int DEFAULT_PORT = 22;

  private static final Pattern URL = Pattern.compile("sftp://([^@/]+)@(\\[[0-9A-Fa-f:.]+\\]|[^:/\\[\\]]+)(?::([0-9]+))?(/.*)?");
  private static final Pattern RDIFF = Pattern.compile("([^@/:]+)@(\\[[0-9A-Fa-f:.]+\\]|[^:/\\[\\]]+)::(.*)");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?");

  private final String user;
  private final String host;
  private final int port;
  private final byte[] path;

  private SftpAddress(String user, String host, int port, byte[] path) {
    this.user = user;
    this.host = host;
    this.port = port;
    this.path = path;
  }

  /** An address from its parts; throws {@link IllegalArgumentException} naming what is wrong. */
  public static SftpAddress of(String user, String host, int port, byte[] path) {
    if (user == null || !USER.matcher(user).matches()) {
      throw new IllegalArgumentException("bad user name '" + user + "'");
    }
    if (host == null || !HOST.matcher(host).matches()) {
      throw new IllegalArgumentException("bad host name '" + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("bad port " + port + " for host '" + host + "' (1-65535)");
    }
    if (path.length == 0 || path[0] != '/') {
      throw new IllegalArgumentException("remote path must be absolute: '" + new String(path, StandardCharsets.UTF_8) + "'");
    }
    for (byte b : path) {
      if (b == 0) {
        throw new IllegalArgumentException("NUL byte in remote path");
      }
    }
    return new SftpAddress(user, host, port, trimTrailingSlashes(path));
  }

  /** True if {@code text} looks like one of the two remote forms (and not a local path). */
  public static boolean looksRemote(String text) {
    return text.startsWith("sftp://") || RDIFF.matcher(text).matches();
  }

  /** Parses {@code sftp://USER@HOST[:PORT]/PATH} or {@code USER@HOST::/PATH}. */
  public static SftpAddress parse(String text) {
    Matcher m = URL.matcher(text);
    if (m.matches()) {
      int port = m.group(3) == null ? DEFAULT_PORT : parsePort(m.group(3), text);
      String path = m.group(4) == null ? "/" : m.group(4);
      return of(m.group(1), unbracket(m.group(2)), port, path.getBytes(StandardCharsets.UTF_8));
    }
    m = RDIFF.matcher(text);
    if (m.matches()) {
      if (!m.group(3).startsWith("/")) {
        throw new IllegalArgumentException("remote path in '" + text + "' must be absolute (USER@HOST::/PATH)");
      }
      return of(m.group(1), unbracket(m.group(2)), DEFAULT_PORT, m.group(3).getBytes(StandardCharsets.UTF_8));
    }
    throw new IllegalArgumentException("'" + text + "' is not a remote address; expected sftp://USER@HOST[:PORT]/PATH or USER@HOST::/PATH");
  }

  private static int parsePort(String digits, String text) {
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + text + "'");
    }
  }

  private static String unbracket(String host) {
    return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
  }

  private static byte[] trimTrailingSlashes(byte[] p) {
    int end = p.length;
    while (end > 1 && p[end - 1] == '/') {
      end--;
    }
    return Arrays.copyOf(p, end);
  }

  public String user() {
    return user;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The tree's root on the remote host, absolute, without trailing slash (except {@code /}). */
  public byte[] path() {
    return path.clone();
  }

  /** The same address with another root path. */
  public SftpAddress withPath(byte[] newPath) {
    return of(user, host, port, newPath);
  }

  /** {@code sftp://user@host[:port]/path}, for messages. */
  @Override
  public String toString() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "sftp://" + user + "@" + h + (port == DEFAULT_PORT ? "" : ":" + port) + new String(path, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SftpAddress a && user.equals(a.user) && host.equals(a.host) && port == a.port
        && Arrays.equals(path, a.path);
  }

  @Override
  public int hashCode() {
    return Objects.hash(user, host, port, Arrays.hashCode(path));
  }
}
