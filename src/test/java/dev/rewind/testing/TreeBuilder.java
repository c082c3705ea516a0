package dev.rewind.testing;

import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A declarative builder of source trees for tests: creates and later mutates files, directories,
 * symlinks, hard links, fifos, sockets, devices, modes, owners, mtimes, {@code user.*} xattrs and
 * POSIX ACLs under one root, with names given as raw bytes.
 *
 * <p>Paths are relative to the root, components joined with {@code /}; a {@code String} path is
 * taken as UTF-8 and {@link #raw(String)} builds arbitrary bytes. All access goes through {@link
 * Posix}, so names that are not valid UTF-8 survive.
 *
 * <p>Time is explicit: every entry created or whose content changes gets the builder's {@link
 * #clock(long) clock} as its mtime (whole seconds), and so does the directory that contains it.
 * rdiff-backup detects changes by size and mtime only, so a test that changes content must move
 * the clock between sessions. {@link #chmod} and {@link #chown} leave mtimes alone. Methods throw
 * {@link UncheckedIOException} so that a tree reads as a list of calls.
 */
public final class TreeBuilder {
  private static final int DEFAULT_FILE_MODE = 0644;
  private static final int DEFAULT_DIR_MODE = 0755;

  private final byte[] root;
  private long clock;

  private TreeBuilder(byte[] root, long clock) {
    this.root = root;
    this.clock = clock;
  }

  /** A builder over {@code root}, created (mode 0755) if missing. The clock starts at {@code mtime}. */
  public static TreeBuilder at(byte[] root, long mtime) {
    TreeBuilder t = new TreeBuilder(root.clone(), mtime);
    try {
      if (Posix.lstatOrNull(root) == null) {
        Posix.mkdir(root, DEFAULT_DIR_MODE);
        Posix.chmod(root, DEFAULT_DIR_MODE);
      }
      Posix.setMtime(root, mtime, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return t;
  }

  public static TreeBuilder at(Path root, long mtime) {
    return at(Posix.bytes(root), mtime);
  }

  /** Bytes of a string whose chars are all below 256, one byte each: {@code raw("bad\u00ff.bin")}. */
  public static byte[] raw(String latin1) {
    for (int i = 0; i < latin1.length(); i++) {
      if (latin1.charAt(i) > 0xff) {
        throw new IllegalArgumentException("not a byte string: " + latin1);
      }
    }
    return latin1.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** {@code n} copies of one ASCII char, for long names. */
  public static String repeat(char c, int n) {
    return String.valueOf(c).repeat(n);
  }

  /** Joins name components (each raw bytes) with {@code /}. */
  public static byte[] path(byte[]... components) {
    int len = Math.max(0, components.length - 1);
    for (byte[] c : components) {
      len += c.length;
    }
    byte[] out = new byte[len];
    int pos = 0;
    for (int i = 0; i < components.length; i++) {
      if (i > 0) {
        out[pos++] = '/';
      }
      System.arraycopy(components[i], 0, out, pos, components[i].length);
      pos += components[i].length;
    }
    return out;
  }

  /** Deterministic pseudo-random content. */
  public static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < size; i += 8) {
      long v = r.nextLong();
      for (int k = 0; k < 8 && i + k < size; k++) {
        b[i + k] = (byte) (v >>> (8 * k));
      }
    }
    return b;
  }

  public byte[] root() {
    return root.clone();
  }

  /** The absolute path of a relative one. */
  public byte[] abs(byte[] rel) {
    return rel.length == 0 ? root.clone() : path(root, rel);
  }

  public byte[] abs(String rel) {
    return abs(utf8(rel));
  }

  /** Sets the mtime given to entries created or changed from now on. */
  public TreeBuilder clock(long mtime) {
    this.clock = mtime;
    return this;
  }

  public long clock() {
    return clock;
  }

  // ---- creation -------------------------------------------------------------------------

  public TreeBuilder file(String rel, String content) {
    return file(utf8(rel), content.getBytes(StandardCharsets.UTF_8), DEFAULT_FILE_MODE);
  }

  public TreeBuilder file(byte[] rel, String content) {
    return file(rel, content.getBytes(StandardCharsets.UTF_8), DEFAULT_FILE_MODE);
  }

  public TreeBuilder file(String rel, byte[] content) {
    return file(utf8(rel), content, DEFAULT_FILE_MODE);
  }

  /** A regular file with this content and mode (setuid etc. allowed). */
  public TreeBuilder file(byte[] rel, byte[] content, int mode) {
    return io(() -> {
      byte[] p = abs(rel);
      try (FileChannel ch = Posix.createNew(p, 0600)) {
        writeFully(ch, content, 0);
      }
      Posix.chmod(p, mode);
      stamp(rel);
    });
  }

  /** A regular file of {@code size} pseudo-random bytes from {@code seed}. */
  public TreeBuilder randomFile(String rel, int size, long seed) {
    return file(utf8(rel), randomBytes(size, seed), DEFAULT_FILE_MODE);
  }

  public TreeBuilder dir(String rel) {
    return dir(utf8(rel), DEFAULT_DIR_MODE);
  }

  public TreeBuilder dir(byte[] rel) {
    return dir(rel, DEFAULT_DIR_MODE);
  }

  public TreeBuilder dir(byte[] rel, int mode) {
    return io(() -> {
      byte[] p = abs(rel);
      Posix.mkdir(p, 0700);
      Posix.chmod(p, mode);
      stamp(rel);
    });
  }

  public TreeBuilder symlink(String rel, String target) {
    return symlink(utf8(rel), utf8(target));
  }

  /** A symlink with any target bytes (it need not exist). */
  public TreeBuilder symlink(byte[] rel, byte[] target) {
    return io(() -> {
      Posix.symlink(target, abs(rel));
      stamp(rel);
    });
  }

  public TreeBuilder hardlink(String rel, String existing) {
    return hardlink(utf8(rel), utf8(existing));
  }

  /** A new name {@code rel} for the existing file {@code existing}. */
  public TreeBuilder hardlink(byte[] rel, byte[] existing) {
    return io(() -> {
      Posix.link(abs(existing), abs(rel));
      touchParent(rel);
    });
  }

  public TreeBuilder fifo(String rel) {
    return special(utf8(rel), Stat.S_IFIFO, 0, 0);
  }

  public TreeBuilder socket(String rel) {
    return special(utf8(rel), Stat.S_IFSOCK, 0, 0);
  }

  public TreeBuilder charDevice(String rel, long major, long minor) {
    return special(utf8(rel), Stat.S_IFCHR, major, minor);
  }

  public TreeBuilder blockDevice(String rel, long major, long minor) {
    return special(utf8(rel), Stat.S_IFBLK, major, minor);
  }

  /** A fifo, socket or device node ({@code type} is one of {@code Stat.S_IF*}), mode 0644. */
  public TreeBuilder special(byte[] rel, int type, long major, long minor) {
    return io(() -> {
      byte[] p = abs(rel);
      Posix.mknod(p, type | 0600, major, minor);
      Posix.chmod(p, DEFAULT_FILE_MODE);
      stamp(rel);
    });
  }

  // ---- attributes -----------------------------------------------------------------------

  public TreeBuilder chmod(String rel, int mode) {
    return chmod(utf8(rel), mode);
  }

  /** Changes only the mode (the mtime stays). */
  public TreeBuilder chmod(byte[] rel, int mode) {
    return io(() -> Posix.chmod(abs(rel), mode));
  }

  public TreeBuilder chown(String rel, long uid, long gid) {
    return chown(utf8(rel), uid, gid);
  }

  /**
   * Changes only the owner, without following symlinks. The kernel clears setuid/setgid on a
   * chown; they are put back so that this really is an owner-only change.
   */
  public TreeBuilder chown(byte[] rel, long uid, long gid) {
    return io(() -> {
      byte[] p = abs(rel);
      Stat before = Posix.lstat(p);
      Posix.lchown(p, uid, gid);
      if (before.type() != dev.rewind.core.FileType.SYMLINK
          && (Posix.lstat(p).mode() & 07777) != before.permissions()) {
        Posix.chmod(p, before.permissions());
      }
    });
  }

  public TreeBuilder touch(String rel, long mtime) {
    return touch(utf8(rel), mtime);
  }

  /** Sets only the mtime (whole seconds, may be negative); symlinks are not followed. */
  public TreeBuilder touch(byte[] rel, long mtime) {
    return io(() -> Posix.setMtime(abs(rel), mtime, 0));
  }

  public TreeBuilder xattr(String rel, String name, byte[] value) {
    return xattr(utf8(rel), name, value);
  }

  /** Sets an extended attribute (normally {@code user.*}); the mtime stays. */
  public TreeBuilder xattr(byte[] rel, String name, byte[] value) {
    return io(() -> Posix.setXattr(abs(rel), name.getBytes(StandardCharsets.UTF_8), value));
  }

  /**
   * Applies a POSIX ACL with {@code setfacl -m SPEC} (e.g. {@code "u:nobody:r--,g::r-x"}, or
   * {@code "d:u:nobody:rwx"} for a default entry). setfacl takes paths as strings, so {@code rel}
   * must be plain ASCII. The mtime stays.
   */
  public TreeBuilder acl(String rel, String spec) {
    for (char c : rel.toCharArray()) {
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException("setfacl needs a plain ASCII path: " + rel);
      }
    }
    Tools.require("setfacl");
    String absolute = new String(abs(rel), StandardCharsets.UTF_8);
    Proc.run(List.of("setfacl", "-m", spec, absolute), null, Map.of(), Duration.ofSeconds(30)).expect(0);
    return this;
  }

  /** Removes every ACL entry beyond the mode bits ({@code setfacl -b}). */
  public TreeBuilder aclClear(String rel) {
    Tools.require("setfacl");
    String absolute = new String(abs(rel), StandardCharsets.UTF_8);
    Proc.run(List.of("setfacl", "-b", absolute), null, Map.of(), Duration.ofSeconds(30)).expect(0);
    return this;
  }

  // ---- content mutations ----------------------------------------------------------------

  public TreeBuilder write(String rel, String content) {
    return write(utf8(rel), content.getBytes(StandardCharsets.UTF_8));
  }

  /** Replaces the whole content of an existing regular file (same inode, mode and owner). */
  public TreeBuilder write(byte[] rel, byte[] content) {
    return io(() -> {
      try (FileChannel ch = openWrite(abs(rel))) {
        ch.truncate(0);
        writeFully(ch, content, 0);
      }
      stamp(rel);
    });
  }

  public TreeBuilder editAt(String rel, long offset, byte[] bytes) {
    return editAt(utf8(rel), offset, bytes);
  }

  /** Overwrites bytes in place at {@code offset} (same size unless it writes past the end). */
  public TreeBuilder editAt(byte[] rel, long offset, byte[] bytes) {
    return io(() -> {
      try (FileChannel ch = openWrite(abs(rel))) {
        writeFully(ch, bytes, offset);
      }
      stamp(rel);
    });
  }

  public TreeBuilder append(String rel, String text) {
    return append(utf8(rel), text.getBytes(StandardCharsets.UTF_8));
  }

  public TreeBuilder append(String rel, byte[] bytes) {
    return append(utf8(rel), bytes);
  }

  public TreeBuilder append(byte[] rel, byte[] bytes) {
    return io(() -> {
      try (FileChannel ch = openWrite(abs(rel))) {
        writeFully(ch, bytes, ch.size());
      }
      stamp(rel);
    });
  }

  public TreeBuilder truncate(String rel, long size) {
    return truncate(utf8(rel), size);
  }

  public TreeBuilder truncate(byte[] rel, long size) {
    return io(() -> {
      try (FileChannel ch = openWrite(abs(rel))) {
        ch.truncate(size);
      }
      stamp(rel);
    });
  }

  // ---- structural mutations -------------------------------------------------------------

  public TreeBuilder delete(String rel) {
    return delete(utf8(rel));
  }

  /** Deletes an entry of any type; directories recursively. */
  public TreeBuilder delete(byte[] rel) {
    return io(() -> {
      deleteRecursively(abs(rel));
      touchParent(rel);
    });
  }

  /** Deletes any tree (a directory recursively) at an absolute byte path; missing is fine. */
  public static void deleteRecursively(byte[] absolute) throws IOException {
    Stat st = Posix.lstatOrNull(absolute);
    if (st == null) {
      return;
    }
    if ((st.mode() & Stat.S_IFMT) == Stat.S_IFDIR) {
      if ((st.mode() & 0700) != 0700) {
        Posix.chmod(absolute, 0700);
      }
      for (byte[] name : Posix.list(absolute)) {
        deleteRecursively(path(absolute, name));
      }
      Posix.rmdir(absolute);
    } else {
      Posix.unlink(absolute);
    }
  }

  public static void deleteRecursively(Path p) throws IOException {
    deleteRecursively(Posix.bytes(p));
  }

  public TreeBuilder replaceWithFile(String rel, String content) {
    return replaceWithFile(utf8(rel), content.getBytes(StandardCharsets.UTF_8));
  }

  /** Replaces whatever is at {@code rel} (a directory, a symlink, ...) by a regular file. */
  public TreeBuilder replaceWithFile(byte[] rel, byte[] content) {
    return delete(rel).file(rel, content, DEFAULT_FILE_MODE);
  }

  public TreeBuilder replaceWithDir(String rel) {
    return delete(rel).dir(rel);
  }

  public TreeBuilder replaceWithSymlink(String rel, String target) {
    return delete(rel).symlink(rel, target);
  }

  /** Points a symlink somewhere else (a new symlink under the same name). */
  public TreeBuilder retarget(byte[] rel, byte[] target) {
    return delete(rel).symlink(rel, target);
  }

  public TreeBuilder retarget(String rel, String target) {
    return retarget(utf8(rel), utf8(target));
  }

  public TreeBuilder breakHardLink(String rel) {
    return breakHardLink(utf8(rel));
  }

  /**
   * Gives {@code rel} its own inode with the same content, mode and owner. Its mtime becomes the
   * clock, so that rdiff-backup sees the change even where it ignores inode numbers.
   */
  public TreeBuilder breakHardLink(byte[] rel) {
    return io(() -> {
      byte[] p = abs(rel);
      Stat st = Posix.lstat(p);
      byte[] content = readAll(p);
      Posix.unlink(p);
      try (FileChannel ch = Posix.createNew(p, 0600)) {
        writeFully(ch, content, 0);
      }
      Posix.lchown(p, st.uid(), st.gid());
      Posix.chmod(p, st.permissions());
      stamp(rel);
    });
  }

  /** The whole content of a regular file. */
  public byte[] read(String rel) {
    try {
      return readAll(abs(utf8(rel)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] readAll(byte[] absolute) throws IOException {
    try (FileChannel ch = Posix.openRead(absolute)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE - 16) {
        throw new IOException("too big for a test: " + Posix.display(absolute));
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // keep reading
      }
      return Arrays.copyOf(buf.array(), buf.position());
    }
  }

  // ---- helpers --------------------------------------------------------------------------

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Opens an existing file for writing in place (same inode, so hard links stay linked). NIO
   * cannot name a non-UTF-8 path and {@link Posix} only creates files, so this goes through a
   * fresh ASCII-named symlink to the file in a private temporary directory.
   */
  private static synchronized FileChannel openWrite(byte[] absolute) throws IOException {
    Stat st = Posix.lstat(absolute);
    if ((st.mode() & Stat.S_IFMT) != Stat.S_IFREG) {
      throw new IOException("not a regular file: " + Posix.display(absolute));
    }
    if (aliasDir == null) {
      aliasDir = Files.createTempDirectory("treebuilder-");
      aliasDir.toFile().deleteOnExit();
    }
    Path alias = aliasDir.resolve("f" + (++aliasCounter));
    Posix.symlink(absolute, Posix.bytes(alias));
    try {
      return FileChannel.open(alias, StandardOpenOption.WRITE);
    } finally {
      Files.delete(alias);
    }
  }

  private static Path aliasDir;
  private static long aliasCounter;

  private static void writeFully(FileChannel ch, byte[] bytes, long offset) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    long pos = offset;
    while (buf.hasRemaining()) {
      pos += ch.write(buf, pos);
    }
  }

  /** Sets {@code rel}'s mtime to the clock, then its parent's (the change touched it). */
  private void stamp(byte[] rel) throws IOException {
    Posix.setMtime(abs(rel), clock, 0);
    touchParent(rel);
  }

  private void touchParent(byte[] rel) throws IOException {
    int slash = -1;
    for (int i = rel.length - 1; i >= 0; i--) {
      if (rel[i] == '/') {
        slash = i;
        break;
      }
    }
    byte[] parent = slash < 0 ? root : path(root, Arrays.copyOf(rel, slash));
    Posix.setMtime(parent, clock, 0);
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private TreeBuilder io(IoAction action) {
    try {
      action.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Lists the entries created so far, for debugging: relative names, raw bytes. */
  public List<byte[]> list(String relDir) {
    try {
      return new ArrayList<>(Posix.list(abs(relDir)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
