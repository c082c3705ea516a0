package dev.rewind.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rewind.core.DeviceNumber;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The record text, byte for byte as rdiff-backup 2.2.2 writes it, and what the reader makes of it. */
class MetadataWriterTest {
  @Test
  void regularFileWithHardLinks_fieldsInRdiffBackupsOrder() {
    FileMeta m = builder("etc/pass\nwd", FileType.REGULAR, b -> {
      b.size = 1234567890123L;
      b.numHardLinks = 2;
      b.inode = 9_007_199_254_740_993L;
      b.deviceLoc = 2049;
      b.sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
      b.mtime = 1_700_000_000L;
      b.uid = 4_294_967_294L;
      b.uname = "jürgen";
      b.gid = 0;
      b.permissions = 04755;
      b.alternateMirrorName = 7;
    });
    assertEquals("""
        File etc/pass\\nwd
          Type reg
          Size 1234567890123
          NumHardLinks 2
          Inode 9007199254740993
          DeviceLoc 2049
          SHA1Digest da39a3ee5e6b4b0d3255bfef95601890afd80709
          ModTime 1700000000
          Uid 4294967294
          Uname jürgen
          Gid 0
          Gname :
          Permissions 2541
          AlternateMirrorName 7
        """, text(MetadataWriter.record(m)));
  }

  @Test
  void symlinkDeviceAndAbsentRecords_carryOnlyTheirFields() {
    FileMeta link = builder("l", FileType.SYMLINK, b -> b.symlinkTarget = "../a b".getBytes(StandardCharsets.UTF_8));
    FileMeta dev = builder("dev/sda", FileType.DEVICE, b -> b.device = new DeviceNumber(true, 8, 0));
    assertEquals("File l\n  Type sym\n  SymData ../a b\n  Uid 0\n  Uname :\n  Gid 0\n  Gname :\n  Permissions 0\n",
        text(MetadataWriter.record(link)));
    assertEquals("File dev/sda\n  Type dev\n  DeviceNum b 8 0\n  Uid 0\n  Uname :\n  Gid 0\n  Gname :\n  Permissions 0\n",
        text(MetadataWriter.record(dev)));
    assertEquals("File gone\n  Type None\n", text(MetadataWriter.absent(RelPath.of("gone"))));
  }

  @Test
  void everyKindOfRecord_readsBackEqual() throws IOException {
    List<FileMeta> all = List.of(
        builder(".", FileType.DIRECTORY, b -> { b.mtime = 1L; b.permissions = 0755; }),
        builder("a", FileType.REGULAR, b -> { b.size = 0; b.mtime = 0L; b.uid = 1000; b.uname = "u"; }),
        builder("a/b", FileType.FIFO, b -> b.mtime = 5L),
        builder("a/c", FileType.DEVICE, b -> b.device = new DeviceNumber(false, 1, 3)),
        builder("z", FileType.SYMLINK, b -> b.symlinkTarget = new byte[] {(byte) 0xff, 'x'}));
    StringBuilder text = new StringBuilder();
    for (FileMeta m : all) {
      text.append(new String(MetadataWriter.record(m), StandardCharsets.ISO_8859_1));
    }
    try (MetadataReader r = new MetadataReader(
        new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.ISO_8859_1)), "test")) {
      for (FileMeta m : all) {
        assertEquals(m, r.next().meta());
      }
    }
  }

  private static FileMeta builder(String path, FileType type, java.util.function.Consumer<FileMeta.Builder> fill) {
    FileMeta.Builder b = new FileMeta.Builder();
    b.path = path.equals(".") ? RelPath.ROOT : RelPath.of(path);
    b.type = type;
    fill.accept(b);
    return b.build();
  }

  private static String text(byte[] record) {
    return new String(record, StandardCharsets.UTF_8);
  }
}
