package dev.rewind.posix;

import java.io.IOException;

/**
 * One name in a directory listing with {@code readdir}'s {@code d_type} hint (0 when the file
 * system does not fill it in).
 */
public record DirEntry(byte[] name, int dtype) {
  private static final int DT_UNKNOWN = 0;
  private static final int DT_DIR = 4;

  /** Whether the entry is a directory, asking {@code lstat} only when the hint is missing. */
  public boolean isDirectory(byte[] parent) throws IOException {
    if (dtype != DT_UNKNOWN) {
      return dtype == DT_DIR;
    }
    byte[] full = new byte[parent.length + 1 + name.length];
    System.arraycopy(parent, 0, full, 0, parent.length);
    full[parent.length] = '/';
    System.arraycopy(name, 0, full, parent.length + 1, name.length);
    return (Posix.lstat(full).mode() & Stat.S_IFMT) == Stat.S_IFDIR;
  }
}
