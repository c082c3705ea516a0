package dev.rewind.history;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.DeviceNumber;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.posix.Posix;
import dev.rewind.repo.Repository;
import dev.rewind.repo.Xattr;
import dev.rewind.testing.HandMadeRepo;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionIndexTest {
  private static final SessionTime T = new SessionTime(1000, "1970-01-01T00:16:40Z");

  @TempDir Path dir;

  private static FileMeta meta(String path, FileType type, int perms) {
    FileMeta.Builder b = new FileMeta.Builder();
    b.path = RelPath.of(path.getBytes(StandardCharsets.ISO_8859_1));
    b.type = type;
    b.permissions = perms;
    b.mtime = type == FileType.SYMLINK || type == FileType.DEVICE ? null : 100L;
    b.uid = 7;
    b.gid = 8;
    b.uname = "seven";
    if (type == FileType.SYMLINK) {
      b.symlinkTarget = "../t\u00ff".getBytes(StandardCharsets.ISO_8859_1);
    }
    if (type == FileType.DEVICE) {
      b.device = new DeviceNumber(true, 259, 70000);
    }
    if (type == FileType.REGULAR) {
      b.size = 5;
      b.sha1 = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d";
    }
    return b.build();
  }

  private static FileMeta linked(String path, boolean withSha) {
    FileMeta.Builder b = new FileMeta.Builder();
    b.path = RelPath.of(path);
    b.type = FileType.REGULAR;
    b.permissions = 0644;
    b.size = 3;
    b.mtime = 5L;
    b.numHardLinks = 3;
    b.inode = 99;
    b.deviceLoc = 2049;
    b.sha1 = withSha ? "0123456789012345678901234567890123456789" : null;
    return b.build();
  }

  private static List<FileMeta> sample() {
    return List.of(
        meta(".", FileType.DIRECTORY, 0755),
        meta("a", FileType.DIRECTORY, 0700),
        meta("a/f", FileType.REGULAR, 04755),
        meta("a/sub", FileType.DIRECTORY, 0755),
        meta("a/sub/deep", FileType.FIFO, 0600),
        meta("a/z", FileType.SYMLINK, 0777),
        linked("b1", true),
        meta("dev", FileType.DEVICE, 0660),
        linked("l2", false),
        meta("odd\n\u00ff", FileType.SOCKET, 0755));
  }

  private static SessionIndex index(List<FileMeta> entries) throws IOException {
    return SessionIndex.of(T, entries, Map.of(RelPath.of("a/f"), List.of(new Xattr("user.x".getBytes(), new byte[] {1}))),
        Map.of(RelPath.of("a"), List.of("user::rwx", "group::---", "other::---")));
  }

  @Test
  void of_sampleTree_navigatesByName() throws IOException {
    SessionIndex x = index(sample());
    assertEquals(10, x.size());
    assertEquals(FileType.DIRECTORY, x.type(0));
    assertEquals(5, x.childCount(0), "a, b1, dev, l2 and the odd name");
    int a = x.lookup(0, "a".getBytes());
    assertEquals(1, a);
    assertEquals(3, x.childCount(a));
    assertArrayEquals("sub".getBytes(), x.name(x.child(a, 1)));
    assertEquals(-1, x.lookup(0, "nothing".getBytes()));
    assertEquals(-1, x.lookup(0, "a/f".getBytes()));
    int deep = x.resolve(RelPath.of("a/sub/deep"));
    assertEquals(FileType.FIFO, x.type(deep));
    assertEquals(RelPath.of("a/sub/deep"), x.path(deep));
    assertEquals(x.lookup(x.lookup(0, "a".getBytes()), "sub".getBytes()), x.parent(deep));
    assertEquals(-1, x.resolve(RelPath.of("a/f/below-a-file")));
    int odd = x.resolve(RelPath.of("odd\n\u00ff".getBytes(StandardCharsets.ISO_8859_1)));
    assertEquals(FileType.SOCKET, x.type(odd));
    assertEquals(0, x.resolve(RelPath.ROOT));
  }

  @Test
  void of_sampleTree_keepsEveryAttribute() throws IOException {
    SessionIndex x = index(sample());
    int f = x.resolve(RelPath.of("a/f"));
    assertEquals(0104755, x.mode(f));
    assertEquals(04755, x.permissions(f));
    assertEquals(5, x.size(f));
    assertEquals(100L, x.mtime(f));
    assertEquals(7, x.uid(f));
    assertEquals("seven", x.uname(f));
    assertEquals(8, x.gid(f));
    assertNull(x.gname(f));
    assertEquals("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", x.sha1(f));
    assertEquals(1, x.linkCount(f));
    assertEquals(1, x.xattrs(f).size());
    int z = x.resolve(RelPath.of("a/z"));
    assertEquals(0120777, x.mode(z));
    assertArrayEquals("../t\u00ff".getBytes(StandardCharsets.ISO_8859_1), x.symlinkTarget(z));
    assertEquals(5, x.size(z), "a symlink's size is its target's length");
    assertNull(x.mtime(z));
    int dev = x.resolve(RelPath.of("dev"));
    assertEquals(new DeviceNumber(true, 259, 70000), x.device(dev));
    assertEquals(0060660, x.mode(dev));
    assertEquals(0, x.size(dev));
    int a = x.resolve(RelPath.of("a"));
    assertEquals(1, x.subdirectories(a));
    assertEquals(1, x.subdirectories(0));
    assertEquals(List.of("user::rwx", "group::---", "other::---"), x.acl(a));
    assertNull(x.acl(f));
  }

  @Test
  void of_hardLinks_shareTheFirstPath() throws IOException {
    SessionIndex x = index(sample());
    int b1 = x.resolve(RelPath.of("b1"));
    int l2 = x.resolve(RelPath.of("l2"));
    assertEquals(b1, x.hardLinkLeader(l2));
    assertEquals(b1, x.hardLinkLeader(b1));
    assertEquals(3, x.linkCount(l2));
    assertEquals("0123456789012345678901234567890123456789", x.meta(b1).sha1());
    assertNull(x.meta(l2).sha1());
  }

  @Test
  void meta_roundTripsWhatContentNeeds() throws IOException {
    SessionIndex x = index(sample());
    FileMeta m = x.meta(x.resolve(RelPath.of("a/f")));
    assertEquals(sample().get(2).path(), m.path());
    assertEquals(FileType.REGULAR, m.type());
    assertEquals(5, m.size());
    assertEquals(sample().get(2).sha1(), m.sha1());
    assertEquals(04755, m.permissions());
  }

  @Test
  void of_entryUnderANonDirectory_skipped() throws IOException {
    List<FileMeta> entries = new ArrayList<>(List.of(meta(".", FileType.DIRECTORY, 0755),
        meta("f", FileType.REGULAR, 0644), meta("f/x", FileType.REGULAR, 0644), meta("g", FileType.REGULAR, 0644)));
    SessionIndex x = SessionIndex.of(T, entries, Map.of(), Map.of());
    assertEquals(3, x.size());
    assertEquals(1, x.skipped());
    assertTrue(x.resolve(RelPath.of("g")) > 0);
  }

  @Test
  void of_noRootFirst_isARepositoryError() {
    assertThrows(RepositoryException.class,
        () -> SessionIndex.of(T, List.of(meta("f", FileType.REGULAR, 0644)), Map.of(), Map.of()));
    assertThrows(RepositoryException.class, () -> SessionIndex.of(T, List.of(), Map.of(), Map.of()));
  }

  @Test
  void bytes_growsAboutSeventyBytesAnEntry() throws IOException {
    List<FileMeta> entries = new ArrayList<>();
    entries.add(meta(".", FileType.DIRECTORY, 0755));
    for (int i = 0; i < 100_000; i++) {
      entries.add(meta(String.format("f%06d", i), FileType.REGULAR, 0644));
    }
    SessionIndex x = SessionIndex.of(T, entries, Map.of(), Map.of());
    assertEquals(100_001, x.size());
    long perEntry = x.bytes() / x.size();
    assertTrue(perEntry >= 60 && perEntry <= 100, "bytes per entry: " + perEntry);
    assertEquals(50_000, x.lookup(0, "f049999".getBytes()));
  }

  @Test
  void build_handMadeRepository_bothSessions() throws IOException {
    HandMadeRepo.twoSessions(dir.resolve("r"));
    Repository repo = Repository.open(Posix.bytes(dir.resolve("r")));
    History h = History.open(repo, Scratch.in(Posix.bytes(dir)));
    SessionIndex now = SessionIndex.build(h, h.current());
    SessionIndex before = SessionIndex.build(h, h.sessions().get(0));
    assertTrue(now.resolve(RelPath.of("new.txt")) > 0);
    assertEquals(-1, now.resolve(RelPath.of("gone.txt")));
    assertEquals(-1, before.resolve(RelPath.of("new.txt")));
    assertEquals(5, before.size(before.resolve(RelPath.of("gone.txt"))));
    assertEquals(HandMadeRepo.A1.length(), before.size(before.resolve(RelPath.of("a.txt"))));
    assertTrue(now.resolve(RelPath.ROOT.child("d".getBytes()).child(TreeBuilder.raw("odd\nname\u00ff"))) > 0);
    assertArrayEquals("v2".getBytes(), now.xattrs(now.resolve(RelPath.of("a.txt"))).get(0).value());
    assertArrayEquals("v1".getBytes(), before.xattrs(before.resolve(RelPath.of("a.txt"))).get(0).value());
    assertEquals(List.of(), before.xattrs(before.resolve(RelPath.of("big.bin"))));
  }
}
