package dev.rewind.history;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.repo.IncrementType;
import dev.rewind.repo.MetadataReader;
import dev.rewind.repo.MetadataRecord;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The entries of one session, in index order, merged on the fly from the session's metadata
 * file and the newer files up to the next snapshot: for each path the record of the oldest
 * file that mentions it wins, and {@code Type None} means absent. Memory stays constant
 * whatever the tree's size. Not thread-safe; close it.
 */
public final class MetadataChain implements Closeable {
  private final List<MetadataReader> readers = new ArrayList<>();
  private final MetadataRecord[] heads;
  private final String session;

  private MetadataChain(List<RepoFile> files, String session) throws IOException {
    this.session = session;
    try {
      for (RepoFile f : files) {
        readers.add(new MetadataReader(Repository.open(f), f.display()));
      }
      heads = new MetadataRecord[readers.size()];
      for (int i = 0; i < heads.length; i++) {
        heads[i] = readers.get(i).next();
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Opens the merged metadata of {@code time}, which must be one of the repository's sessions. */
  public static MetadataChain open(Repository repo, SessionTime time) throws IOException {
    return new MetadataChain(chainFiles(repo, time), time.spelling());
  }

  /** The metadata files whose merge gives {@code time}: its own file first, a snapshot last. */
  static List<RepoFile> chainFiles(Repository repo, SessionTime time) throws RepositoryException {
    List<RepoFile> all = repo.metadataFiles();
    List<RepoFile> chain = new ArrayList<>();
    for (RepoFile f : all) {
      if (f.name().time().compareTo(time) < 0) {
        continue;
      }
      if (!chain.isEmpty() && chain.get(chain.size() - 1).name().time().equals(f.name().time())) {
        throw new RepositoryException("two metadata files for session " + f.name().time() + " in '"
            + repo.display() + "' (an interrupted backup? run regress)");
      }
      if (chain.isEmpty() && !f.name().time().equals(time)) {
        break;
      }
      chain.add(f);
      if (f.name().type() == IncrementType.SNAPSHOT) {
        return chain;
      }
    }
    if (chain.isEmpty()) {
      throw new RepositoryException("no mirror_metadata file for session " + time + " in '"
          + repo.display() + "'");
    }
    throw new RepositoryException("metadata of session " + time + " in '" + repo.display()
        + "' has no newer snapshot (chain ends with a diff: " + chain.get(chain.size() - 1).display() + ")");
  }

  /** The next entry present at this session, or null at the end. */
  public FileMeta next() throws IOException {
    while (true) {
      int winner = -1;
      for (int i = 0; i < heads.length; i++) {
        if (heads[i] != null && (winner < 0 || heads[i].path().compareTo(heads[winner].path()) < 0)) {
          winner = i;
        }
      }
      if (winner < 0) {
        return null;
      }
      // Files are ordered oldest first, so the first head that names the path wins.
      MetadataRecord chosen = null;
      var path = heads[winner].path();
      for (int i = 0; i < heads.length; i++) {
        if (heads[i] != null && heads[i].path().equals(path)) {
          chosen = chosen == null ? heads[i] : chosen;
          advance(i);
        }
      }
      if (!chosen.isAbsent()) {
        return chosen.meta();
      }
    }
  }

  private void advance(int i) throws IOException {
    MetadataRecord previous = heads[i];
    MetadataRecord next = readers.get(i).next();
    if (next != null && next.path().compareTo(previous.path()) <= 0) {
      throw new RepositoryException("corrupt metadata for session " + session + ": '" + next.path()
          + "' is out of index order after '" + previous.path() + "'");
    }
    heads[i] = next;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (MetadataReader r : readers) {
      try {
        r.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
