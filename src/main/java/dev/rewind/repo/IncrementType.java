package dev.rewind.repo;

/** The type part of an increment-style file name, and what it means for the old version. */
public enum IncrementType {
  /** Full content (regular file) or a node of the old kind (special file). */
  SNAPSHOT("snapshot"),
  /** A librsync delta whose basis is the next newer version. */
  DIFF("diff"),
  /** The path was a directory. */
  DIR("dir"),
  /** The path did not exist. */
  MISSING("missing"),
  /** A per-session side file (markers, statistics, logs). */
  DATA("data");

  private final String suffix;

  IncrementType(String suffix) {
    this.suffix = suffix;
  }

  public String suffix() {
    return suffix;
  }

  static IncrementType ofSuffix(String s) {
    for (IncrementType t : values()) {
      if (t.suffix.equals(s)) {
        return t;
      }
    }
    return null;
  }
}
