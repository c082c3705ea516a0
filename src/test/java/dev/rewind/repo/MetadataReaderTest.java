package dev.rewind.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetadataReaderTest {
  private static MetadataReader reader(byte[] text) {
    return new MetadataReader(new ByteArrayInputStream(text), "test");
  }

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      out.writeBytes(p instanceof byte[] b ? b : p.toString().getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  @Test
  void next_realRecords_parsesEveryField() throws IOException {
    byte[] text = bytes(
        "File .\n  Type dir\n  ModTime 1704283200\n  Uid 0\n  Uname root\n  Gid 0\n  Gname root\n  Permissions 493\n",
        "File hl_1\n  Type reg\n  Size 20\n  NumHardLinks 3\n  Inode 2246038\n  DeviceLoc 65024\n",
        "  SHA1Digest 5c8bff62f4401ea2e4e2b4ca972bff665ec65060\n  ModTime -86400\n  Uid 12345\n  Uname :\n",
        "  Gid 54321\n  Gname :\n  Permissions 2541\n  AlternateIncrementName 1\n  ResourceFork None\n",
        "File sym\n  Type sym\n  SymData a\\\\b\\nc d\n  Uid 1000\n  Uname u\n  Gid 100\n  Gname users\n  Permissions 511\n",
        "File bdev\n  Type dev\n  DeviceNum b 7 0\n  Uid 0\n  Uname root\n  Gid 0\n  Gname root\n  Permissions 420\n");
    try (MetadataReader r = reader(text)) {
      FileMeta root = r.next().meta();
      assertTrue(root.path().isRoot());
      assertEquals(FileType.DIRECTORY, root.type());
      assertEquals(0755, root.permissions());
      FileMeta hl = r.next().meta();
      assertEquals(20, hl.size());
      assertTrue(hl.isHardLinked());
      assertEquals("65024:2246038", hl.hardLinkKey());
      assertEquals(-86400L, hl.mtime());
      assertNull(hl.uname());
      assertEquals(04755, hl.permissions());
      assertEquals(1, hl.alternateIncrementName());
      FileMeta sym = r.next().meta();
      assertArrayEquals("a\\b\nc d".getBytes(StandardCharsets.UTF_8), sym.symlinkTarget());
      assertNull(sym.mtime());
      FileMeta dev = r.next().meta();
      assertTrue(dev.device().block());
      assertEquals(7, dev.device().major());
      assertNull(r.next());
    }
  }

  @Test
  void next_typeNone_isAbsentRecord() throws IOException {
    try (MetadataReader r = reader(bytes("File gone\n  Type None\n"))) {
      MetadataRecord rec = r.next();
      assertTrue(rec.isAbsent());
      assertEquals(RelPath.of("gone"), rec.path());
    }
  }

  @Test
  void next_nameWithNewlineAndInvalidUtf8_roundTripsBytes() throws IOException {
    byte[] name = {'n', 'e', 'w', '\n', (byte) 0xff};
    byte[] text = bytes("File ", TextEscapes.quotePath(name), "\n  Type fifo\n  ModTime 1\n  Uid 0\n  Gid 0\n  Permissions 420\n");
    try (MetadataReader r = reader(text)) {
      assertArrayEquals(name, r.next().path().bytes());
    }
  }

  @Test
  void next_unknownKeysOfEveryLengthAndLooseSpacing_areToleratedLikeRdiffBackup() throws IOException {
    byte[] text = bytes("File a\n  Type  reg \r\n  Siz 1\n  Sizes 2\n  Size 3\n  CarbonFile None\n  Uidx 4\n",
        "  ModTimes 5\n  ModTime 6\n  AlternateMirrorName 2\n  Gname \n  Permissions 420\n  Uid 7\n  Gid 8\n");
    try (MetadataReader r = reader(text)) {
      FileMeta m = r.next().meta();
      assertEquals(FileType.REGULAR, m.type());
      assertEquals(3, m.size());
      assertEquals(6, m.mtime());
      assertEquals(7, m.uid());
      assertEquals(8, m.gid());
      assertEquals(420, m.permissions());
      assertEquals(Integer.valueOf(2), m.alternateMirrorName());
    }
  }

  @Test
  void next_unknownType_failsNamingIt() {
    MetadataReader r = reader(bytes("File a\n  Type door\n"));
    IOException e = assertThrows(IOException.class, r::next);
    assertTrue(e.getMessage().contains("unknown Type 'door'"), e.getMessage());
    IOException bad = assertThrows(IOException.class, reader(bytes("File a\n  Type reg\n  Permissions x\n"))::next);
    assertTrue(bad.getMessage().contains("bad value for Permissions"), bad.getMessage());
  }

  @Test
  void next_garbage_failsNamingSourceAndLine() {
    MetadataReader r = reader(bytes("File a\n  Type reg\n  Size notanumber\n"));
    IOException e = assertThrows(IOException.class, r::next);
    assertTrue(e.getMessage().contains("test, line 3"), e.getMessage());
    MetadataReader r2 = reader(bytes("garbage\n"));
    assertThrows(IOException.class, r2::next);
  }
}
