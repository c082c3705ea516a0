package dev.rewind.core;

/** The kind of a file system entry, with the keyword rdiff-backup's metadata uses for it. */
public enum FileType {
  REGULAR("reg"),
  DIRECTORY("dir"),
  SYMLINK("sym"),
  DEVICE("dev"),
  FIFO("fifo"),
  SOCKET("sock");

  private final String keyword;

  FileType(String keyword) {
    this.keyword = keyword;
  }

  /** The {@code Type} value in {@code mirror_metadata}. */
  public String keyword() {
    return keyword;
  }

  /** The type for a metadata keyword, or null if unknown. */
  public static FileType ofKeyword(String keyword) {
    for (FileType t : values()) {
      if (t.keyword.equals(keyword)) {
        return t;
      }
    }
    return null;
  }
}
