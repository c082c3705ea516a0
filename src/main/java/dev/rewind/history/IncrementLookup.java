package dev.rewind.history;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.rewind.core.FileMeta;
import dev.rewind.core.RelPath;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Finds the increments of a path. Increments of siblings share one directory of {@code
 * increments/}, so listings are cached per directory: a walk in index order lists each
 * directory once. Thread-safe.
 */
public final class IncrementLookup {
  private final Repository repo;
  private final Cache<RelPath, Map<RelPath, List<RepoFile>>> byDirectory;

  public IncrementLookup(Repository repo, int cachedDirectories) {
    this.repo = repo;
    this.byDirectory = Caffeine.newBuilder().maximumSize(cachedDirectories).build();
  }

  /** The increments of {@code meta}'s path, oldest first. */
  public List<RepoFile> of(FileMeta meta) throws IOException {
    if (meta.alternateIncrementName() != null || meta.alternateMirrorName() != null) {
      int n = meta.alternateIncrementName() != null ? meta.alternateIncrementName() : meta.alternateMirrorName();
      return repo.longNameIncrements(n);
    }
    return of(meta.path());
  }

  /** The increments stored under the path's own name, oldest first. */
  public List<RepoFile> of(RelPath path) throws IOException {
    if (path.isRoot()) {
      return repo.dataFiles("increments");
    }
    try {
      Map<RelPath, List<RepoFile>> siblings = byDirectory.get(path.parent(), dir -> {
        try {
          return repo.incrementsOfChildren(dir);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      return siblings.getOrDefault(path, List.of());
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
