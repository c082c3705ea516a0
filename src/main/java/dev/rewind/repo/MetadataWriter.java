package dev.rewind.repo;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import java.io.ByteArrayOutputStream;
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
    t.field("Type", m.type().keyword());
    switch (m.type()) {
      case REGULAR -> {
        t.field("Size", m.size());
        if (m.numHardLinks() > 1) {
          t.field("NumHardLinks", m.numHardLinks());
          t.field("Inode", m.inode());
          t.field("DeviceLoc", m.deviceLoc());
        }
        if (m.sha1() != null) {
          t.field("SHA1Digest", m.sha1());
        }
      }
      case SYMLINK -> t.raw("SymData", TextEscapes.quotePath(m.symlinkTarget()));
      case DEVICE -> t.field("DeviceNum", m.device().format());
      default -> { }
    }
    if (m.type() != FileType.SYMLINK && m.type() != FileType.DEVICE && m.mtime() != null) {
      t.field("ModTime", m.mtime());
    }
    t.field("Uid", m.uid());
    t.field("Uname", m.uname() == null ? ":" : m.uname());
    t.field("Gid", m.gid());
    t.field("Gname", m.gname() == null ? ":" : m.gname());
    t.field("Permissions", m.permissions());
    if (m.alternateMirrorName() != null) {
      t.field("AlternateMirrorName", m.alternateMirrorName());
    }
    if (m.alternateIncrementName() != null) {
      t.field("AlternateIncrementName", m.alternateIncrementName());
    }
    return t.bytes();
  }

  /** The record of a reverse diff saying the path did not exist at that session. */
  public static byte[] absent(RelPath path) {
    Text t = new Text();
    t.file(path);
    t.field("Type", "None");
    return t.bytes();
  }

  public static void write(OutputStream out, FileMeta m) throws IOException {
    out.write(record(m));
  }

  private static final class Text {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(192);

    void file(RelPath path) {
      out.writeBytes("File ".getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(TextEscapes.quotePath(path.indexBytes()));
      out.write('\n');
    }

    void field(String key, Object value) {
      raw(key, String.valueOf(value).getBytes(StandardCharsets.UTF_8));
    }

    void raw(String key, byte[] value) {
      out.writeBytes(("  " + key + " ").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(value);
      out.write('\n');
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
