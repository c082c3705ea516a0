package dev.rewind.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.rewind.core.FileType;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable record of a directory tree as rdiff-backup preserves it, captured recursively with
 * byte-exact names through {@link Posix}: for each relative path its type, permission bits,
 * owner, mtime (whole seconds), size and SHA-1 of regular files, symlink target, device numbers,
 * {@code user.*} xattrs, POSIX ACL xattrs and hard-link group. Compare two with {@link
 * #assertSameTree}.
 *
 * <p>Not recorded, because rdiff-backup does not keep them: atime, ctime, sub-second mtimes, the
 * mode and mtime of symlinks, the mtime of device nodes, sizes of non-regular files, link counts.
 */
public final class TreeSnapshot {
  private static final String ACL_ACCESS = "system.posix_acl_access";
  private static final String ACL_DEFAULT = "system.posix_acl_default";
  private static final int MAX_REPORTED = 60;

  /** What is recorded of one entry; {@code null} fields are not applicable to its type. */
  public record Entry(
      FileType type,
      Integer permissions,
      long uid,
      long gid,
      Long mtime,
      Long size,
      String sha1,
      byte[] symlinkTarget,
      String device,
      SortedMap<String, byte[]> xattrs,
      byte[] aclAccess,
      byte[] aclDefault,
      String inodeKey) {

    /** The fields as display strings in a fixed order (inode identity excluded). */
    Map<String, String> fields() {
      Map<String, String> f = new LinkedHashMap<>();
      f.put("type", type.keyword());
      f.put("permissions", permissions == null ? null : "0" + Integer.toOctalString(permissions));
      f.put("uid", Long.toString(uid));
      f.put("gid", Long.toString(gid));
      f.put("mtime", mtime == null ? null : mtime.toString());
      f.put("size", size == null ? null : size.toString());
      f.put("sha1", sha1);
      f.put("symlink", symlinkTarget == null ? null : escape(symlinkTarget));
      f.put("device", device);
      for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
        f.put("xattr " + x.getKey(), escape(x.getValue()));
      }
      f.put("acl_access", aclAccess == null ? null : HexFormat.of().formatHex(aclAccess));
      f.put("acl_default", aclDefault == null ? null : HexFormat.of().formatHex(aclDefault));
      f.values().removeIf(Objects::isNull);
      return f;
    }

    Entry withoutMtime() {
      return new Entry(type, permissions, uid, gid, null, size, sha1, symlinkTarget, device, xattrs,
          aclAccess, aclDefault, inodeKey);
    }
  }

  /** Entries keyed by relative path (raw bytes; the root is the empty path). */
  private final SortedMap<Key, Entry> entries;

  private TreeSnapshot(SortedMap<Key, Entry> entries) {
    this.entries = Collections.unmodifiableSortedMap(entries);
  }

  /** Captures the tree at {@code root} (a directory, or a single entry of any type). */
  public static TreeSnapshot capture(byte[] root) {
    SortedMap<Key, Entry> out = new TreeMap<>();
    try {
      walk(root, new byte[0], out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TreeSnapshot(out);
  }

  public static TreeSnapshot capture(Path root) {
    return capture(Posix.bytes(root));
  }

  private static void walk(byte[] abs, byte[] rel, SortedMap<Key, Entry> out) throws IOException {
    Stat st = Posix.lstat(abs);
    out.put(new Key(rel), entry(abs, st));
    if (st.type() == FileType.DIRECTORY) {
      for (byte[] name : Posix.list(abs)) {
        walk(TreeBuilder.path(abs, name), rel.length == 0 ? name : TreeBuilder.path(rel, name), out);
      }
    }
  }

  private static Entry entry(byte[] abs, Stat st) throws IOException {
    FileType type = st.type();
    boolean symlink = type == FileType.SYMLINK;
    Long mtime = symlink || type == FileType.DEVICE ? null : st.mtimeSeconds();
    Long size = null;
    String sha1 = null;
    String inode = null;
    if (type == FileType.REGULAR) {
      size = st.size();
      sha1 = sha1(abs);
      if (st.nlink() > 1) {
        inode = st.dev() + ":" + st.inode();
      }
    }
    String device = type == FileType.DEVICE
        ? (st.isBlockDevice() ? "b " : "c ") + st.rdevMajor() + " " + st.rdevMinor() : null;
    SortedMap<String, byte[]> xattrs = new TreeMap<>();
    byte[] aclAccess = null;
    byte[] aclDefault = null;
    if (!symlink) {
      for (byte[] name : Posix.listXattrs(abs)) {
        String n = new String(name, StandardCharsets.ISO_8859_1);
        if (n.startsWith("user.")) {
          xattrs.put(escape(name), valueOrEmpty(Posix.getXattr(abs, name)));
        }
      }
      aclAccess = Posix.getXattr(abs, ACL_ACCESS.getBytes(StandardCharsets.US_ASCII));
      aclDefault = Posix.getXattr(abs, ACL_DEFAULT.getBytes(StandardCharsets.US_ASCII));
    }
    return new Entry(type, symlink ? null : st.permissions(), st.uid(), st.gid(), mtime, size, sha1,
        symlink ? Posix.readlink(abs) : null, device, Collections.unmodifiableSortedMap(xattrs),
        aclAccess, aclDefault, inode);
  }

  private static byte[] valueOrEmpty(byte[] v) {
    return v == null ? new byte[0] : v;
  }

  private static String sha1(byte[] abs) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    try (FileChannel ch = Posix.openRead(abs)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      while (ch.read(buf) >= 0) {
        buf.flip();
        md.update(buf);
        buf.clear();
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  // ---- views ----------------------------------------------------------------------------

  /** Number of entries, the root included. */
  public int size() {
    return entries.size();
  }

  /** The entry at a relative path, or null. */
  public Entry get(byte[] rel) {
    return entries.get(new Key(rel));
  }

  public Entry get(String rel) {
    return get(rel.getBytes(StandardCharsets.UTF_8));
  }

  /** The relative paths, in index order (component-wise unsigned bytes). */
  public List<byte[]> paths() {
    List<byte[]> out = new ArrayList<>();
    for (Key k : entries.keySet()) {
      out.add(k.bytes.clone());
    }
    return out;
  }

  /** This snapshot without the entry {@code rel} and everything below it. */
  public TreeSnapshot without(byte[] rel) {
    SortedMap<Key, Entry> out = new TreeMap<>();
    Key cut = new Key(rel);
    for (Map.Entry<Key, Entry> e : entries.entrySet()) {
      if (!cut.contains(e.getKey())) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return new TreeSnapshot(out);
  }

  /** This snapshot without a root-level entry such as {@code rdiff-backup-data}. */
  public TreeSnapshot without(String rootEntryName) {
    return without(rootEntryName.getBytes(StandardCharsets.UTF_8));
  }

  /** The part of this snapshot below {@code rel}, re-rooted there (as a restore of that path). */
  public TreeSnapshot subtree(byte[] rel) {
    SortedMap<Key, Entry> out = new TreeMap<>();
    Key top = new Key(rel);
    for (Map.Entry<Key, Entry> e : entries.entrySet()) {
      if (top.contains(e.getKey())) {
        byte[] p = e.getKey().bytes;
        byte[] sub = p.length == rel.length ? new byte[0] : Arrays.copyOfRange(p, rel.length + 1, p.length);
        out.put(new Key(rel.length == 0 ? p : sub), e.getValue());
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no entry " + escape(rel) + " in the snapshot");
    }
    return new TreeSnapshot(out);
  }

  public TreeSnapshot subtree(String rel) {
    return subtree(rel.getBytes(StandardCharsets.UTF_8));
  }

  /** This snapshot with directory mtimes dropped (for comparisons that cannot keep them). */
  public TreeSnapshot withoutDirectoryMtimes() {
    SortedMap<Key, Entry> out = new TreeMap<>();
    for (Map.Entry<Key, Entry> e : entries.entrySet()) {
      Entry v = e.getValue();
      out.put(e.getKey(), v.type() == FileType.DIRECTORY ? v.withoutMtime() : v);
    }
    return new TreeSnapshot(out);
  }

  /** This snapshot with one entry's record replaced (for stating an expected deviation). */
  public TreeSnapshot with(byte[] rel, Entry entry) {
    SortedMap<Key, Entry> out = new TreeMap<>(entries);
    out.put(new Key(rel), entry);
    return new TreeSnapshot(out);
  }

  /**
   * Hard-link groups as a canonical map: each path that shares its inode with another path of
   * this tree maps to the smallest path of its group (in index order).
   */
  public Map<String, String> hardLinkGroups() {
    Map<String, Key> first = new HashMap<>();
    Map<String, Integer> count = new HashMap<>();
    for (Map.Entry<Key, Entry> e : entries.entrySet()) {
      String inode = e.getValue().inodeKey();
      if (inode != null) {
        first.putIfAbsent(inode, e.getKey()); // iteration is in index order
        count.merge(inode, 1, Integer::sum);
      }
    }
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<Key, Entry> e : entries.entrySet()) {
      String inode = e.getValue().inodeKey();
      if (inode != null && count.get(inode) > 1) {
        out.put(e.getKey().display(), first.get(inode).display());
      }
    }
    return out;
  }

  // ---- comparison -----------------------------------------------------------------------

  /** The differences between two snapshots, one line each, expected first ("-" / "+"). */
  public static List<String> differences(TreeSnapshot expected, TreeSnapshot actual) {
    List<String> out = new ArrayList<>();
    TreeMap<Key, Boolean> all = new TreeMap<>();
    expected.entries.keySet().forEach(k -> all.put(k, true));
    actual.entries.keySet().forEach(k -> all.put(k, true));
    Map<String, String> linksE = expected.hardLinkGroups();
    Map<String, String> linksA = actual.hardLinkGroups();
    for (Key k : all.keySet()) {
      Entry e = expected.entries.get(k);
      Entry a = actual.entries.get(k);
      String name = k.display();
      if (a == null) {
        out.add("missing: " + name + " (" + e.type().keyword() + ")");
      } else if (e == null) {
        out.add("unexpected: " + name + " (" + a.type().keyword() + ")");
      } else {
        compareFields(name, e.fields(), a.fields(), out);
        String le = linksE.get(name);
        String la = linksA.get(name);
        if (!Objects.equals(le, la)) {
          out.add(name + ": hard link group: expected " + (le == null ? "none" : "with " + le)
              + ", actual " + (la == null ? "none" : "with " + la));
        }
      }
    }
    return out;
  }

  private static void compareFields(String name, Map<String, String> e, Map<String, String> a, List<String> out) {
    TreeMap<String, Boolean> keys = new TreeMap<>();
    e.keySet().forEach(k -> keys.put(k, true));
    a.keySet().forEach(k -> keys.put(k, true));
    for (String f : keys.keySet()) {
      String ve = e.get(f);
      String va = a.get(f);
      if (!Objects.equals(ve, va)) {
        out.add(name + ": " + f + ": expected " + abbreviate(ve) + ", actual " + abbreviate(va));
      }
    }
  }

  private static String abbreviate(String v) {
    if (v == null) {
      return "(none)";
    }
    return v.length() > 120 ? v.substring(0, 117) + "..." : v;
  }

  /**
   * Fails unless both snapshots record the same entries with the same attributes; the message
   * lists the first differences, one per line, names escaped.
   */
  public static void assertSameTree(TreeSnapshot expected, TreeSnapshot actual, String context) {
    List<String> diffs = differences(expected, actual);
    if (diffs.isEmpty()) {
      return;
    }
    StringBuilder msg = new StringBuilder(context).append(": trees differ in ")
        .append(diffs.size()).append(" place(s):");
    for (String d : diffs.subList(0, Math.min(MAX_REPORTED, diffs.size()))) {
      msg.append("\n  ").append(d);
    }
    if (diffs.size() > MAX_REPORTED) {
      msg.append("\n  ... and ").append(diffs.size() - MAX_REPORTED).append(" more");
    }
    fail(msg.toString());
  }

  /** A readable listing of the whole snapshot (for debugging). */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<Key, Entry> e : entries.entrySet()) {
      s.append(e.getKey().display()).append(' ').append(e.getValue().fields()).append('\n');
    }
    return s.toString();
  }

  /**
   * Bytes for display: printable ASCII as is, backslash doubled, everything else {@code \xNN}.
   * Injective, so escaped names can serve as keys.
   */
  public static String escape(byte[] bytes) {
    StringBuilder s = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c == '\\') {
        s.append("\\\\");
      } else if (c >= 0x20 && c < 0x7f) {
        s.append((char) c);
      } else {
        s.append(String.format("\\x%02x", c));
      }
    }
    return s.toString();
  }

  /** A relative path in index order: component by component, unsigned bytes. */
  private static final class Key implements Comparable<Key> {
    final byte[] bytes;

    Key(byte[] bytes) {
      this.bytes = bytes.clone();
    }

    boolean contains(Key other) {
      int n = bytes.length;
      if (n == 0) {
        return true;
      }
      return other.bytes.length >= n && Arrays.equals(bytes, 0, n, other.bytes, 0, n)
          && (other.bytes.length == n || other.bytes[n] == '/');
    }

    String display() {
      return bytes.length == 0 ? "." : escape(bytes);
    }

    @Override
    public int compareTo(Key o) {
      int n = Math.min(bytes.length, o.bytes.length);
      for (int i = 0; i < n; i++) {
        if (bytes[i] != o.bytes[i]) {
          return rank(bytes[i]) - rank(o.bytes[i]);
        }
      }
      return bytes.length - o.bytes.length;
    }

    private static int rank(byte b) {
      return b == '/' ? -1 : b & 0xff;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }
}
