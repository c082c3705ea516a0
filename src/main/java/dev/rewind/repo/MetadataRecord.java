package dev.rewind.repo;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RelPath;

/**
 * One record of a {@code mirror_metadata} file: the entry's attributes, or (in reverse diffs
 * only, {@code Type None}) the statement that the path did not exist at that session.
 *
 * @param meta the attributes, or null when the record says the path was absent
 */
public record MetadataRecord(RelPath path, FileMeta meta) {
  public boolean isAbsent() {
    return meta == null;
  }
}
