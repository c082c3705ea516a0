package dev.rewind.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A path inside a backed-up tree: a sequence of name components, each an arbitrary byte string
 * without {@code /} or NUL. The root is the empty path.
 *
 * <p>Stored as the components joined with {@code /}. Ordering is rdiff-backup's index order:
 * component by component, each compared as unsigned bytes. Because {@code /} can never occur
 * inside a component, that equals a byte-wise comparison of the joined form in which {@code /}
 * ranks below every other byte.
 */
public final class RelPath implements Comparable<RelPath> {
  public static final RelPath ROOT = new RelPath(new byte[0]);
  private static final byte SLASH = '/';

  private final byte[] joined;
  private int hash;

  private RelPath(byte[] joined) {
    this.joined = joined;
  }

  /** Parses a {@code /}-joined relative path; {@code "."} and the empty string are the root. */
  public static RelPath of(byte[] joinedPath) {
    if (joinedPath.length == 0 || (joinedPath.length == 1 && joinedPath[0] == '.')) {
      return ROOT;
    }
    validate(joinedPath);
    return new RelPath(joinedPath.clone());
  }

  /** Convenience for tests and ASCII paths. */
  public static RelPath of(String utf8Path) {
    return of(utf8Path.getBytes(StandardCharsets.UTF_8));
  }

  private static void validate(byte[] p) {
    if (p[0] == SLASH || p[p.length - 1] == SLASH) {
      throw new IllegalArgumentException("not a relative path: " + display(p));
    }
    for (int i = 0; i < p.length; i++) {
      if (p[i] == 0) {
        throw new IllegalArgumentException("NUL in path: " + display(p));
      }
      if (p[i] == SLASH && i > 0 && p[i - 1] == SLASH) {
        throw new IllegalArgumentException("empty component in path: " + display(p));
      }
    }
  }

  /** This path with one more component. */
  public RelPath child(byte[] name) {
    if (name.length == 0 || indexOf(name, SLASH) >= 0 || indexOf(name, (byte) 0) >= 0) {
      throw new IllegalArgumentException("bad name component: " + display(name));
    }
    if (isRoot()) {
      return new RelPath(name.clone());
    }
    byte[] out = Arrays.copyOf(joined, joined.length + 1 + name.length);
    out[joined.length] = SLASH;
    System.arraycopy(name, 0, out, joined.length + 1, name.length);
    return new RelPath(out);
  }

  public boolean isRoot() {
    return joined.length == 0;
  }

  /** The parent, or null for the root. */
  public RelPath parent() {
    if (isRoot()) {
      return null;
    }
    int slash = lastIndexOf(joined, SLASH);
    return slash < 0 ? ROOT : new RelPath(Arrays.copyOf(joined, slash));
  }

  /** The last component (empty for the root). */
  public byte[] name() {
    int slash = lastIndexOf(joined, SLASH);
    return Arrays.copyOfRange(joined, slash + 1, joined.length);
  }

  public List<byte[]> components() {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= joined.length && !isRoot(); i++) {
      if (i == joined.length || joined[i] == SLASH) {
        out.add(Arrays.copyOfRange(joined, start, i));
        start = i + 1;
      }
    }
    return out;
  }

  public int depth() {
    if (isRoot()) {
      return 0;
    }
    int n = 1;
    for (byte b : joined) {
      if (b == SLASH) {
        n++;
      }
    }
    return n;
  }

  /** True if {@code other} equals this path or lies below it. */
  public boolean contains(RelPath other) {
    if (isRoot()) {
      return true;
    }
    int n = joined.length;
    return other.joined.length >= n
        && Arrays.equals(joined, 0, n, other.joined, 0, n)
        && (other.joined.length == n || other.joined[n] == SLASH);
  }

  /** The path relative to {@code ancestor}, which must contain it. */
  public RelPath relativeTo(RelPath ancestor) {
    if (!ancestor.contains(this)) {
      throw new IllegalArgumentException(this + " is not below " + ancestor);
    }
    if (ancestor.isRoot()) {
      return this;
    }
    int n = ancestor.joined.length;
    return joined.length == n ? ROOT : new RelPath(Arrays.copyOfRange(joined, n + 1, joined.length));
  }

  /** The raw {@code /}-joined bytes (a copy); empty for the root. */
  public byte[] bytes() {
    return joined.clone();
  }

  /** The joined form as rdiff-backup writes it in text files: {@code .} for the root. */
  public byte[] indexBytes() {
    return isRoot() ? new byte[] {'.'} : joined.clone();
  }

  /** Resolves this path under an absolute directory given as bytes. */
  public byte[] under(byte[] dir) {
    if (isRoot()) {
      return dir.clone();
    }
    int n = dir.length;
    boolean slash = n > 0 && dir[n - 1] == SLASH;
    byte[] out = Arrays.copyOf(dir, n + (slash ? 0 : 1) + joined.length);
    if (!slash) {
      out[n] = SLASH;
    }
    System.arraycopy(joined, 0, out, n + (slash ? 0 : 1), joined.length);
    return out;
  }

  @Override
  public int compareTo(RelPath o) {
    byte[] a = joined;
    byte[] b = o.joined;
    int n = Math.min(a.length, b.length);
    for (int i = 0; i < n; i++) {
      if (a[i] != b[i]) {
        return rank(a[i]) - rank(b[i]);
      }
    }
    return a.length - b.length;
  }

  private static int rank(byte x) {
    return x == SLASH ? -1 : (x & 0xff);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RelPath r && Arrays.equals(joined, r.joined);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(joined);
      hash = h;
    }
    return h;
  }

  /** For display only: the path decoded as UTF-8 (invalid bytes shown as U+FFFD). */
  @Override
  public String toString() {
    return isRoot() ? "." : display(joined);
  }

  /** Decodes bytes for human display only. */
  public static String display(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static int indexOf(byte[] a, byte b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(byte[] a, byte b) {
    for (int i = a.length - 1; i >= 0; i--) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
