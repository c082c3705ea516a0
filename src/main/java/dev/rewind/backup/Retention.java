package dev.rewind.backup;

import dev.rewind.core.FileType;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.posix.DirEntry;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.IncrementName;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Removal of a repository's oldest sessions ({@code remove increments --older-than}): every
 * increment-style file named with a time before the oldest kept session goes, wherever it is in
 * {@code rdiff-backup-data} (metadata, xattrs, ACLs, statistics, error logs, the root's {@code
 * increments.<T>.dir}, everything under {@code increments/} and {@code long_filename_data/}),
 * then the directories under {@code increments/} that became empty. The current mirror session
 * and the {@code current_mirror} marker are never touched.
 *
 * <p>Crash safety: first the removed sessions are <em>forgotten</em>, oldest first, by deleting
 * the two files that make a session exist for readers (root increment, then metadata) and
 * syncing the data directory; only then are their other files deleted. An interruption at any
 * point leaves a consistent, just shorter history: every session still listed has all its files
 * (a kept session never needs a file named with an older time), and the leftovers of forgotten
 * sessions are invisible to Rewind and rdiff-backup alike and go with the next removal.
 *
 * <p>Open the {@link Repository} after taking the {@link RepositoryLock}, so that its listing is
 * current. Not thread-safe.
 */
public final class Retention {
  private static final byte[] INCREMENTS = ascii("increments");
  private static final byte[] LONG_NAMES = ascii("long_filename_data");

  private final Repository repo;
  private final List<SessionTime> sessions;

  private Retention(Repository repo, List<SessionTime> sessions) {
    this.repo = repo;
    this.sessions = sessions;
  }

  /**
   * The retention of a consistent repository.
   *
   * @throws RepositoryException when the repository has no {@code current_mirror} marker or two
   *     (an unfinished backup that must be regressed first)
   */
  public static Retention of(Repository repo) throws RepositoryException {
    List<SessionTime> markers = repo.markers();
    if (markers.size() != 1) {
      throw new RepositoryException("cannot remove increments from '" + repo.display() + "': "
          + (markers.isEmpty() ? "it has no current_mirror marker (its first backup did not finish)"
              : "its backup session " + markers.get(markers.size() - 1) + " did not finish (two"
                  + " current_mirror markers); regress it first ('rdiff-backup regress')"));
    }
    SessionTime current = markers.get(0);
    return new Retention(repo, repo.sessions().stream().filter(s -> s.compareTo(current) <= 0).toList());
  }

  /** Every session, oldest first; the last one is the current mirror. */
  public List<SessionTime> sessions() {
    return sessions;
  }

  /**
   * Which sessions a removal of everything older than {@code epochSecond} takes: those strictly
   * before it, never the current mirror.
   */
  public Plan plan(long epochSecond) {
    List<SessionTime> removed = new ArrayList<>();
    List<SessionTime> kept = new ArrayList<>();
    for (int i = 0; i < sessions.size(); i++) {
      boolean current = i == sessions.size() - 1;
      (sessions.get(i).epochSecond() < epochSecond && !current ? removed : kept).add(sessions.get(i));
    }
    return new Plan(removed, kept);
  }

  /**
   * What a removal does.
   *
   * @param removed the sessions that go, oldest first (possibly none)
   * @param kept the sessions that stay, oldest first; never empty, the current mirror last
   */
  public record Plan(List<SessionTime> removed, List<SessionTime> kept) {
    public Plan {
      removed = List.copyOf(removed);
      kept = List.copyOf(kept);
    }

    /** Files named with a time before this one go. */
    public SessionTime cutoff() {
      return kept.get(0);
    }
  }

  /**
   * What a removal did.
   *
   * @param bytes the sizes of the deleted files added up
   */
  public record Result(List<SessionTime> removed, long files, long directories, long bytes) {}

  /**
   * Carries out {@code plan} (made by this retention). {@code lock} is the proof that the
   * repository is locked exclusively; it stays held.
   */
  public Result remove(Plan plan, RepositoryLock lock) throws IOException {
    if (lock == null || !lock.isExclusive()) {
      throw new IllegalArgumentException("removing increments needs the repository's exclusive lock");
    }
    Deletions d = new Deletions();
    if (plan.removed().isEmpty()) {
      return d.result(plan);
    }
    long cutoff = plan.cutoff().epochSecond();
    for (SessionTime s : plan.removed()) {
      forget(s, d);
    }
    Posix.fsync(repo.dataDir());
    deleteOlder(repo.dataDir(), cutoff, false, d);
    deleteOlder(join(repo.dataDir(), INCREMENTS), cutoff, true, d);
    deleteOlder(join(repo.dataDir(), LONG_NAMES), cutoff, false, d);
    return d.result(plan);
  }

  /** Makes a session disappear for readers: its root increment, then its metadata. */
  private void forget(SessionTime s, Deletions d) throws IOException {
    for (String base : List.of("increments", "mirror_metadata")) {
      for (RepoFile f : repo.dataFiles(base)) {
        if (f.name().time().equals(s)) {
          d.delete(f.path());
        }
      }
    }
  }

  /**
   * Deletes the increment-style files (never directories, never markers) named with a time
   * before {@code cutoff} in {@code dir}; with {@code recurse}, also in its subdirectories,
   * removing those that end up empty. A missing directory has nothing to delete.
   */
  private void deleteOlder(byte[] dir, long cutoff, boolean recurse, Deletions d) throws IOException {
    List<DirEntry> entries;
    try {
      entries = Posix.listEntries(dir);
    } catch (NoSuchFileException e) {
      return;
    }
    for (DirEntry e : entries) {
      byte[] path = join(dir, e.name());
      if (e.isDirectory(dir)) {
        if (recurse) {
          deleteOlder(path, cutoff, true, d);
          d.removeIfEmpty(path);
        }
        continue;
      }
      IncrementName name = IncrementName.parse(repo.quoting().unquote(e.name()));
      if (name != null && name.time().epochSecond() < cutoff && !name.baseIs("current_mirror")) {
        d.delete(path);
      }
    }
  }

  /** Counts what was deleted. */
  private static final class Deletions {
    long files;
    long directories;
    long bytes;

    void delete(byte[] path) throws IOException {
      Stat st = Posix.lstatOrNull(path);
      if (st == null) {
        return;
      }
      try {
        Posix.unlink(path);
      } catch (IOException e) {
        throw new RepositoryException("cannot delete '" + Posix.display(path) + "': " + e.getMessage(), e);
      }
      files++;
      bytes += st.type() == FileType.REGULAR ? st.size() : 0;
    }

    void removeIfEmpty(byte[] dir) throws IOException {
      try {
        Posix.rmdir(dir);
        directories++;
      } catch (DirectoryNotEmptyException | FileAlreadyExistsException | NoSuchFileException e) {
        // still holds increments of kept sessions (or is gone): keep it
      }
    }

    Result result(Plan plan) {
      return new Result(plan.removed(), files, directories, bytes);
    }
  }

  private static byte[] join(byte[] dir, byte[] name) {
    return Posix.join(dir, name);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
