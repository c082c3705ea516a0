package dev.rewind.ops;

import dev.rewind.core.SessionTime;
import dev.rewind.posix.DirEntry;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.IncrementName;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The bytes one repository occupies (apparent sizes, like {@code du -sb}: directories included,
 * a file with several hard links counted once), split into the mirror and the dated files of the
 * data directory, so that the size the repository had after an earlier session can be told.
 * Built by one walk of the repository; immutable.
 */
final class RepositoryUsage {
  private final long mirrorBytes;
  private final long undatedBytes;
  private final List<Dated> dated;

  /** A file of the data directory named for a session time. */
  private record Dated(long epochSecond, long bytes, boolean increment) {}

  private RepositoryUsage(long mirrorBytes, long undatedBytes, List<Dated> dated) {
    this.mirrorBytes = mirrorBytes;
    this.undatedBytes = undatedBytes;
    this.dated = List.copyOf(dated);
  }

  /** Walks the whole repository. Entries that vanish during the walk are skipped. */
  static RepositoryUsage measure(Repository repo) throws IOException {
    Walk walk = new Walk(repo);
    walk.run();
    return new RepositoryUsage(walk.mirror, walk.undated, walk.dated);
  }

  /** Everything: mirror, metadata, increments, logs. */
  long totalBytes() {
    long sum = mirrorBytes + undatedBytes;
    for (Dated d : dated) {
      sum += d.bytes;
    }
    return sum;
  }

  /**
   * What the repository would hold had it stopped after {@code session}, with the increments that
   * still exist today: the data files of that session and earlier, the increments written up to
   * it (an increment is named for the older version it rebuilds, so those dated before the
   * session) and a mirror of {@code mirrorBytes}.
   */
  long bytesAfter(SessionTime session, long mirrorBytes) {
    long sum = mirrorBytes + undatedBytes;
    for (Dated d : dated) {
      boolean written = d.increment ? d.epochSecond < session.epochSecond() : d.epochSecond <= session.epochSecond();
      if (written) {
        sum += d.bytes;
      }
    }
    return sum;
  }

  long mirrorBytes() {
    return mirrorBytes;
  }

  /** One depth-first walk with an explicit stack (deep trees must not overflow the call stack). */
  private static final class Walk {
    private final Repository repo;
    private final byte[] dataDir;
    private final Set<String> seenLinks = new HashSet<>();
    private final List<Dated> dated = new ArrayList<>();
    private long mirror;
    private long undated;

    Walk(Repository repo) {
      this.repo = repo;
      this.dataDir = repo.dataDir();
    }

    void run() throws IOException {
      Deque<byte[]> dirs = new ArrayDeque<>();
      dirs.push(repo.root());
      mirror += Posix.lstat(repo.root()).size(); // the root directory itself, as du counts it
      while (!dirs.isEmpty()) {
        byte[] dir = dirs.pop();
        List<DirEntry> entries;
        try {
          entries = Posix.listEntries(dir);
        } catch (NoSuchFileException e) {
          continue;
        }
        for (DirEntry e : entries) {
          visit(dir, Posix.join(dir, e.name()), e.name(), dirs);
        }
      }
    }

    private void visit(byte[] dir, byte[] path, byte[] name, Deque<byte[]> dirs) throws IOException {
      Stat st = Posix.lstatOrNull(path);
      if (st == null || (st.nlink() > 1 && st.type() != dev.rewind.core.FileType.DIRECTORY
          && !seenLinks.add(st.dev() + ":" + st.inode()))) {
        return;
      }
      if (st.type() == dev.rewind.core.FileType.DIRECTORY) {
        dirs.push(path);
      }
      if (!startsWith(path, dataDir)) {
        mirror += st.size();
        return;
      }
      IncrementName inc = st.type() == dev.rewind.core.FileType.DIRECTORY ? null
          : IncrementName.parse(repo.quoting().unquote(name));
      if (inc == null) {
        undated += st.size();
      } else {
        dated.add(new Dated(inc.time().epochSecond(), st.size(), !java.util.Arrays.equals(dir, dataDir)));
      }
    }

    private static boolean startsWith(byte[] path, byte[] prefix) {
      if (path.length < prefix.length) {
        return false;
      }
      for (int i = 0; i < prefix.length; i++) {
        if (path[i] != prefix[i]) {
          return false;
        }
      }
      return path.length == prefix.length || path[prefix.length] == '/';
    }
  }
}
