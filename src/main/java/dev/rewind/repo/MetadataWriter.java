package dev.rewind.repo;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@code mirror_metadata} records byte for byte as rdiff-backup 2.2.2 does (same fields,
 * same order), so that rdiff-backup sees no spurious change when it continues a repository.
 */
public final class MetadataWriter {
  private MetadataWriter() {}

  /** The complete record text of an entry, ending with a newline. */
  public static byte[] record(FileMeta m) {
    Text t = new Text();
    t.file(m.path());
    t.field(TYPE, m.type().keyword());
    switch (m.type()) {
      case REGULAR -> {
        t.field(SIZE, m.size());
        if (m.numHardLinks() > 1) {
          t.field(NUM_HARD_LINKS, m.numHardLinks());
          t.field(INODE, m.inode());
          t.field(DEVICE_LOC, m.deviceLoc());
        }
        if (m.sha1() != null) {
          t.field(SHA1, m.sha1());
        }
      }
      case SYMLINK -> t.field(SYM_DATA, TextEscapes.quotePath(m.symlinkTarget()));
      case DEVICE -> t.field(DEVICE_NUM, m.device().format());
      default -> { }
    }
    if (m.type() != FileType.SYMLINK && m.type() != FileType.DEVICE && m.mtime() != null) {
      t.field(MOD_TIME, m.mtime());
    }
    t.field(UID, m.uid());
    t.field(UNAME, m.uname() == null ? ":" : m.uname());
    t.field(GID, m.gid());
    t.field(GNAME, m.gname() == null ? ":" : m.gname());
    t.field(PERMISSIONS, m.permissions());
    if (m.alternateMirrorName() != null) {
      t.field(ALTERNATE_MIRROR_NAME, m.alternateMirrorName());
    }
    if (m.alternateIncrementName() != null) {
      t.field(ALTERNATE_INCREMENT_NAME, m.alternateIncrementName());
    }
    return t.bytes();
  }

  /** The record of a reverse diff saying the path did not exist at that session. */
  public static byte[] absent(RelPath path) {
    Text t = new Text();
    t.file(path);
    t.field(TYPE, "None");
    return t.bytes();
  }

  public static void write(OutputStream out, FileMeta m) throws IOException {
    out.write(record(m));
  }

  // Each field line is "  Key value\n"; the keys with their indent and space, encoded once.
  private static final byte[] FILE = key("File");
  private static final byte[] TYPE = key("  Type");
  private static final byte[] SIZE = key("  Size");
  private static final byte[] NUM_HARD_LINKS = key("  NumHardLinks");
  private static final byte[] INODE = key("  Inode");
  private static final byte[] DEVICE_LOC = key("  DeviceLoc");
  private static final byte[] SHA1 = key("  SHA1Digest");
  private static final byte[] SYM_DATA = key("  SymData");
  private static final byte[] DEVICE_NUM = key("  DeviceNum");
  private static final byte[] MOD_TIME = key("  ModTime");
  private static final byte[] UID = key("  Uid");
  private static final byte[] UNAME = key("  Uname");
  private static final byte[] GID = key("  Gid");
  private static final byte[] GNAME = key("  Gname");
  private static final byte[] PERMISSIONS = key("  Permissions");
  private static final byte[] ALTERNATE_MIRROR_NAME = key("  AlternateMirrorName");
  private static final byte[] ALTERNATE_INCREMENT_NAME = key("  AlternateIncrementName");

  private static byte[] key(String indentedKey) {
    return (indentedKey + " ").getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A record under construction. One is made per record of every entry of every session, so it
   * writes digits and bytes straight into one array instead of going through strings.
   */
  private static final class Text {
    private byte[] buf = new byte[256];
    private int len;

    void file(RelPath path) {
      put(FILE);
      put(TextEscapes.quotePath(path.indexBytes()));
      put('\n');
    }

    void field(byte[] key, String value) {
      field(key, value.getBytes(StandardCharsets.UTF_8));
    }

    void field(byte[] key, byte[] value) {
      put(key);
      put(value);
      put('\n');
    }

    void field(byte[] key, long value) {
      put(key);
      if (value < 0) {
        put(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
      } else {
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
          digits++;
        }
        room(digits);
        for (int i = len + digits - 1; i >= len; i--) {
          buf[i] = (byte) ('0' + value % 10);
          value /= 10;
        }
        len += digits;
      }
      put('\n');
    }

    private void put(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }

    private void put(char c) {
      room(1);
      buf[len++] = (byte) c;
    }

    private void room(int n) {
      if (len + n > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
    }

    byte[] bytes() {
      return java.util.Arrays.copyOf(buf, len);
    }
  }
}
