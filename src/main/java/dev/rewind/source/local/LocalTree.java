package dev.rewind.source.local;

import dev.rewind.core.DeviceNumber;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.posix.Accounts;
import dev.rewind.posix.AclCodec;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.Xattr;
import dev.rewind.source.SourceEntry;
import dev.rewind.source.SourceTree;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A local directory as a backup source. Records what rdiff-backup records: user xattrs (and
 * trusted/security ones when they can be read), non-basic POSIX ACLs, owner names as resolved
 * on this machine. Thread-safe.
 */
public final class LocalTree implements SourceTree {
  private static final byte[] SYSTEM_PREFIX = "system.".getBytes(StandardCharsets.US_ASCII);

  private final byte[] root;
  private final Accounts accounts = new Accounts();

  public LocalTree(byte[] root) {
    this.root = root.clone();
  }

  @Override
  public String describe() {
    return Posix.display(root);
  }

  @Override
  public SourceEntry stat(RelPath path) throws IOException {
    byte[] abs = path.under(root);
    Stat st = Posix.lstat(abs);
    List<byte[]> names = xattrNames(st, () -> Posix.listXattrs(abs));
    return entry(path, abs, st, names);
  }

  /** Lists through the open directory: its entries are looked at by name, not by whole path. */
  @Override
  public List<SourceEntry> list(RelPath dir) throws IOException {
    byte[] abs = dir.under(root);
    try (Posix.Dir d = Posix.openDir(abs)) {
      List<byte[]> names = d.names();
      names.sort(Arrays::compareUnsigned);
      List<SourceEntry> out = new ArrayList<>(names.size());
      for (byte[] name : names) {
        RelPath path = dir.child(name);
        try {
          Stat st = d.lstat(name);
          List<byte[]> xattrNames = xattrNames(st, () -> d.listXattrs(name));
          out.add(entry(path, path.under(root), st, xattrNames));
        } catch (java.nio.file.NoSuchFileException vanished) {
          // deleted between readdir and lstat: it simply is not part of this session
        }
      }
      return out;
    }
  }

  @Override
  public InputStream open(RelPath path) throws IOException {
    return Posix.openStream(path.under(root));
  }

  private SourceEntry entry(RelPath path, byte[] abs, Stat st, List<byte[]> xattrNames) throws IOException {
    if (xattrNames.isEmpty()) { // most entries: no xattrs, hence no ACL either
      return new SourceEntry(meta(path, abs, st), List.of(), List.of(), st.dev());
    }
    return new SourceEntry(meta(path, abs, st), xattrs(abs, xattrNames), acl(abs, st, xattrNames), st.dev());
  }

  private FileMeta meta(RelPath path, byte[] abs, Stat st) throws IOException {
    FileMeta.Builder b = new FileMeta.Builder();
    b.path = path;
    b.type = st.type();
    b.uid = st.uid();
    b.gid = st.gid();
    b.uname = accounts.userName(st.uid());
    b.gname = accounts.groupName(st.gid());
    b.permissions = st.permissions();
    switch (b.type) {
      case REGULAR -> {
        b.size = st.size();
        if (st.nlink() > 1) {
          b.numHardLinks = st.nlink();
          b.inode = st.inode();
          b.deviceLoc = st.dev();
        }
      }
      case SYMLINK -> b.symlinkTarget = Posix.readlink(abs);
      case DEVICE -> b.device = new DeviceNumber(st.isBlockDevice(), st.rdevMajor(), st.rdevMinor());
      default -> { }
    }
    if (b.type != FileType.SYMLINK && b.type != FileType.DEVICE) {
      b.mtime = st.mtimeSeconds();
    }
    return b.build();
  }

  /** How an entry's xattr names are listed: by path, or by name in its open directory. */
  private interface XattrLister {
    List<byte[]> names() throws IOException;
  }

  private static List<byte[]> xattrNames(Stat st, XattrLister lister) {
    if (st.type() == FileType.SYMLINK) {
      return List.of();
    }
    try {
      return lister.names();
    } catch (IOException e) {
      return List.of(); // unreadable xattrs: recorded as none, like rdiff-backup
    }
  }

  private static List<Xattr> xattrs(byte[] abs, List<byte[]> names) {
    List<Xattr> out = new ArrayList<>();
    try {
      for (byte[] name : names) {
        if (startsWith(name, SYSTEM_PREFIX)) {
          continue; // ACLs are recorded separately; other system.* are not backed up
        }
        byte[] value = Posix.getXattr(abs, name);
        if (value != null) {
          out.add(new Xattr(name, value));
        }
      }
    } catch (IOException e) {
      return List.of(); // unreadable xattrs: recorded as none, like rdiff-backup
    }
    out.sort(Comparator.comparing(Xattr::name, Arrays::compareUnsigned));
    return out;
  }

  private List<String> acl(byte[] abs, Stat st, List<byte[]> names) {
    boolean hasAcl = names.stream().anyMatch(n -> Arrays.equals(n, AclCodec.ACCESS) || Arrays.equals(n, AclCodec.DEFAULT));
    if (!hasAcl || (st.type() != FileType.REGULAR && st.type() != FileType.DIRECTORY)) {
      return List.of();
    }
    try {
      byte[] access = Posix.getXattr(abs, AclCodec.ACCESS);
      byte[] defaults = st.type() == FileType.DIRECTORY ? Posix.getXattr(abs, AclCodec.DEFAULT) : null;
      if (access == null && defaults == null) {
        return List.of();
      }
      return AclCodec.decode(access, defaults, accounts);
    } catch (IOException e) {
      return List.of();
    }
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
  }
}
