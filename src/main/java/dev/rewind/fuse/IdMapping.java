package dev.rewind.fuse;

import java.util.List;

/**
 * How recorded owners become the ids the mount shows, and recorded ACLs the xattr values it
 * serves. The policy belongs to the caller, which knows the local account database; {@code
 * rewind mount} maps names as {@code rewind restore} does (a recorded name that exists here wins
 * over the recorded id) unless {@code numeric_ids} is given. Implementations are thread-safe.
 */
public interface IdMapping {
  /** The uid to show for a recorded uid and user name (null when none was recorded). */
  long uid(long recordedUid, String recordedName);

  /** The gid to show for a recorded gid and group name (null when none was recorded). */
  long gid(long recordedGid, String recordedName);

  /**
   * The {@code system.posix_acl_access} and {@code system.posix_acl_default} values (the latter
   * null when there are no default entries) for an ACL recorded as getfacl lines.
   */
  Acl acl(List<String> lines);

  /** Encoded ACL xattr values. */
  record Acl(byte[] access, byte[] defaults) {}

  /** Ids as recorded; ACLs are not served. For tests and {@code numeric_ids} without ACLs. */
  static IdMapping recorded() {
    return new IdMapping() {
      @Override
      public long uid(long recordedUid, String recordedName) {
        return recordedUid;
      }

      @Override
      public long gid(long recordedGid, String recordedName) {
        return recordedGid;
      }

      @Override
      public Acl acl(List<String> lines) {
        return null;
      }
    };
  }
}
