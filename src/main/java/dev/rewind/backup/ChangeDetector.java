package dev.rewind.backup;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.repo.Xattr;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * rdiff-backup's test for "unchanged" (so that alternating the two tools creates no spurious
 * increments): type, permissions, owner ids (and names where the old record has one), size,
 * mtime, symlink target, device number, xattrs and ACL, plus the inode identity of hard-linked
 * files. Content is never read for this: equal attributes mean unchanged.
 */
final class ChangeDetector {
  private ChangeDetector() {}

  static boolean unchanged(FileMeta o, List<Xattr> oldXattrs, List<String> oldAcl,
      FileMeta n, List<Xattr> newXattrs, List<String> newAcl) {
    if (o.type() != n.type() || o.permissions() != n.permissions()) {
      return false;
    }
    if (o.type() != FileType.SYMLINK && !sameOwner(o, n)) {
      return false;
    }
    if (o.type() == FileType.REGULAR && (o.size() != n.size() || !sameLinkIdentity(o, n))) {
      return false;
    }
    return Objects.equals(o.mtime(), n.mtime())
        && Arrays.equals(o.symlinkTarget(), n.symlinkTarget())
        && Objects.equals(o.device(), n.device())
        && sameXattrs(oldXattrs, newXattrs)
        && oldAcl.equals(newAcl);
  }

  private static boolean sameOwner(FileMeta o, FileMeta n) {
    return o.uid() == n.uid() && o.gid() == n.gid()
        && (o.uname() == null || o.uname().equals(n.uname()))
        && (o.gname() == null || o.gname().equals(n.gname()));
  }

  private static boolean sameLinkIdentity(FileMeta o, FileMeta n) {
    if (o.numHardLinks() <= 1 && n.numHardLinks() <= 1) {
      return true;
    }
    return o.numHardLinks() > 1 && n.numHardLinks() > 1 && o.inode() == n.inode() && o.deviceLoc() == n.deviceLoc();
  }

  private static boolean sameXattrs(List<Xattr> a, List<Xattr> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i).name(), b.get(i).name()) || !Arrays.equals(a.get(i).value(), b.get(i).value())) {
        return false;
      }
    }
    return true;
  }
}
