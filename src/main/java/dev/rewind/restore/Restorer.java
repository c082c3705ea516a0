package dev.rewind.restore;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.MetadataChain;
import dev.rewind.posix.Accounts;
import dev.rewind.posix.AclCodec;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.Xattr;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Restores the tree (or one entry) of a session to a local directory, as {@code rdiff-backup
 * restore --at} does: content, then owner (names win over ids when they exist here), xattrs,
 * mode, ACL and mtime; directories get their attributes after their children; hard links are
 * linked to the group's first path. As non-root it sets what it can and reports the rest. One
 * bad file does not stop the restore: it is reported and the rest goes on.
 */
public final class Restorer {

  private final History history;
  private final SessionTime session;
  private final boolean root = Posix.isRoot();
  private final boolean numericIds;
  private final Accounts accounts = new Accounts();
  private final List<String> failures = new ArrayList<>();
  private final Map<String, byte[]> firstLinks = new HashMap<>();
  private final List<Pending> directories = new ArrayList<>();
  private Map<RelPath, List<Xattr>> xattrs;
  private Map<RelPath, List<String>> acls;
  private long entries;
  private long bytes;
  private long ownersSkipped;
  private long devicesSkipped;
  private long xattrsSkipped;
  private long aclEntriesDropped;

  private record Pending(byte[] target, FileMeta meta) {}

  /** One output buffer for the whole restore (a fresh 256 KiB buffer per file costs more than the copy). */
  private final byte[] buffer = new byte[1 << 18];

  /** Buffers small writes (delta literals) in a buffer the restore owns; large ones go straight through. */
  private static final class SharedBufferOutput extends java.io.FilterOutputStream {
    private final byte[] buf;
    private int count;

    SharedBufferOutput(OutputStream out, byte[] buf) {
      super(out);
      this.buf = buf;
    }

    @Override
    public void write(int b) throws IOException {
      if (count == buf.length) {
        flushBuffer();
      }
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len >= buf.length) {
        flushBuffer();
        out.write(b, off, len);
        return;
      }
      if (len > buf.length - count) {
        flushBuffer();
      }
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    private void flushBuffer() throws IOException {
      if (count > 0) {
        out.write(buf, 0, count);
        count = 0;
      }
    }

    @Override
    public void flush() throws IOException {
      flushBuffer();
    }

    @Override
    public void close() throws IOException {
      try {
        flushBuffer();
      } finally {
        out.close();
      }
    }
  }

  public Restorer(History history, SessionTime session, boolean numericIds) {
    this.history = history;
    this.session = session;
    this.numericIds = numericIds;
  }

  /**
   * Restores {@code subtree} as of the session to {@code target}, which must not exist or be
   * an empty directory.
   */
  public RestoreReport restore(RelPath subtree, byte[] target) throws IOException {
    xattrs = history.xattrs(session);
    acls = history.acls(session);
    boolean found = false;
    try (MetadataChain chain = history.entries(session)) {
      for (FileMeta m = chain.next(); m != null; m = chain.next()) {
        if (!subtree.contains(m.path())) {
          if (found) {
            break; // index order: the subtree is one contiguous run
          }
          continue;
        }
        if (!found) {
          prepareTarget(target, m);
          found = true;
        }
        restoreEntry(m, m.path().relativeTo(subtree).under(target));
      }
    }
    if (!found) {
      throw new RepositoryException("'" + subtree + "' does not exist at session " + session
          + " of '" + history.repository().display() + "'");
    }
    finishDirectories();
    return new RestoreReport(entries, bytes, failures, limitations());
  }

  private void prepareTarget(byte[] target, FileMeta first) throws IOException {
    Stat st = Posix.lstatOrNull(target);
    if (st == null) {
      return;
    }
    boolean emptyDir = first.type() == FileType.DIRECTORY && st.type() == FileType.DIRECTORY
        && Posix.list(target).isEmpty();
    if (!emptyDir) {
      throw new FileSystemException(Posix.display(target), null,
          "restore target exists and is not an empty directory; choose a new path");
    }
    Posix.rmdir(target); // recreated with the restored attributes below
  }

  private void restoreEntry(FileMeta m, byte[] target) {
    entries++;
    try {
      switch (m.type()) {
        case DIRECTORY -> {
          Posix.mkdir(target, 0700);
          directories.add(new Pending(target, m));
          return;
        }
        case REGULAR -> restoreRegular(m, target);
        case SYMLINK -> Posix.symlink(m.symlinkTarget(), target);
        case FIFO -> Posix.mknod(target, Stat.S_IFIFO | 0600, 0, 0);
        case SOCKET -> Posix.mknod(target, Stat.S_IFSOCK | 0600, 0, 0);
        case DEVICE -> {
          if (!restoreDevice(m, target)) {
            return;
          }
        }
      }
      applyAttributes(target, m);
    } catch (IOException e) {
      failures.add("'" + m.path() + "': " + e.getMessage());
    }
  }

