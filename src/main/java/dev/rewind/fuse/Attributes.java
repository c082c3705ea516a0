package dev.rewind.fuse;

/**
 * What {@code getattr} reports for one node of the mount: {@code st_mode} (type and permission
 * bits), inode number, link count, owner, size, device number ({@code makedev} encoding), and
 * mtime in epoch seconds (also used for atime and ctime).
 */
record Attributes(int mode, long ino, long nlink, long uid, long gid, long size, long rdev, long mtime) {
  static final int S_IFDIR = 0040000;
  static final int S_IFLNK = 0120000;
  static final int S_IFREG = 0100000;
  static final int S_IFMT = 0170000;

  boolean isDirectory() {
    return (mode & S_IFMT) == S_IFDIR;
  }

  boolean isRegular() {
    return (mode & S_IFMT) == S_IFREG;
  }

  boolean isSymlink() {
    return (mode & S_IFMT) == S_IFLNK;
  }

  /** 512-byte blocks, as {@code du} counts them. */
  long blocks() {
    return isDirectory() ? 8 : (size + 511) / 512;
  }

  /** glibc's {@code makedev}, which is also the kernel's 32-bit encoding for small numbers. */
  static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }
}
