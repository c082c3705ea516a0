package dev.rewind.core;

/** The identity of a character or block device node: its kind and major/minor numbers. */
public record DeviceNumber(boolean block, long major, long minor) {
  public DeviceNumber {
    if (major < 0 || minor < 0) {
      throw new IllegalArgumentException("negative device number");
    }
  }

  /** Parses rdiff-backup's {@code DeviceNum} value, e.g. {@code c 1 3}. */
  public static DeviceNumber parse(String value) {
    String[] parts = value.trim().split(" +");
    if (parts.length != 3 || !(parts[0].equals("c") || parts[0].equals("b"))) {
      throw new IllegalArgumentException("bad DeviceNum '" + value + "'");
    }
    return new DeviceNumber(parts[0].equals("b"), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
  }

  public String format() {
    return (block ? "b " : "c ") + major + " " + minor;
  }
}
