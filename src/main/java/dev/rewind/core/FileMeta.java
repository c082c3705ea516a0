package dev.rewind.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * The attributes of one entry of a backed-up tree at one session, as recorded in rdiff-backup's
 * {@code mirror_metadata}: the authority for everything but regular-file content.
 *
 * <p>Fields that a type does not carry are absent: {@code mtime} is null for symlinks and
 * devices, {@code symlinkTarget} only for symlinks, {@code device} only for devices, {@code
 * sha1}, {@code size} and the hard-link fields only for regular files. {@code uname}/{@code gname}
 * are null when the source had no name for the id.
 */
public record FileMeta(
    RelPath path,
    FileType type,
    long size,
    Long mtime,
    long uid,
    long gid,
    String uname,
    String gname,
    int permissions,
    byte[] symlinkTarget,
    DeviceNumber device,
    String sha1,
    long numHardLinks,
    long inode,
    long deviceLoc,
    Integer alternateMirrorName,
    Integer alternateIncrementName) {

  public FileMeta {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(type, "type");
    if ((permissions & ~07777) != 0) {
      throw new IllegalArgumentException("permissions out of range for " + path + ": " + permissions);
    }
    if (type == FileType.SYMLINK && symlinkTarget == null) {
      throw new IllegalArgumentException("symlink without target: " + path);
    }
    if (type == FileType.DEVICE && device == null) {
      throw new IllegalArgumentException("device without DeviceNum: " + path);
    }
  }

  /** True for a regular file that is one of several hard links (it carries inode identity). */
  public boolean isHardLinked() {
    return type == FileType.REGULAR && numHardLinks > 1;
  }

  /** A key that is equal for all paths of one hard-link group within one session. */
  public String hardLinkKey() {
    return deviceLoc + ":" + inode;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FileMeta m
        && path.equals(m.path)
        && type == m.type
        && size == m.size
        && Objects.equals(mtime, m.mtime)
        && uid == m.uid
        && gid == m.gid
        && Objects.equals(uname, m.uname)
        && Objects.equals(gname, m.gname)
        && permissions == m.permissions
        && Arrays.equals(symlinkTarget, m.symlinkTarget)
        && Objects.equals(device, m.device)
        && Objects.equals(sha1, m.sha1)
        && numHardLinks == m.numHardLinks
        && inode == m.inode
        && deviceLoc == m.deviceLoc
        && Objects.equals(alternateMirrorName, m.alternateMirrorName)
        && Objects.equals(alternateIncrementName, m.alternateIncrementName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, type, size, mtime, uid, gid, permissions);
  }

  @Override
  public String toString() {
    return type.keyword() + " " + path;
  }

  /** A builder holding this entry's fields, for a copy that differs in a few of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.path = path;
    b.type = type;
    b.size = size;
    b.mtime = mtime;
    b.uid = uid;
    b.gid = gid;
    b.uname = uname;
    b.gname = gname;
    b.permissions = permissions;
    b.symlinkTarget = symlinkTarget;
    b.device = device;
    b.sha1 = sha1;
    b.numHardLinks = numHardLinks;
    b.inode = inode;
    b.deviceLoc = deviceLoc;
    b.alternateMirrorName = alternateMirrorName;
    b.alternateIncrementName = alternateIncrementName;
    return b;
  }

  /** A mutable builder, used by parsers that see fields one at a time. */
  public static final class Builder {
    public RelPath path;
    public FileType type;
    public long size;
    public Long mtime;
    public long uid;
    public long gid;
    public String uname;
    public String gname;
    public int permissions;
    public byte[] symlinkTarget;
    public DeviceNumber device;
    public String sha1;
    public long numHardLinks;
    public long inode;
    public long deviceLoc;
    public Integer alternateMirrorName;
    public Integer alternateIncrementName;

    public FileMeta build() {
      return new FileMeta(
          path, type, size, mtime, uid, gid, uname, gname, permissions, symlinkTarget, device,
          sha1, numHardLinks, inode, deviceLoc, alternateMirrorName, alternateIncrementName);
    }
  }
}
