package dev.rewind.history;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.repo.Xattr;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link SessionIndex} from a session's entries given one at a time in index order:
 * finds each entry's parent among the open directories, appends its columns, numbers owners,
 * groups and hard-link groups. Not thread-safe; used once.
 */
final class SessionIndexBuilder {
  final SessionTime session;
  final Columns.Ints parent = new Columns.Ints();
  final Columns.Ints strings = new Columns.Ints();
  final Columns.Chars nameLength = new Columns.Chars();
  final Columns.Ints mode = new Columns.Ints();
  final Columns.Ints owner = new Columns.Ints();
  final Columns.Ints group = new Columns.Ints();
  final Columns.Longs mtime = new Columns.Longs();
  final Columns.Longs sizes = new Columns.Longs();
  final Columns.Fixed sha1 = new Columns.Fixed(SessionIndex.SHA1_BYTES);
  final Columns.Arena arena = new Columns.Arena();
  final Names owners = new Names();
  final Names groups = new Names();
  final Map<Integer, Integer> leaders = new HashMap<>();
  final Map<Integer, Long> linkCounts = new HashMap<>();
  final Map<Integer, Integer[]> alternates = new HashMap<>();
  final Map<String, Integer> firstLinks = new HashMap<>();
  final List<Integer> openDirs = new ArrayList<>();
  final List<RelPath> openPaths = new ArrayList<>();
  final List<Integer> openDepths = new ArrayList<>();
  int size;
  long skipped;

  SessionIndexBuilder(SessionTime session) {
    this.session = session;
  }

  void add(FileMeta m) throws IOException {
    int parentEntry = -1;
    int depth = m.path().depth();
    if (size == 0) {
      if (!m.path().isRoot() || m.type() != FileType.DIRECTORY) {
        throw new RepositoryException("metadata of session " + session
            + " does not start with the root directory (first entry: '" + m.path() + "')");
      }
    } else {
      parentEntry = openParent(m.path(), depth);
      if (parentEntry < 0) {
        skipped++;
        return;
      }
    }
    int e = size++;
    parent.set(e, parentEntry);
    byte[] name = m.path().isRoot() ? new byte[0] : m.path().name();
    byte[] target = m.type() == FileType.SYMLINK ? m.symlinkTarget() : new byte[0];
    strings.set(e, arena.append(name, target));
    nameLength.set(e, name.length);
    owner.set(e, owners.ref(m.uid(), m.uname()));
    group.set(e, groups.ref(m.gid(), m.gname()));
    int flags = m.permissions() | typeBits(m);
    if (m.mtime() != null) {
      mtime.set(e, m.mtime());
      flags |= SessionIndex.HAS_MTIME;
    }
    byte[] digest = digest(m.sha1());
    if (digest != null && m.type() == FileType.REGULAR) {
      sha1.set(e, digest);
      flags |= SessionIndex.HAS_SHA1;
    }
    mode.set(e, flags);
    sizes.set(e, sizeField(m, target));
    links(e, m);
    if (m.alternateMirrorName() != null || m.alternateIncrementName() != null) {
      alternates.put(e, new Integer[] {m.alternateMirrorName(), m.alternateIncrementName()});
    }
    if (m.type() == FileType.DIRECTORY) {
      if (parentEntry >= 0) {
        sizes.set(parentEntry, sizes.get(parentEntry) + 1);
      }
      openDirs.add(e);
      openPaths.add(m.path());
      openDepths.add(depth);
    }
  }

  /** The open directory that is the parent of {@code path}, closing the ones that are not its ancestors. */
  private int openParent(RelPath path, int depth) {
    while (!openDirs.isEmpty()) {
      int top = openDirs.size() - 1;
      if (openPaths.get(top).contains(path)) {
        return openDepths.get(top) == depth - 1 ? openDirs.get(top) : -1;
      }
      openDirs.remove(top);
      openPaths.remove(top);
      openDepths.remove(top);
    }
    return -1;
  }

  private void links(int e, FileMeta m) {
    if (!m.isHardLinked()) {
      return;
    }
    linkCounts.put(e, m.numHardLinks());
    Integer first = firstLinks.putIfAbsent(m.hardLinkKey(), e);
    if (first != null) {
      leaders.put(e, first);
    }
  }

  private static int typeBits(FileMeta m) {
    return switch (m.type()) {
      case REGULAR -> SessionIndex.S_IFREG;
      case DIRECTORY -> SessionIndex.S_IFDIR;
      case SYMLINK -> SessionIndex.S_IFLNK;
      case DEVICE -> m.device().block() ? SessionIndex.S_IFBLK : SessionIndex.S_IFCHR;
      case FIFO -> SessionIndex.S_IFIFO;
      case SOCKET -> SessionIndex.S_IFSOCK;
    };
  }

  private static long sizeField(FileMeta m, byte[] target) {
    return switch (m.type()) {
      case REGULAR -> m.size();
      case SYMLINK -> target.length;
      case DEVICE -> (m.device().major() << 32) | (m.device().minor() & 0xffffffffL);
      default -> 0;
    };
  }

  private static byte[] digest(String hex) {
    if (hex == null || hex.length() != 2 * SessionIndex.SHA1_BYTES) {
      return null;
    }
    try {
      return HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  SessionIndex finish(Map<RelPath, List<Xattr>> xattrs, Map<RelPath, List<String>> acls) throws IOException {
    if (size == 0) {
      throw new RepositoryException("metadata of session " + session + " lists no entries");
    }
    firstLinks.clear();
    openDirs.clear();
    openPaths.clear();
    return new SessionIndex(this, xattrs, acls);
  }

  /** Distinct (id, name) pairs, numbered in order of appearance. */
  static final class Names {
    private final Map<String, Integer> refs = new HashMap<>();
    private final List<Long> ids = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    int ref(long id, String name) {
      return refs.computeIfAbsent(id + ":" + (name == null ? "" : "=" + name), k -> {
        ids.add(id);
        names.add(name);
        return ids.size() - 1;
      });
    }

    long[] ids() {
      return ids.stream().mapToLong(Long::longValue).toArray();
    }

    String[] names() {
      return names.toArray(new String[0]);
    }
  }
}
