package dev.rewind.source;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RelPath;
import dev.rewind.repo.Xattr;
import java.util.List;

/**
 * One entry of a source tree as the backup sees it: its attributes in metadata form (no SHA-1
 * yet), its extended attributes and its ACL (getfacl lines; empty when basic).
 *
 * @param device the file system the entry lives on, for {@code --exclude-other-filesystems}
 */
public record SourceEntry(FileMeta meta, List<Xattr> xattrs, List<String> acl, long device) {
  public SourceEntry {
    xattrs = List.copyOf(xattrs);
    acl = List.copyOf(acl);
  }

  public RelPath path() {
    return meta.path();
  }
}
