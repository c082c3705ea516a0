package dev.rewind.fuse;

import dev.rewind.core.DeviceNumber;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.fuse.layout.MountPath;
import dev.rewind.fuse.layout.SessionNames;
import dev.rewind.history.IndexCache;
import dev.rewind.history.SessionIndex;
import dev.rewind.history.Version;
import dev.rewind.history.VersionCache;
import dev.rewind.repo.Xattr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * The mount's file system as plain Java, without FUSE types: resolves mount paths to nodes with
 * their attributes, lists directories, reads links and xattrs, opens versions. Expected
 * failures are {@code java.nio.file} exceptions ({@link NoSuchFileException}, {@link
 * NotDirectoryException}); a version that cannot be rebuilt is a {@link VersionUnavailable}
 * naming host, session and path. Thread-safe.
 */
final class HistoryTree {
  private static final byte[] ACL_ACCESS = "system.posix_acl_access".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ACL_DEFAULT = "system.posix_acl_default".getBytes(StandardCharsets.US_ASCII);
  private static final int DIR_MODE = Attributes.S_IFDIR | 0555;

  private final Hosts hosts;
  private final IndexCache indexes;
  private final VersionCache versions;
  private final IdMapping ids;
  private final Duration timeout;
  private final InodeNumbers inodes = new InodeNumbers();
  private final long mountedAt;
  private final LongSupplier nanoClock;
  private final long recentNanos;
  private final AtomicReferenceArray<Recent> recent = new AtomicReferenceArray<>(RECENT_SLOTS);

  /**
   * @param nanoClock the clock resolutions are remembered by
   * @param recent how long a resolved path is remembered (at most the hosts' refresh interval:
   *     {@code ls -l} asks for the attributes and two xattrs of each file in a row)
   */
  HistoryTree(Hosts hosts, IndexCache indexes, VersionCache versions, IdMapping ids, Duration timeout,
      long mountedAt, LongSupplier nanoClock, Duration recent) {
    this.hosts = hosts;
    this.indexes = indexes;
    this.versions = versions;
    this.ids = ids;
    this.timeout = timeout;
    this.mountedAt = mountedAt;
    this.nanoClock = nanoClock;
    this.recentNanos = recent.toNanos();
  }

  private static final int RECENT_SLOTS = 4096;

  /** A path resolved a moment ago. */
  private record Recent(byte[] path, Node node, long at) {}

  /** A version failed to open; the message names host, session and path. */
  static final class VersionUnavailable extends IOException {
    VersionUnavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Receives directory entries; returns false to stop. */
  interface DirSink {
    boolean add(byte[] name, long ino, int mode);
  }

  // ---- resolving -------------------------------------------------------------------------

  Node resolve(byte[] path) throws IOException {
    int slot = (Arrays.hashCode(path) & 0x7fffffff) % RECENT_SLOTS;
    Recent r = recent.get(slot);
    long now = nanoClock.getAsLong();
    if (r != null && now - r.at() < recentNanos && Arrays.equals(r.path(), path)) {
      return r.node();
    }
    Node n = resolveNow(path);
    recent.set(slot, new Recent(path, n, now));
    return n;
  }

  private Node resolveNow(byte[] path) throws IOException {
    MountPath p = parse(path);
    return switch (p.level()) {
      case ROOT -> Node.of(Node.Kind.ROOT, rootAttributes(), null);
      case HOST -> {
        Host h = host(p, path);
        yield Node.of(Node.Kind.HOST, hostAttributes(h, state(h, path)), h);
      }
      case SESSION, ENTRY -> entry(p, path);
    };
  }

  private Node entry(MountPath p, byte[] path) throws IOException {
    Host h = host(p, path);
    Host.State s = state(h, path);
    SessionNames.Named named = s.names().resolve(p.session());
    if (named == null || s.history() == null) {
      throw new NoSuchFileException(display(path));
    }
    if (named.kind() == SessionNames.Kind.LATEST) {
      if (p.level() == MountPath.Level.SESSION) {
        byte[] target = s.names().latestTarget();
        return Node.of(Node.Kind.LATEST_LINK, new Attributes(Attributes.S_IFLNK | 0777, inodes.latestLink(h.name()), 1,
            0, 0, target.length, 0, named.session().epochSecond()), h);
      }
      throw new NotDirectoryException(display(path)); // the kernel follows the link itself
    }
    SessionIndex index = indexes.get(s.history(), named.session(), timeout);
    int e = index.resolve(p.inside());
    if (e < 0) {
      throw new NoSuchFileException(display(path));
    }
    return new Node(Node.Kind.ENTRY, entryAttributes(h, index, e), h, s.history(), index, e, named.kind());
  }

