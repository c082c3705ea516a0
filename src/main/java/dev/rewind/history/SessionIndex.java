package dev.rewind.history;

import dev.rewind.core.DeviceNumber;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.SessionTime;
import dev.rewind.repo.Xattr;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The tree of one session, indexed once for random access by a file system view. Entries are
 * numbered {@code 0 .. size()-1} in index order ({@code 0} is the root); each directory knows its
 * children, sorted by name, so a lookup is a binary search; attributes live in compact columns.
 *
 * <p>Memory: about 70 bytes per entry plus its name (and symlink target), plus a few dozen bytes
 * per hard-linked entry and per entry with xattrs or an ACL; {@link #bytes()} is the estimate the
 * caches weigh it by. Building streams the metadata once and needs no more than the result.
 *
 * <p>Owners are kept as recorded (id and name); mapping them to local ids is the caller's
 * policy. Immutable and thread-safe once built.
 */
public final class SessionIndex {
  /** The type bits of {@link #mode}, as in {@code st_mode}. */
  public static final int S_IFMT = 0170000;

  static final int S_IFSOCK = 0140000;
  static final int S_IFLNK = 0120000;
  static final int S_IFREG = 0100000;
  static final int S_IFBLK = 0060000;
  static final int S_IFDIR = 0040000;
  static final int S_IFCHR = 0020000;
  static final int S_IFIFO = 0010000;
  static final int HAS_MTIME = 1 << 16;
  static final int HAS_SHA1 = 1 << 17;
  static final int SHA1_BYTES = 20;
  /** Rough cost of one entry of a sparse map (boxed key, value, node). */
  private static final int SPARSE_ENTRY = 80;

  private final SessionTime session;
  private final int size;
  private final Columns.Ints parent;
  private final Columns.Ints strings;
  private final Columns.Chars nameLength;
  private final Columns.Ints mode;
  private final Columns.Ints owner;
  private final Columns.Ints group;
  private final Columns.Longs mtime;
  private final Columns.Longs sizes;
  private final Columns.Fixed sha1;
  private final Columns.Arena arena;
  private final int[] childStart;
  private final int[] children;
  private final long[] ownerIds;
  private final String[] ownerNames;
  private final long[] groupIds;
  private final String[] groupNames;
  private final Map<Integer, Integer> leaders;
  private final Map<Integer, Long> linkCounts;
  private final Map<Integer, Integer[]> alternates;
  private final Map<Integer, List<Xattr>> xattrs;
  private final Map<Integer, List<String>> acls;
  private final long skipped;
  private final long bytes;

  SessionIndex(SessionIndexBuilder b, Map<RelPath, List<Xattr>> xattrsByPath, Map<RelPath, List<String>> aclsByPath) {
    session = b.session;
    size = b.size;
    parent = b.parent;
    strings = b.strings;
    nameLength = b.nameLength;
    mode = b.mode;
    owner = b.owner;
    group = b.group;
    mtime = b.mtime;
    sizes = b.sizes;
    sha1 = b.sha1;
    arena = b.arena;
    ownerIds = b.owners.ids();
    ownerNames = b.owners.names();
    groupIds = b.groups.ids();
    groupNames = b.groups.names();
    leaders = b.leaders;
    linkCounts = b.linkCounts;
    alternates = b.alternates;
    skipped = b.skipped;
    childStart = new int[size + 1];
    children = new int[Math.max(0, size - 1)];
    linkChildren();
    xattrs = byOrdinal(xattrsByPath);
    acls = byOrdinal(aclsByPath);
    bytes = computeBytes();
  }

  /**
   * Streams the metadata of {@code session} once and indexes it, with its xattrs and ACLs. The
   * metadata is read on a second thread ({@link EntriesAhead}) while this one indexes: the first
   * look into a session waits for this, and the two halves take about as long each.
   */
  public static SessionIndex build(History history, SessionTime session) throws IOException {
    SessionIndexBuilder b = new SessionIndexBuilder(session);
    try (EntriesAhead entries = EntriesAhead.start(history.entries(session), "rewind-index-reader")) {
      for (List<FileMeta> batch = entries.next(); batch != null; batch = entries.next()) {
        for (FileMeta m : batch) {
          b.add(m);
        }
      }
    }
    return b.finish(history.xattrs(session), history.acls(session));
  }

  /** Indexes entries given in index order (for tests and other sources of metadata). */
  static SessionIndex of(SessionTime session, List<FileMeta> entries, Map<RelPath, List<Xattr>> xattrs,
      Map<RelPath, List<String>> acls) throws IOException {
    SessionIndexBuilder b = new SessionIndexBuilder(session);
    for (FileMeta m : entries) {
      b.add(m);
    }
    return b.finish(xattrs, acls);
  }

  private void linkChildren() {
    for (int e = 1; e < size; e++) {
      childStart[parent.get(e) + 1]++;
    }
    for (int i = 0; i < size; i++) {
      childStart[i + 1] += childStart[i];
    }
    int[] next = Arrays.copyOf(childStart, size);
    for (int e = 1; e < size; e++) {
      children[next[parent.get(e)]++] = e; // ascending ordinals: already sorted by name
    }
  }

  private <T> Map<Integer, T> byOrdinal(Map<RelPath, T> byPath) {
    Map<Integer, T> out = new HashMap<>();
    for (Map.Entry<RelPath, T> e : byPath.entrySet()) {
      int entry = resolve(e.getKey());
      if (entry >= 0) {
        out.put(entry, e.getValue());
      }
    }
    return out;
  }

  // ---- navigation ------------------------------------------------------------------------

  public SessionTime session() {
    return session;
  }

  /** Number of entries, the root included. */
  public int size() {
    return size;
  }

  /** Entries of the metadata that were left out because their parent is not a directory. */
  public long skipped() {
    return skipped;
  }

  /** The child of directory {@code dir} called {@code name}, or -1. */
  public int lookup(int dir, byte[] name) {
    int lo = childStart[dir];
    int hi = childStart[dir + 1] - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int e = children[mid];
      int address = strings.get(e);
      int off = Columns.Arena.offset(address);
      int c = Arrays.compareUnsigned(arena.block(address), off, off + nameLength.get(e), name, 0, name.length);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return e;
      }
    }
    return -1;
  }

  /** The entry at {@code path}, or -1 when the session has none there. */
  public int resolve(RelPath path) {
    int e = 0;
    for (byte[] name : path.components()) {
      if (e < 0 || type(e) != FileType.DIRECTORY) {
        return -1;
      }
      e = lookup(e, name);
    }
    return e;
  }

  public int childCount(int dir) {
    return childStart[dir + 1] - childStart[dir];
  }

  /** The {@code i}-th child of {@code dir}, in name order. */
  public int child(int dir, int i) {
    return children[childStart[dir] + i];
  }

  /** The parent of an entry, or -1 for the root. */
  public int parent(int e) {
    return parent.get(e);
  }

  /** The entry's own name (empty for the root). */
  public byte[] name(int e) {
    return arena.copy(strings.get(e), 0, nameLength.get(e));
  }

  /** The entry's path inside the session. */
  public RelPath path(int e) {
    List<byte[]> names = new ArrayList<>();
    for (int x = e; x > 0; x = parent.get(x)) {
      names.add(name(x));
    }
    RelPath p = RelPath.ROOT;
    for (int i = names.size() - 1; i >= 0; i--) {
      p = p.child(names.get(i));
    }
    return p;
  }

  // ---- attributes ------------------------------------------------------------------------

  public FileType type(int e) {
    return switch (mode.get(e) & S_IFMT) {
      case S_IFREG -> FileType.REGULAR;
      case S_IFDIR -> FileType.DIRECTORY;
      case S_IFLNK -> FileType.SYMLINK;
      case S_IFCHR, S_IFBLK -> FileType.DEVICE;
      case S_IFIFO -> FileType.FIFO;
      default -> FileType.SOCKET;
    };
  }

  /** {@code st_mode}: type bits and the recorded permission bits (setuid, setgid, sticky included). */
  public int mode(int e) {
    return mode.get(e) & 0177777;
  }

  public int permissions(int e) {
    return mode.get(e) & 07777;
  }

  /** The recorded mtime in epoch seconds, or null (symlinks and devices have none). */
  public Long mtime(int e) {
    return (mode.get(e) & HAS_MTIME) != 0 ? mtime.get(e) : null;
  }

  /** Content size of a regular file, target length of a symlink, 0 for everything else. */
  public long size(int e) {
    int m = mode.get(e) & S_IFMT;
    return m == S_IFREG || m == S_IFLNK ? sizes.get(e) : 0;
  }

  /** Number of subdirectories of a directory (0 for other entries). */
  public long subdirectories(int e) {
    return (mode.get(e) & S_IFMT) == S_IFDIR ? sizes.get(e) : 0;
  }

  public long uid(int e) {
    return ownerIds[owner.get(e)];
  }

  /** The recorded user name, or null when the source had none. */
  public String uname(int e) {
    return ownerNames[owner.get(e)];
  }

  public long gid(int e) {
    return groupIds[group.get(e)];
  }

  public String gname(int e) {
    return groupNames[group.get(e)];
  }

  /** A symlink's target bytes, or null. */
  public byte[] symlinkTarget(int e) {
    if ((mode.get(e) & S_IFMT) != S_IFLNK) {
      return null;
    }
    return arena.copy(strings.get(e), nameLength.get(e), (int) sizes.get(e));
  }

  /** A device's numbers, or null. */
  public DeviceNumber device(int e) {
    int m = mode.get(e) & S_IFMT;
    if (m != S_IFCHR && m != S_IFBLK) {
      return null;
    }
    long v = sizes.get(e);
    return new DeviceNumber(m == S_IFBLK, v >>> 32, v & 0xffffffffL);
  }

  /** The recorded SHA-1 in lower-case hex, or null. */
  public String sha1(int e) {
    return (mode.get(e) & HAS_SHA1) != 0 ? HexFormat.of().formatHex(sha1.get(e)) : null;
  }

  /**
   * The first entry (in index order) of the hard-link group of {@code e}; {@code e} itself when
   * it is not hard-linked or is the first.
   */
  public int hardLinkLeader(int e) {
    Integer l = leaders.get(e);
    return l == null ? e : l;
  }

  /** The recorded {@code NumHardLinks} of a hard-linked file, else 1. */
  public long linkCount(int e) {
    Long n = linkCounts.get(e);
    return n == null ? 1 : n;
  }

  /** The recorded xattrs of an entry (empty when none). */
  public List<Xattr> xattrs(int e) {
    return xattrs.getOrDefault(e, List.of());
  }

  /** The recorded ACL (getfacl lines, as rdiff-backup stores them), or null when it has none. */
  public List<String> acl(int e) {
    return acls.get(e);
  }

  /**
   * The entry as a {@link FileMeta}, as the content reconstruction needs it. The source's inode
   * and device numbers are not kept ({@code 0}); hard-link groups are known through {@link
   * #hardLinkLeader}.
   */
  public FileMeta meta(int e) {
    FileType type = type(e);
    Integer[] alt = alternates.get(e);
    long links = linkCount(e);
    return new FileMeta(path(e), type, type == FileType.REGULAR ? sizes.get(e) : 0, mtime(e), uid(e), gid(e),
        uname(e), gname(e), permissions(e), symlinkTarget(e), device(e), sha1(e), links > 1 ? links : 0,
        0, 0, alt == null ? null : alt[0], alt == null ? null : alt[1]);
  }

  /** Estimated bytes of memory this index holds (computed once: the caches ask on every lookup). */
  public long bytes() {
    return bytes;
  }

  private long computeBytes() {
    long sparse = (long) (leaders.size() + linkCounts.size() + alternates.size()) * SPARSE_ENTRY;
    for (List<Xattr> list : xattrs.values()) {
      sparse += SPARSE_ENTRY;
      for (Xattr x : list) {
        sparse += 48 + x.name().length + x.value().length;
      }
    }
    for (List<String> list : acls.values()) {
      sparse += SPARSE_ENTRY + 64L * list.size();
    }
    return parent.bytes() + strings.bytes() + nameLength.bytes() + mode.bytes() + owner.bytes()
        + group.bytes() + mtime.bytes() + sizes.bytes() + sha1.bytes() + arena.bytes()
        + 4L * (childStart.length + children.length) + 16L * (ownerIds.length + groupIds.length)
        + sparse + 1024;
  }

  @Override
  public String toString() {
    return "SessionIndex[" + session + ", " + size + " entries, " + bytes() / 1024 + " KiB]";
  }
}
