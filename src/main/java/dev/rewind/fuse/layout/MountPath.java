package dev.rewind.fuse.layout;

import dev.rewind.core.RelPath;
import java.util.Arrays;
import java.util.Objects;

/**
 * A path inside the mount split into its three levels: {@code /<host>/<session>/<inside>}. The
 * host and session names are raw bytes; {@code inside} is the path below the session's root.
 *
 * <p>{@link #ROOT} is the mount itself; a path with only a host is a host directory; a path with
 * a session and {@code inside == RelPath.ROOT} is the root of that session's tree. Immutable.
 */
public final class MountPath {
  /** The mount's root directory. */
  public static final MountPath ROOT = new MountPath(null, null, null);

  private final byte[] host;
  private final byte[] session;
  private final RelPath inside;

  private MountPath(byte[] host, byte[] session, RelPath inside) {
    this.host = host;
    this.session = session;
    this.inside = inside;
  }

  /** What a mount path names. */
  public enum Level {
    ROOT,
    HOST,
    SESSION,
    ENTRY
  }

  /**
   * Parses an absolute path as FUSE passes it ({@code /}, {@code /web1}, {@code
   * /web1/2026-11-20/etc/hosts}).
   *
   * @throws IllegalArgumentException if the path is not absolute or has an empty or NUL component
   */
  public static MountPath parse(byte[] absolute) {
    if (absolute.length == 0 || absolute[0] != '/') {
      throw new IllegalArgumentException("not an absolute mount path: " + RelPath.display(absolute));
    }
    if (absolute.length == 1) {
      return ROOT;
    }
    int hostEnd = indexOf(absolute, 1);
    byte[] host = Arrays.copyOfRange(absolute, 1, hostEnd);
    checkName(host, absolute);
    if (hostEnd == absolute.length) {
      return new MountPath(host, null, null);
    }
    int sessionEnd = indexOf(absolute, hostEnd + 1);
    byte[] session = Arrays.copyOfRange(absolute, hostEnd + 1, sessionEnd);
    checkName(session, absolute);
    if (sessionEnd == absolute.length) {
      return new MountPath(host, session, RelPath.ROOT);
    }
    byte[] rest = Arrays.copyOfRange(absolute, sessionEnd + 1, absolute.length);
    return new MountPath(host, session, RelPath.of(rest));
  }

  /** The path of an entry inside a session. */
  public static MountPath of(byte[] host, byte[] session, RelPath inside) {
    checkName(host, host);
    checkName(session, session);
    return new MountPath(host.clone(), session.clone(), Objects.requireNonNull(inside));
  }

  /** The path of a host directory. */
  public static MountPath host(byte[] host) {
    checkName(host, host);
    return new MountPath(host.clone(), null, null);
  }

  public Level level() {
    if (host == null) {
      return Level.ROOT;
    }
    if (session == null) {
      return Level.HOST;
    }
    return inside.isRoot() ? Level.SESSION : Level.ENTRY;
  }

  /** The host name (a copy), or null for the root. */
  public byte[] host() {
    return host == null ? null : host.clone();
  }

  /** The session name as listed in the host directory (a copy), or null above that level. */
  public byte[] session() {
    return session == null ? null : session.clone();
  }

  /** The path inside the session ({@link RelPath#ROOT} for the session's root), or null above. */
  public RelPath inside() {
    return inside;
  }

  /** The absolute path bytes, as FUSE would pass them. */
  public byte[] format() {
    if (host == null) {
      return new byte[] {'/'};
    }
    byte[] out = join(new byte[0], host);
    if (session != null) {
      out = join(out, session);
      if (!inside.isRoot()) {
        out = join(out, inside.bytes());
      }
    }
    return out;
  }

  private static byte[] join(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + 1 + b.length);
    out[a.length] = '/';
    System.arraycopy(b, 0, out, a.length + 1, b.length);
    return out;
  }

  private static int indexOf(byte[] a, int from) {
    for (int i = from; i < a.length; i++) {
      if (a[i] == '/') {
        return i;
      }
    }
    return a.length;
  }

  private static void checkName(byte[] name, byte[] context) {
    if (name.length == 0) {
      throw new IllegalArgumentException("empty component in mount path: " + RelPath.display(context));
    }
    for (byte b : name) {
      if (b == 0 || b == '/') {
        throw new IllegalArgumentException("bad name in mount path: " + RelPath.display(context));
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MountPath m && Arrays.equals(host, m.host) && Arrays.equals(session, m.session)
        && Objects.equals(inside, m.inside);
  }

  @Override
  public int hashCode() {
    return (Arrays.hashCode(host) * 31 + Arrays.hashCode(session)) * 31 + Objects.hashCode(inside);
  }

  /** For display only: the path decoded as UTF-8. */
  @Override
  public String toString() {
    return RelPath.display(format());
  }
}