  private Host host(MountPath p, byte[] path) throws NoSuchFileException {
    Host h = hosts.get(p.host());
    if (h == null) {
      throw new NoSuchFileException(display(path));
    }
    return h;
  }

  private static Host.State state(Host h, byte[] path) throws NoSuchFileException {
    Host.State s = h.state();
    if (s == null) {
      throw new NoSuchFileException(display(path));
    }
    return s;
  }

  private static MountPath parse(byte[] path) throws NoSuchFileException {
    try {
      return MountPath.parse(path);
    } catch (IllegalArgumentException e) {
      throw new NoSuchFileException(display(path));
    }
  }

  // ---- attributes ------------------------------------------------------------------------

  private Attributes rootAttributes() {
    return new Attributes(DIR_MODE, InodeNumbers.ROOT, 2 + hosts.list().size(), 0, 0, 4096, 0, mountedAt);
  }

  private Attributes hostAttributes(Host h, Host.State s) {
    long newest = s.names().isEmpty() ? mountedAt : s.names().sessions().get(s.names().sessions().size() - 1).epochSecond();
    long subdirs = s.names().size() - (s.names().isEmpty() ? 0 : 1);
    return new Attributes(DIR_MODE, inodes.hostDirectory(h.name()), 2 + subdirs, 0, 0, 4096, 0, newest);
  }

  private Attributes entryAttributes(Host h, SessionIndex index, int e) {
    FileType type = index.type(e);
    long nlink = switch (type) {
      case DIRECTORY -> 2 + index.subdirectories(e);
      case REGULAR -> index.linkCount(e);
      default -> 1;
    };
    long size = type == FileType.DIRECTORY ? 4096 : index.size(e);
    DeviceNumber dev = index.device(e);
    long rdev = dev == null ? 0 : Attributes.makedev(dev.major(), dev.minor());
    Long mtime = index.mtime(e);
    long ino = inodes.entry(h.name(), index.session().epochSecond(), index.hardLinkLeader(e));
    return new Attributes(index.mode(e), ino, nlink, ids.uid(index.uid(e), index.uname(e)),
        ids.gid(index.gid(e), index.gname(e)), size, rdev, mtime != null ? mtime : index.session().epochSecond());
  }

  // ---- directories -----------------------------------------------------------------------

  /** Lists a directory (without {@code .} and {@code ..}). */
  void list(byte[] path, DirSink sink) throws IOException {
    list(path, 0, sink);
  }

  /** Lists a directory (without {@code .} and {@code ..}) from its {@code from}th entry on. */
  void list(byte[] path, int from, DirSink sink) throws IOException {
    Node n = resolve(path);
    switch (n.kind()) {
      case ROOT -> {
        List<Host> all = hosts.list();
        for (int i = from; i < all.size(); i++) {
          Host h = all.get(i);
          if (!sink.add(h.name(), inodes.hostDirectory(h.name()), DIR_MODE)) {
            return;
          }
        }
      }
      case HOST -> listSessions(n.host(), from, sink);
      case ENTRY -> {
        if (!n.attributes().isDirectory()) {
          throw new NotDirectoryException(display(path));
        }
        listEntries(n, from, sink);
      }
      case LATEST_LINK -> throw new NotDirectoryException(display(path));
    }
  }

  /** What a directory's listing is, for a listing that may carry its entries' attributes. */
  enum Listing {
    /** The mount's root or a host: names only (looking a session up would index it). */
    NAMES,
    /** Inside a session named by its day: entries are indexed, the day may move to a later session. */
    ENTRIES,
    /** Inside a session named by its timestamp: the listing never changes while the session exists. */
    STABLE_ENTRIES
  }

  /** What the listing of {@code path} is (NAMES for a path that is no directory of a session). */
  Listing listing(byte[] path) {
    MountPath p;
    try {
      p = MountPath.parse(path);
    } catch (IllegalArgumentException e) {
      return Listing.NAMES;
    }
    if (p.level() != MountPath.Level.SESSION && p.level() != MountPath.Level.ENTRY) {
      return Listing.NAMES;
    }
    Host h = hosts.get(p.host());
    Host.State s = h == null ? null : h.state();
    SessionNames.Named named = s == null ? null : s.names().resolve(p.session());
    return named != null && named.kind() == SessionNames.Kind.TIMESTAMP ? Listing.STABLE_ENTRIES : Listing.ENTRIES;
  }