  private void restoreRegular(FileMeta m, byte[] target) throws IOException {
    if (m.isHardLinked()) {
      byte[] first = firstLinks.get(m.hardLinkKey());
      if (first != null) {
        try {
          Posix.link(first, target);
          return;
        } catch (IOException e) {
          // fall back to an independent copy of the content
        }
      } else {
        firstLinks.put(m.hardLinkKey(), target);
      }
    }
    try (OutputStream out = new SharedBufferOutput(Posix.createStream(target, 0600), buffer)) {
      history.content().copyTo(m, session, out);
      bytes += m.size();
    } catch (IOException e) {
      firstLinks.remove(m.hardLinkKey(), target);
      try {
        Posix.unlink(target); // never leave content that failed its check
      } catch (IOException ignored) {
        // it was never created
      }
      throw e;
    }
  }

  private boolean restoreDevice(FileMeta m, byte[] target) throws IOException {
    int kind = m.device().block() ? Stat.S_IFBLK : Stat.S_IFCHR;
    try {
      Posix.mknod(target, kind | 0600, m.device().major(), m.device().minor());
      return true;
    } catch (java.nio.file.AccessDeniedException e) {
      if (root) {
        throw e;
      }
      devicesSkipped++;
      return false;
    }
  }

  private void applyAttributes(byte[] target, FileMeta m) throws IOException {
    setOwner(target, m);
    if (m.type() == FileType.SYMLINK) {
      return; // Linux symlinks have no mode of their own, and rdiff-backup records no mtime
    }
    setXattrs(target, m);
    Posix.chmod(target, m.permissions());
    setAcl(target, m);
    if (m.mtime() != null) {
      Posix.setMtime(target, m.mtime(), 0);
    }
  }

  private void setOwner(byte[] target, FileMeta m) throws IOException {
    long uid = m.uid();
    long gid = m.gid();
    if (!numericIds) {
      if (m.uname() != null) {
        uid = accounts.uid(m.uname()).orElse(uid);
      }
      if (m.gname() != null) {
        gid = accounts.gid(m.gname()).orElse(gid);
      }
    }
    if (root) {
      Posix.lchown(target, uid, gid);
      return;
    }
    Stat st = Posix.lstat(target);
    if (st.uid() != uid || st.gid() != gid) {
      try {
        Posix.lchown(target, uid, gid);
      } catch (IOException e) {
        ownersSkipped++;
      }
    }
  }

  private void setXattrs(byte[] target, FileMeta m) {
    for (Xattr x : xattrs.getOrDefault(m.path(), List.of())) {
      try {
        Posix.setXattr(target, x.name(), x.value());
      } catch (IOException e) {
        xattrsSkipped++;
      }
    }
  }

  private void setAcl(byte[] target, FileMeta m) throws IOException {
    List<String> lines = acls.get(m.path());
    if (lines == null) {
      return;
    }
    AclCodec.Encoded acl = AclCodec.encode(lines, accounts);
    aclEntriesDropped += acl.dropped().size();
    Posix.setXattr(target, AclCodec.ACCESS, acl.access());
    if (acl.defaults() != null && m.type() == FileType.DIRECTORY) {
      Posix.setXattr(target, AclCodec.DEFAULT, acl.defaults());
    }
  }

  /** Directory attributes go last, children first, so that restoring them does not change them. */
  private void finishDirectories() {
    for (int i = directories.size() - 1; i >= 0; i--) {
      Pending d = directories.get(i);
      try {
        applyAttributes(d.target(), d.meta());
      } catch (IOException e) {
        failures.add("'" + d.meta().path() + "': " + e.getMessage());
      }
    }
  }

  private List<String> limitations() {
    List<String> out = new ArrayList<>();
    if (ownersSkipped > 0) {
      out.add("owner or group not set on " + ownersSkipped + " entries (restoring as non-root)");
    }
    if (devicesSkipped > 0) {
      out.add(devicesSkipped + " device nodes not created (restoring as non-root)");
    }
    if (xattrsSkipped > 0) {
      out.add(xattrsSkipped + " extended attributes could not be set"
          + (root ? "" : " (trusted.* and security.* need root)"));
    }
    if (aclEntriesDropped > 0) {
      out.add(aclEntriesDropped + " ACL entries dropped (their user or group does not exist here)");
    }
    return out;
  }
}
