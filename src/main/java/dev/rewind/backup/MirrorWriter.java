package dev.rewind.backup;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.FilenameQuoting;
import dev.rewind.repo.Xattr;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Changes the mirror, one entry at a time, never in place: new content is written to a
 * temporary sibling ({@code rdiff-backup.tmp.N}, which regress removes) and renamed over the
 * entry. As root, mirror entries get the source's owners and modes, like rdiff-backup; as
 * another user they are private to that user (files 0600, directories 0700) and the metadata
 * alone carries owners and modes.
 */
final class MirrorWriter {
  private static final int BUFFER = 1 << 18;
  /** How much of a mirror file may be written before the kernel is asked to start writing it out. */
  private static final long WRITE_BACK_EVERY = 8L << 20;

  private final byte[] root;
  private final FilenameQuoting quoting;
  private final boolean asRoot;
  private final AtomicLong tempCounter = new AtomicLong();

  /** New content in a temporary file, ready to be renamed over its entry. */
  record Staged(byte[] temp, String sha1, long size) {}

  MirrorWriter(byte[] root, FilenameQuoting quoting, boolean asRoot) {
    this.root = root;
    this.quoting = quoting;
    this.asRoot = asRoot;
  }

  byte[] path(RelPath p) {
    if (!quoting.isActive()) {
      return p.under(root);
    }
    byte[] out = root;
    for (byte[] c : p.components()) {
      out = Posix.join(out, quoting.quote(c));
    }
    return out;
  }