  private void listSessions(Host h, int from, DirSink sink) {
    Host.State s = h.state();
    if (s == null) {
      return;
    }
    List<byte[]> names = s.names().names();
    for (byte[] name : names.subList(Math.min(from, names.size()), names.size())) {
      SessionNames.Named named = s.names().resolve(name);
      boolean link = named.kind() == SessionNames.Kind.LATEST;
      long ino = link ? inodes.latestLink(h.name()) : inodes.entry(h.name(), named.session().epochSecond(), 0);
      if (!sink.add(name, ino, link ? Attributes.S_IFLNK | 0777 : Attributes.S_IFDIR | 0755)) {
        return;
      }
    }
  }

  private void listEntries(Node n, int from, DirSink sink) {
    SessionIndex index = n.index();
    byte[] host = n.host().name();
    long session = index.session().epochSecond();
    int count = index.childCount(n.entry());
    for (int i = from; i < count; i++) {
      int c = index.child(n.entry(), i);
      if (!sink.add(index.name(c), inodes.entry(host, session, index.hardLinkLeader(c)), index.mode(c))) {
        return;
      }
    }
  }

  // ---- links, xattrs, content ------------------------------------------------------------

  /** The target of a symbolic link. */
  byte[] readlink(byte[] path) throws IOException {
    Node n = resolve(path);
    if (n.kind() == Node.Kind.LATEST_LINK) {
      Host.State s = n.host().state();
      if (s == null || s.names().latestTarget() == null) {
        throw new NoSuchFileException(display(path));
      }
      return s.names().latestTarget();
    }
    if (n.kind() == Node.Kind.ENTRY && n.attributes().isSymlink()) {
      return n.index().symlinkTarget(n.entry());
    }
    throw new FileSystemException(display(path), null, "not a symbolic link");
  }

  /** The names of a node's extended attributes (recorded xattrs, then the ACL's). */
  List<byte[]> xattrNames(byte[] path) throws IOException {
    Node n = resolve(path);
    List<byte[]> out = new ArrayList<>();
    if (n.kind() != Node.Kind.ENTRY) {
      return out;
    }
    for (Xattr x : n.index().xattrs(n.entry())) {
      out.add(x.name());
    }
    IdMapping.Acl acl = acl(n);
    if (acl != null) {
      out.add(ACL_ACCESS.clone());
      if (acl.defaults() != null) {
        out.add(ACL_DEFAULT.clone());
      }
    }
    return out;
  }

  /** One extended attribute's value, or null when the node does not have it. */
  byte[] xattr(byte[] path, byte[] name) throws IOException {
    Node n = resolve(path);
    if (n.kind() != Node.Kind.ENTRY) {
      return null;
    }
    for (Xattr x : n.index().xattrs(n.entry())) {
      if (Arrays.equals(x.name(), name)) {
        return x.value();
      }
    }
    if (Arrays.equals(name, ACL_ACCESS) || Arrays.equals(name, ACL_DEFAULT)) {
      IdMapping.Acl acl = acl(n);
      if (acl != null) {
        return Arrays.equals(name, ACL_ACCESS) ? acl.access() : acl.defaults();
      }
    }
    return null;
  }

  private IdMapping.Acl acl(Node n) {
    List<String> lines = n.index().acl(n.entry());
    if (lines == null || n.attributes().isSymlink()) {
      return null;
    }
    IdMapping.Acl acl = ids.acl(lines);
    if (acl != null && acl.defaults() != null && !n.attributes().isDirectory()) {
      return new IdMapping.Acl(acl.access(), null);
    }
    return acl;
  }

  /** An opened regular file, and whether its path names the session for good (not by day). */
  record Opened(Version version, boolean stable) {}

  /** Opens a regular file's content. */
  Opened open(byte[] path) throws IOException {
    Node n = resolve(path);
    if (n.kind() != Node.Kind.ENTRY || !n.attributes().isRegular()) {
      throw new FileSystemException(display(path), null, "not a regular file");
    }
    SessionIndex index = n.index();
    FileMeta meta = index.meta(index.hardLinkLeader(n.entry())); // the group's first path carries the SHA-1
    try {
      Version v = versions.open(n.history(), meta, index.session(), timeout);
      return new Opened(v, n.via() != SessionNames.Kind.DAY);
    } catch (IOException | RuntimeException e) {
      Host.State now = n.host().state();
      String session = now == null ? index.session().spelling() : now.names().timestamp(index.session());
      throw new VersionUnavailable("host '" + n.host().display() + "' session " + session + " path '"
          + index.path(n.entry()) + "': " + e.getMessage(), e);
    }
  }

  private static String display(byte[] path) {
    return RelPath.display(path);
  }
}
