package dev.rewind.cli;

import dev.rewind.fuse.IdMapping;
import dev.rewind.posix.AclCodec;
import dev.rewind.posix.Accounts;
import java.util.List;

/**
 * The mount's owner policy over this machine's accounts, the same as {@code rewind restore}'s: a
 * recorded user or group name that exists here wins over the recorded id; with {@code
 * numeric_ids} the recorded ids are shown as they are. ACL entries are mapped by name as
 * restore maps them (entries whose name does not exist here are left out).
 */
final class LocalIds implements IdMapping {
  private final Accounts accounts = new Accounts();
  private final boolean numeric;

  LocalIds(boolean numeric) {
    this.numeric = numeric;
  }

  @Override
  public long uid(long recordedUid, String recordedName) {
    return numeric || recordedName == null ? recordedUid : accounts.uid(recordedName).orElse(recordedUid);
  }

  @Override
  public long gid(long recordedGid, String recordedName) {
    return numeric || recordedName == null ? recordedGid : accounts.gid(recordedName).orElse(recordedGid);
  }

  @Override
  public Acl acl(List<String> lines) {
    AclCodec.Encoded e = AclCodec.encode(lines, accounts);
    return new Acl(e.access(), e.defaults());
  }
}
