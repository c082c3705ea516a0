package dev.rewind.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.FileType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixTest {
  @TempDir Path tmp;

  private byte[] at(byte[] name) {
    byte[] dir = Posix.bytes(tmp);
    byte[] out = new byte[dir.length + 1 + name.length];
    System.arraycopy(dir, 0, out, 0, dir.length);
    out[dir.length] = '/';
    System.arraycopy(name, 0, out, dir.length + 1, name.length);
    return out;
  }

  private static final byte[] ODD = {'b', 'a', 'd', (byte) 0xff, (byte) 0xfe, '\n', 'x'};

  @Test
  void createNew_nonUtf8Name_listsAndReadsBackTheSameBytes() throws Exception {
    byte[] p = at(ODD);
    try (FileChannel ch = Posix.createNew(p, 0640)) {
      ch.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
    }
    List<byte[]> names = Posix.list(Posix.bytes(tmp));
    assertEquals(1, names.size());
    assertArrayEquals(ODD, names.get(0));
    Stat st = Posix.lstat(p);
    assertEquals(FileType.REGULAR, st.type());
    assertEquals(5, st.size());
    assertEquals(0640, st.permissions() & 0777 | 0040 & st.permissions());
    ByteBuffer buf = ByteBuffer.allocate(16);
    try (FileChannel ch = Posix.openRead(p)) {
      ch.read(buf);
    }
    assertEquals("hello", new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII));
  }

  @Test
  void createStream_thenOpenStream_roundTripsLargeContentUnderOddName() throws Exception {
    byte[] p = at(ODD);
    byte[] data = new byte[300_000];
    new java.util.Random(7).nextBytes(data);
    try (java.io.OutputStream out = Posix.createStream(p, 0600)) {
      out.write(data, 0, 1000);
      out.write(data, 1000, data.length - 1000);
    }
    try (java.io.InputStream in = Posix.openStream(p)) {
      assertArrayEquals(data, in.readAllBytes());
    }
    assertThrows(FileAlreadyExistsException.class, () -> Posix.createStream(p, 0600));
  }

  @Test
  void createNew_existingFile_refuses() throws Exception {
    byte[] p = at("a".getBytes());
    Posix.createNew(p, 0600).close();
    assertThrows(FileAlreadyExistsException.class, () -> Posix.createNew(p, 0600));
  }

  @Test
  void lstat_missing_throwsNoSuchFileNamingPath() {
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> Posix.lstat(at("nope".getBytes())));
    assertTrue(e.getMessage().endsWith("nope"));
  }

  @Test
  void symlink_oddTarget_readsBackExactly() throws Exception {
    byte[] link = at("l".getBytes());
    Posix.symlink(ODD, link);
    assertEquals(FileType.SYMLINK, Posix.lstat(link).type());
    assertArrayEquals(ODD, Posix.readlink(link));
  }

  @Test
  void mknod_fifo_isFifoAndMtimeSettable() throws Exception {
    byte[] f = at("fifo".getBytes());
    Posix.mknod(f, Stat.S_IFIFO | 0600, 0, 0);
    Posix.setMtime(f, 1_000_000_000L, 0);
    Stat st = Posix.lstat(f);
    assertEquals(FileType.FIFO, st.type());
    assertEquals(1_000_000_000L, st.mtimeSeconds());
  }

  @Test
  void xattr_userNamespace_roundTrips() throws Exception {
    byte[] p = at("x".getBytes());
    Posix.createNew(p, 0600).close();
    byte[] value = {0, 1, (byte) 0xff};
    Posix.setXattr(p, "user.test".getBytes(), value);
    assertArrayEquals(value, Posix.getXattr(p, "user.test".getBytes()));
    assertNull(Posix.getXattr(p, "user.other".getBytes()));
    assertEquals("user.test", new String(Posix.listXattrs(p).get(0)));
  }

  @Test
  void openDir_entriesByName_agreeWithWholePathCalls() throws Exception {
    byte[] dir = at("d".getBytes());
    Posix.mkdir(dir, 0700);
    byte[] withXattrs = Posix.join(dir, ODD);
    byte[] plain = Posix.join(dir, "plain");
    Posix.createNew(withXattrs, 0640).close();
    Posix.createNew(plain, 0600).close();
    Posix.setXattr(withXattrs, "user.one".getBytes(), new byte[] {1});
    Posix.setXattr(withXattrs, "user.a-longer-name".getBytes(), new byte[] {2});
    Posix.symlink("plain".getBytes(), Posix.join(dir, "link"));
    try (Posix.Dir d = Posix.openDir(dir)) {
      List<String> names = d.names().stream().map(n -> new String(n, StandardCharsets.ISO_8859_1)).sorted().toList();
      assertEquals(List.of("bad\u00ff\u00fe\nx", "link", "plain"), names);
      for (byte[] name : d.names()) {
        byte[] whole = Posix.join(dir, name);
        Stat byName = d.lstat(name);
        Stat byPath = Posix.lstat(whole);
        assertEquals(byPath.inode(), byName.inode());
        assertEquals(byPath.type(), byName.type()); // the link itself, not its target
        if (byName.type() != FileType.SYMLINK) {
          assertEquals(strings(Posix.listXattrs(whole)), strings(d.listXattrs(name)));
        }
      }
      assertEquals(List.of("user.a-longer-name", "user.one"), strings(d.listXattrs(ODD)).stream().sorted().toList());
      assertEquals(List.of(), d.listXattrs("plain".getBytes()));
      assertThrows(NoSuchFileException.class, () -> d.lstat("gone".getBytes()));
    }
  }

  @Test
  void openDir_symlinkToADirectory_refusesInsteadOfListingTheTarget() throws Exception {
    byte[] dir = at("real".getBytes());
    Posix.mkdir(dir, 0700);
    Posix.createNew(Posix.join(dir, "inside"), 0600).close();
    byte[] link = at("swapped".getBytes());
    Posix.symlink("real".getBytes(), link);
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> Posix.openDir(link).close());
    assertTrue(e.getMessage().contains("swapped"), e.getMessage());
  }

  private static List<String> strings(List<byte[]> names) {
    return names.stream().map(n -> new String(n, StandardCharsets.ISO_8859_1)).toList();
  }

  @Test
  void makedev_matchesGlibcEncoding() {
    assertEquals(0xfe00, Stat.makedev(254, 0));
    assertEquals(0x0103, Stat.makedev(1, 3));
  }
}