  private byte[] tempBeside(RelPath p) {
    RelPath parent = p.isRoot() ? RelPath.ROOT : p.parent();
    String name = "rdiff-backup.tmp." + ProcessHandle.current().pid() + "." + tempCounter.incrementAndGet();
    return path(parent.child(name.getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * A copy buffer for {@code meta}'s content: {@link #BUFFER} for big files, the file's size
   * (at least 8 KiB) for small ones. Two 256 KiB arrays per file, zeroed by the JVM, cost a small
   * file many times what its copy does.
   */
  private static int bufferFor(FileMeta meta) {
    return (int) Math.min(BUFFER, Math.max(meta.size() + 1, 8192));
  }

  /** Writes content to an output stream. */
  interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Copies source content into a temporary sibling of {@code meta}'s entry, hashing it on the way,
   * and gives it the entry's attributes.
   */
  Staged stage(FileMeta meta, List<Xattr> xattrs, InputStream content) throws IOException {
    try (InputStream in = content) {
      return stage(meta, xattrs, out -> {
        byte[] buf = new byte[bufferFor(meta)];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          out.write(buf, 0, n);
        }
      });
    }
  }

  /**
   * Writes content into a temporary sibling of {@code meta}'s entry, hashing it on the way, and
   * gives it the entry's attributes (through the open file: no path lookups).
   */
  Staged stage(FileMeta meta, List<Xattr> xattrs, Content content) throws IOException {
    byte[] temp = tempBeside(meta.path());
    MessageDigest sha1 = sha1();
    long[] size = {0};
    Posix.NewFile file = Posix.createStream(temp, 0600, WRITE_BACK_EVERY);
    try (OutputStream raw = RepositoryWriteException.guard(file, root, meta.path().toString())) {
      OutputStream hashing = new java.io.FilterOutputStream(raw) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          raw.write(b, off, len);
          sha1.update(b, off, len);
          size[0] += len;
        }

        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }
      };
      OutputStream buffered = new java.io.BufferedOutputStream(hashing, bufferFor(meta));
      content.writeTo(buffered);
      buffered.flush();
      // No fsync per file: the session syncs the file system once before it commits. Write-back
      // of big files starts while they are written, so that sync finds little left to do.
      applyAttributes(file, meta, xattrs);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(temp);
      throw e;
    }
    return new Staged(temp, HexFormat.of().formatHex(sha1.digest()), size[0]);
  }

  /** Renames staged content into place as {@code meta}'s entry. */
  void commit(Staged staged, FileMeta meta) throws IOException {
    try {
      CrashPoints.reach("mirror file staged");
      Posix.rename(staged.temp(), path(meta.path()));
      CrashPoints.reach("mirror file renamed");
    } catch (IOException e) {
      deleteQuietly(staged.temp());
      throw e;
    }
  }

  void discard(Staged staged) {
    deleteQuietly(staged.temp());
  }

  /** Makes {@code meta}'s entry a hard link to an already written mirror file. */
  void link(FileMeta meta, byte[] existing) throws IOException {
    byte[] temp = tempBeside(meta.path());
    Posix.link(existing, temp);
    Posix.rename(temp, path(meta.path()));
    CrashPoints.reach("mirror hard link");
  }

  /** Creates a directory (private until {@link #finishDirectory}); an existing one is kept. */
  void directory(FileMeta meta) throws IOException {
    byte[] p = path(meta.path());
    Stat st = Posix.lstatOrNull(p);
    if (st != null && st.type() == FileType.DIRECTORY) {
      return;
    }
    if (st != null) {
      Posix.unlink(p);
    }
    Posix.mkdir(p, 0700);
    CrashPoints.reach("mirror mkdir");
  }

  /** Sets a directory's attributes once its children are done. */
  void finishDirectory(FileMeta meta, List<Xattr> xattrs) throws IOException {
    applyAttributes(path(meta.path()), meta, xattrs);
  }

  /** Puts the attributes of an existing entry (owner, mode, mtime) back to {@code meta}'s. */
  void attributes(FileMeta meta, List<Xattr> xattrs) throws IOException {
    applyAttributes(path(meta.path()), meta, xattrs);
  }

  /** Writes a symlink, fifo, socket or device node (an empty file where that needs root). */
  void special(FileMeta meta, List<Xattr> xattrs) throws IOException {
    byte[] temp = tempBeside(meta.path());
    switch (meta.type()) {
      case SYMLINK -> Posix.symlink(meta.symlinkTarget(), temp);
      case FIFO -> Posix.mknod(temp, Stat.S_IFIFO | 0600, 0, 0);
      case SOCKET -> Posix.mknod(temp, Stat.S_IFSOCK | 0600, 0, 0);
      case DEVICE -> {
        if (asRoot) {
          Posix.mknod(temp, (meta.device().block() ? Stat.S_IFBLK : Stat.S_IFCHR) | 0600,
              meta.device().major(), meta.device().minor());
        } else {
          Posix.createNew(temp, 0600).close();
        }
      }
      default -> throw new IllegalArgumentException("not a special file: " + meta);
    }
    try {
      applyAttributes(temp, meta, xattrs);
      Posix.rename(temp, path(meta.path()));
      CrashPoints.reach("mirror special");
    } catch (IOException e) {
      deleteQuietly(temp);
      throw e;
    }
  }

  /** Removes an entry of the mirror, a whole directory tree included. */
  void remove(RelPath p) throws IOException {
    deleteTree(path(p));
    CrashPoints.reach("mirror remove");
  }

  static void deleteTree(byte[] p) throws IOException {
    Stat st = Posix.lstatOrNull(p);
    if (st == null) {
      return;
    }
    if (st.type() == FileType.DIRECTORY) {
      Posix.chmod(p, 0700);
      for (byte[] name : Posix.list(p)) {
        deleteTree(RelPath.ROOT.child(name).under(p));
      }
      Posix.rmdir(p);
    } else {
      Posix.unlink(p);
    }
  }

  private void applyAttributes(byte[] p, FileMeta meta, List<Xattr> xattrs) throws IOException {
    if (meta.path().isRoot()) {
      // The repository root stays 0700 whatever the source root's mode: it guards everything.
      Posix.setMtime(p, meta.mtime(), 0);
      return;
    }
    if (meta.type() == FileType.SYMLINK) {
      if (asRoot) {
        Posix.lchown(p, meta.uid(), meta.gid());
      }
      return;
    }
    if (asRoot) {
      Posix.lchown(p, meta.uid(), meta.gid());
      for (Xattr x : xattrs) {
        try {
          Posix.setXattr(p, x.name(), x.value());
        } catch (IOException e) {
          // the mirror's xattrs are a convenience; the metadata holds the authoritative copy
        }
      }
      Posix.chmod(p, meta.permissions());
    } else {
      Posix.chmod(p, meta.type() == FileType.DIRECTORY ? 0700 : 0600);
    }
    if (meta.mtime() != null) {
      Posix.setMtime(p, meta.mtime(), 0);
    }
  }

  /** {@link #applyAttributes(byte[], FileMeta, List)} for a regular file still open after writing. */
  private void applyAttributes(Posix.NewFile file, FileMeta meta, List<Xattr> xattrs) throws IOException {
    if (asRoot) {
      file.chown(meta.uid(), meta.gid());
      for (Xattr x : xattrs) {
        try {
          file.setXattr(x.name(), x.value());
        } catch (IOException e) {
          // the mirror's xattrs are a convenience; the metadata holds the authoritative copy
        }
      }
      file.chmod(meta.permissions());
    } else {
      file.chmod(0600); // created 0600, but a strict umask may have taken bits away
    }
    if (meta.mtime() != null) {
      file.setMtime(meta.mtime(), 0);
    }
  }

  private static MessageDigest sha1() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-1", e);
    }
  }

  static void deleteQuietly(byte[] p) {
    try {
      Posix.unlink(p);
    } catch (IOException e) {
      // nothing to clean up
    }
  }
}
