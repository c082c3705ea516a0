package dev.rewind.history;

import dev.rewind.core.RelPath;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import dev.rewind.repo.SideFiles;
import dev.rewind.repo.Xattr;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * The read model of one repository: its sessions, the entries and attributes of any session,
 * and the content of any regular file at any session. The entry point shared by restore,
 * verify and the mount. Thread-safe.
 */
public final class History {
  private final Repository repo;
  private final List<SessionTime> sessions;
  private final ContentReconstructor content;
  private final Scratch scratch;

  private History(Repository repo, List<SessionTime> sessions, Scratch scratch) {
    this.repo = repo;
    this.sessions = sessions;
    this.scratch = scratch;
    this.content = new ContentReconstructor(repo, new IncrementLookup(repo, 256), scratch);
  }

  /**
   * Opens the history of a consistent repository: exactly one {@code current_mirror} marker.
   *
   * @param scratch where intermediate versions of files are rebuilt
   */
  public static History open(Repository repo, Scratch scratch) throws IOException {
    List<SessionTime> markers = repo.markers();
    if (markers.isEmpty()) {
      throw new RepositoryException("'" + repo.display() + "' has no current_mirror marker"
          + " (its first backup did not finish)");
    }
    if (markers.size() > 1) {
      throw new RepositoryException("'" + repo.display() + "' has an unfinished backup session "
          + markers.get(markers.size() - 1) + " (two current_mirror markers);"
          + " run 'rdiff-backup regress' on it first");
    }
    SessionTime current = markers.get(0);
    List<SessionTime> sessions = repo.sessions().stream().filter(s -> s.compareTo(current) <= 0).toList();
    return new History(repo, sessions, scratch);
  }

  public Repository repository() {
    return repo;
  }

  /** Every session, oldest first; the last one is the current mirror. */
  public List<SessionTime> sessions() {
    return sessions;
  }

  public SessionTime current() {
    return sessions.get(sessions.size() - 1);
  }

  /** The session that a point in time selects: the latest at or before it, else the oldest. */
  public SessionTime sessionAt(long epochSecond) {
    SessionTime chosen = sessions.get(0);
    for (SessionTime s : sessions) {
      if (s.epochSecond() <= epochSecond) {
        chosen = s;
      }
    }
    return chosen;
  }

  /** The entries of {@code session} in index order, streamed; close the result. */
  public MetadataChain entries(SessionTime session) throws IOException {
    return MetadataChain.open(repo, session);
  }

  /** The extended attributes recorded for {@code session} (empty when none were recorded). */
  public Map<RelPath, List<Xattr>> xattrs(SessionTime session) throws IOException {
    RepoFile f = repo.sessionFile("extended_attributes", session);
    if (f == null) {
      return Map.of();
    }
    try (InputStream in = Repository.open(f)) {
      return SideFiles.readXattrs(in, f.display());
    } catch (IOException e) {
      throw new RepositoryException("cannot read '" + f.display() + "': " + e.getMessage(), e);
    }
  }

  /** The POSIX ACLs recorded for {@code session}, as getfacl text lines per path. */
  public Map<RelPath, List<String>> acls(SessionTime session) throws IOException {
    RepoFile f = repo.sessionFile("access_control_lists", session);
    if (f == null) {
      return Map.of();
    }
    try (InputStream in = Repository.open(f)) {
      return SideFiles.readAcls(in);
    } catch (IOException e) {
      throw new RepositoryException("cannot read '" + f.display() + "': " + e.getMessage(), e);
    }
  }

  public ContentReconstructor content() {
    return content;
  }

  /**
   * A content reconstructor that lists increments afresh instead of using the cached listings of
   * {@link #content()}: for a retry when the repository may have changed underneath (a backup
   * adds increments of the current session's files before it replaces them in the mirror).
   */
  public ContentReconstructor freshContent() {
    return new ContentReconstructor(repo, new IncrementLookup(repo, 64), scratch);
  }
}
