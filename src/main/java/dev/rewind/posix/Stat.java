package dev.rewind.posix;

import dev.rewind.core.FileType;

/**
 * What {@code lstat} says of one file system entry: the fields a backup records.
 *
 * @param mode the full {@code st_mode}, type bits included
 * @param dev the containing device, encoded as glibc's {@code makedev} does ({@code st_dev})
 */
public record Stat(
    int mode,
    long uid,
    long gid,
    long size,
    long mtimeSeconds,
    int mtimeNanos,
    long inode,
    long dev,
    long nlink,
    long rdevMajor,
    long rdevMinor) {

  public static final int S_IFMT = 0170000;
  public static final int S_IFSOCK = 0140000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFIFO = 0010000;

  /** The entry's type as rdiff-backup classifies it. */
  public FileType type() {
    return switch (mode & S_IFMT) {
      case S_IFREG -> FileType.REGULAR;
      case S_IFDIR -> FileType.DIRECTORY;
      case S_IFLNK -> FileType.SYMLINK;
      case S_IFCHR, S_IFBLK -> FileType.DEVICE;
      case S_IFIFO -> FileType.FIFO;
      case S_IFSOCK -> FileType.SOCKET;
      default -> throw new IllegalStateException("unknown file type in mode " + Integer.toOctalString(mode));
    };
  }

  public boolean isBlockDevice() {
    return (mode & S_IFMT) == S_IFBLK;
  }

  /** Permission bits including setuid, setgid and sticky. */
  public int permissions() {
    return mode & 07777;
  }

  /** glibc's {@code makedev} encoding of a major/minor pair. */
  public static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32)
        | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12)
        | (minor & 0xffL);
  }
}
