package dev.rewind.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.history.IndexCache;
import dev.rewind.history.Scratch;
import dev.rewind.history.VersionCache;
import dev.rewind.posix.Posix;
import dev.rewind.testing.HandMadeRepo;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/** The FUSE callbacks called directly, without a kernel mount, on a hand-made repository. */
class RewindFsTest {
  private static final Runtime RUNTIME = Runtime.getSystemRuntime();
  private static final String T1 = "2024-03-29T08:13:20Z";
  private static final String T2 = "2024-03-30T08:13:20Z";
  private static final long SECOND = 1_000_000_000L;

  @TempDir Path dir;
  private final AtomicLong clock = new AtomicLong(1);
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private ExecutorService pool;
  private Scratch scratch;
  private RewindFs fs;
  private HandMadeRepo repo;

  @BeforeEach
  void mount() throws IOException {
    repo = HandMadeRepo.twoSessions(dir.resolve("root").resolve("web1"));
    Files.createDirectories(dir.resolve("cache"));
    Files.createDirectories(dir.resolve("root").resolve("not-a-repo"));
    scratch = Scratch.in(Posix.bytes(dir.resolve("cache")));
    pool = Executors.newFixedThreadPool(2);
    MountLog log = new MountLog() {
      @Override
      public void warn(String message) {
        warnings.add(message);
      }

      @Override
      public void info(String message) {}
    };
    Hosts hosts = new Hosts(Posix.bytes(dir.resolve("root")), scratch, ZoneId.of("UTC"), clock::get, SECOND, log);
    IdMapping ids = new IdMapping() {
      @Override
      public long uid(long recordedUid, String recordedName) {
        return recordedUid + (recordedName == null ? 0 : 100_000);
      }

      @Override
      public long gid(long recordedGid, String recordedName) {
        return recordedGid;
      }

      @Override
      public Acl acl(List<String> lines) {
        return new Acl(new byte[] {2, 0, 0, 0}, lines.stream().anyMatch(l -> l.startsWith("default:")) ? new byte[] {2, 0, 0, 1} : null);
      }
    };
    HistoryTree tree = new HistoryTree(hosts, new IndexCache(64 << 20, pool),
        new VersionCache(scratch, 1 << 20, 1 << 20, 1 << 30, pool), ids, Duration.ofSeconds(30), 1_000_000, clock::get,
        Duration.ofSeconds(1));
    fs = new RewindFs(tree, log, () -> { });
  }

  @AfterEach
  void unmount() throws IOException {
    fs.closeAll();
    pool.shutdownNow();
    scratch.close();
  }

  private static String s(byte[] latin1) {
    return new String(latin1, StandardCharsets.ISO_8859_1);
  }

  private static FileStat stat() {
    return FileStat.of(Memory.allocateDirect(RUNTIME, 256, true));
  }

  private FileStat getattr(String path) {
    FileStat st = stat();
    assertEquals(0, fs.getattr(path, st), "getattr " + path);
    return st;
  }

  private int errno(String path) {
    return fs.getattr(path, stat());
  }

  private List<String> readdir(String path) {
    List<String> names = new ArrayList<>();
    FuseFillDir filler = new FuseFillDir() {
      @Override
      public int apply(Pointer buf, ByteBuffer name, Pointer stbuf, long off) {
        byte[] b = new byte[name.remaining()];
        name.get(b);
        int end = 0;
        while (b[end] != 0) {
          end++;
        }
        names.add(s(Arrays.copyOf(b, end)));
        return 0;
      }
    };
    assertEquals(0, fs.readdir(path, null, filler, 0, fileInfo(0)), "readdir " + path);
    return names;
  }

  private static FuseFileInfo fileInfo(int flags) {
    FuseFileInfo fi = FuseFileInfo.of(Memory.allocateDirect(RUNTIME, 64, true));
    fi.flags.set(flags);
    return fi;
  }

  private String read(String path) {
    FuseFileInfo fi = fileInfo(0);
    assertEquals(0, fs.open(path, fi), "open " + path);
    Pointer buf = Memory.allocateDirect(RUNTIME, 1 << 16, true);
    StringBuilder out = new StringBuilder();
    for (long off = 0; ; ) {
      int n = fs.read(path, buf, 1 << 16, off, fi);
      assertTrue(n >= 0, "read " + path + ": " + n);
      if (n == 0) {
        break;
      }
      byte[] b = new byte[n];
      buf.get(0, b, 0, n);
      out.append(s(b));
      off += n;
    }
    assertEquals(0, fs.release(path, fi));
    return out.toString();
  }

  private boolean keepsCache(String path) {
    FuseFileInfo fi = fileInfo(0);
    assertEquals(0, fs.open(path, fi));
    boolean keep = (Struct.getMemory(fi).getInt(20) & 2) != 0;
    fs.release(path, fi);
    return keep;
  }

  @Test
  void readdir_rootAndHost_listHostsAndSessionNames() {
    assertEquals(List.of(".", "..", "web1"), readdir("/"));
    assertEquals(List.of(".", "..", "2024-03-29", T1, "2024-03-30", T2, "latest"), readdir("/web1"));
  }

  @Test
  void readdir_session_listsTheTreeWithRawNames() {
    assertEquals(List.of(".", "..", "a.txt", "big.bin", "cdev", "d", "fifo", "hl1", "hl2", "link", "new.txt", "secret"),
        readdir("/web1/latest".replace("latest", T2)));
    assertEquals(List.of(".", "..", s(HandMadeRepo.ODD), "x"), readdir("/web1/2024-03-30/d"));
    assertTrue(readdir("/web1/" + T1).contains("gone.txt"));
    assertTrue(!readdir("/web1/" + T1).contains("new.txt"));
  }

  @Test
  void getattr_entries_recordedAttributes() {
    FileStat a = getattr("/web1/" + T2 + "/a.txt");
    assertEquals(0100644, a.st_mode.intValue());
    assertEquals(HandMadeRepo.A2.length(), a.st_size.longValue());
    assertEquals(HandMadeRepo.T2 - 100, a.st_mtim.tv_sec.longValue());
    assertEquals(100_000, a.st_uid.longValue(), "recorded names go through the id mapping");
    FileStat x = getattr("/web1/" + T2 + "/d/x");
    assertEquals(0100640, x.st_mode.intValue());
    assertEquals(1000, x.st_uid.longValue(), "no recorded name: the id as recorded");
    assertEquals(100, x.st_gid.longValue());
    FileStat secret = getattr("/web1/" + T2 + "/secret");
    assertEquals(0104700, secret.st_mode.intValue());
    FileStat cdev = getattr("/web1/" + T2 + "/cdev");
    assertEquals(0020644, cdev.st_mode.intValue());
    assertEquals((1 << 8) | 3, cdev.st_rdev.longValue());
    assertEquals(0010600, getattr("/web1/" + T2 + "/fifo").st_mode.intValue());
    FileStat link = getattr("/web1/" + T2 + "/link");
    assertEquals(0120777, link.st_mode.intValue());
    assertEquals(5, link.st_size.longValue());
    FileStat d = getattr("/web1/" + T2 + "/d");
    assertEquals(0040755, d.st_mode.intValue());
    assertEquals(2, d.st_nlink.longValue());
    assertEquals(3, getattr("/web1/" + T2).st_nlink.longValue(), "2 + one subdirectory");
    assertEquals(HandMadeRepo.T1 - 10, getattr("/web1/" + T2).st_mtim.tv_sec.longValue());
  }

  @Test
  void getattrRaw_writesTheSameStructAsTheFileStatPath() {
    org.junit.jupiter.api.Assumptions.assumeTrue(RewindFs.RAW_LAYOUT, "x86-64 Linux only");
    for (String path : List.of("/", "/web1", "/web1/latest", "/web1/" + T2 + "/cdev", "/web1/" + T2 + "/secret",
        "/web1/" + T2 + "/d/x", "/web1/" + T2 + "/hl2", "/web1/" + T1 + "/big.bin")) {
      Pointer raw = Memory.allocateDirect(RUNTIME, 256, true);
      assertEquals(0, fs.getattrRaw(path, raw));
      FileStat viaRaw = FileStat.of(raw);
      FileStat viaStruct = getattr(path);
      assertEquals(viaStruct.st_mode.intValue(), viaRaw.st_mode.intValue(), path);
      assertEquals(viaStruct.st_ino.longValue(), viaRaw.st_ino.longValue(), path);
      assertEquals(viaStruct.st_nlink.longValue(), viaRaw.st_nlink.longValue(), path);
      assertEquals(viaStruct.st_uid.longValue(), viaRaw.st_uid.longValue(), path);
      assertEquals(viaStruct.st_gid.longValue(), viaRaw.st_gid.longValue(), path);
      assertEquals(viaStruct.st_rdev.longValue(), viaRaw.st_rdev.longValue(), path);
      assertEquals(viaStruct.st_size.longValue(), viaRaw.st_size.longValue(), path);
      assertEquals(viaStruct.st_blocks.longValue(), viaRaw.st_blocks.longValue(), path);
      assertEquals(viaStruct.st_blksize.longValue(), viaRaw.st_blksize.longValue(), path);
      assertEquals(viaStruct.st_mtim.tv_sec.longValue(), viaRaw.st_mtim.tv_sec.longValue(), path);
      assertEquals(viaStruct.st_atim.tv_sec.longValue(), viaRaw.st_atim.tv_sec.longValue(), path);
      assertEquals(viaStruct.st_ctim.tv_sec.longValue(), viaRaw.st_ctim.tv_sec.longValue(), path);
    }
    assertEquals(-ErrorCodes.ENOENT(), fs.getattrRaw("/nohost", Memory.allocateDirect(RUNTIME, 256, true)));
  }

  @Test
  void getattr_hardLinks_shareAnInodeAndCountLinks() {
    FileStat h1 = getattr("/web1/" + T2 + "/hl1");
    FileStat h2 = getattr("/web1/" + T2 + "/hl2");
    assertEquals(h1.st_ino.longValue(), h2.st_ino.longValue());
    assertEquals(2, h1.st_nlink.longValue());
    assertNotEquals(h1.st_ino.longValue(), getattr("/web1/" + T2 + "/a.txt").st_ino.longValue());
    assertEquals(getattr("/web1/" + T2 + "/hl1").st_ino.longValue(), getattr("/web1/2024-03-30/hl1").st_ino.longValue(),
        "one session under two names: the same inode numbers");
    assertNotEquals(getattr("/web1/" + T1 + "/hl1").st_ino.longValue(), h1.st_ino.longValue(),
        "another session: other numbers");
  }

  @Test
  void getattr_levelsAboveSessions_readOnlyDirectoriesAndTheLatestLink() {
    assertEquals(0040555, getattr("/").st_mode.intValue());
    assertEquals(1, getattr("/").st_ino.longValue());
    assertEquals(0040555, getattr("/web1").st_mode.intValue());
    FileStat latest = getattr("/web1/latest");
    assertEquals(0120777, latest.st_mode.intValue());
    assertEquals(T2.length(), latest.st_size.longValue());
  }

  @Test
  void getattr_missing_enoent() {
    assertEquals(-ErrorCodes.ENOENT(), errno("/nohost"));
    assertEquals(-ErrorCodes.ENOENT(), errno("/not-a-repo"));
    assertEquals(-ErrorCodes.ENOENT(), errno("/web1/2024-01-01"));
    assertEquals(-ErrorCodes.ENOENT(), errno("/web1/" + T2 + "/gone.txt"));
    assertEquals(-ErrorCodes.ENOENT(), errno("/web1/" + T1 + "/new.txt"));
    assertEquals(-ErrorCodes.ENOENT(), errno("/web1/" + T2 + "/a.txt/below"));
    assertEquals(-ErrorCodes.ENOTDIR(), errno("/web1/latest/a.txt"));
  }

  @Test
  void readlink_latestAndRecordedLinks() {
    Pointer buf = Memory.allocateDirect(RUNTIME, 256, true);
    assertEquals(0, fs.readlink("/web1/latest", buf, 256));
    assertEquals(T2, buf.getString(0));
    assertEquals(0, fs.readlink("/web1/" + T2 + "/link", buf, 256));
    assertEquals("a.txt", buf.getString(0));
    assertEquals(-ErrorCodes.EINVAL(), fs.readlink("/web1/" + T2 + "/a.txt", buf, 256));
  }

  @Test
  void read_everySessionItsOwnContent() {
    assertEquals(HandMadeRepo.A2, read("/web1/" + T2 + "/a.txt"));
    assertEquals(HandMadeRepo.A1, read("/web1/" + T1 + "/a.txt"));
    assertEquals(HandMadeRepo.A1, read("/web1/2024-03-29/a.txt"));
    assertEquals("gone\n", read("/web1/" + T1 + "/gone.txt"));
    assertEquals("linked\n", read("/web1/" + T2 + "/hl2"));
    assertEquals("odd\n", read("/web1/" + T2 + "/d/" + s(HandMadeRepo.ODD)));
    assertEquals(HandMadeRepo.BIG, read("/web1/" + T1 + "/big.bin").length());
    assertEquals(0, fs.openFiles());
  }

  @Test
  void open_keepsThePageCacheOnlyForStableNames() {
    assertTrue(keepsCache("/web1/" + T2 + "/a.txt"));
    assertTrue(!keepsCache("/web1/2024-03-30/a.txt"), "a day name may move to a later session of that day");
  }

  @Test
  void open_damagedIncrement_eioAndALogLineWithHostSessionPath() throws IOException {
    Files.write(repo.incrementPath("a.txt", HandMadeRepo.T1, "diff"), new byte[] {9, 9, 9, 9});
    assertEquals(-ErrorCodes.EIO(), fs.open("/web1/" + T1 + "/a.txt", fileInfo(0)));
    assertEquals(1, warnings.size(), warnings.toString());
    String w = warnings.get(0);
    assertTrue(w.contains("host 'web1'") && w.contains("session " + T1) && w.contains("path 'a.txt'"), w);
    assertEquals("gone\n", read("/web1/" + T1 + "/gone.txt"), "the other files still read");
  }

  @Test
  void xattrs_recordedPerSessionWithTheSizeProtocol() {
    Pointer buf = Memory.allocateDirect(RUNTIME, 256, true);
    assertEquals(2, fs.getxattr("/web1/" + T2 + "/a.txt", "user.k", buf, 0));
    assertEquals(-ErrorCodes.ERANGE(), fs.getxattr("/web1/" + T2 + "/a.txt", "user.k", buf, 1));
    assertEquals(2, fs.getxattr("/web1/" + T2 + "/a.txt", "user.k", buf, 256));
    assertEquals("v2", buf.getString(0, 2, StandardCharsets.US_ASCII));
    assertEquals(2, fs.getxattr("/web1/" + T1 + "/a.txt", "user.k", buf, 256));
    assertEquals("v1", buf.getString(0, 2, StandardCharsets.US_ASCII));
    assertEquals(-ErrorCodes.ENODATA(), fs.getxattr("/web1/" + T2 + "/a.txt", "user.other", buf, 256));
    assertEquals(-ErrorCodes.ENODATA(), fs.getxattr("/web1/" + T2 + "/a.txt", "system.posix_acl_access", buf, 256));
    assertEquals(7, fs.listxattr("/web1/" + T2 + "/a.txt", buf, 256));
    assertEquals("user.k", buf.getString(0));
    assertEquals(0, fs.listxattr("/web1/" + T2 + "/big.bin", buf, 256));
  }

  @Test
  void xattrs_recordedAclServedAsPosixAclXattrs() {
    Pointer buf = Memory.allocateDirect(RUNTIME, 256, true);
    assertEquals(4, fs.getxattr("/web1/" + T2 + "/d", "system.posix_acl_access", buf, 256));
    assertEquals(4, fs.getxattr("/web1/" + T2 + "/d", "system.posix_acl_default", buf, 256));
    assertEquals(1, buf.getByte(3));
    int n = fs.listxattr("/web1/" + T2 + "/d", buf, 256);
    byte[] names = new byte[n];
    buf.get(0, names, 0, n);
    assertEquals("system.posix_acl_access\0system.posix_acl_default\0", s(names));
    assertEquals(-ErrorCodes.ENODATA(), fs.getxattr("/web1/" + T1 + "/d", "system.posix_acl_access", buf, 256),
        "no ACL file for T1");
  }

  @Test
  void everyWrite_erofs() {
    int erofs = -ErrorCodes.EROFS();
    String f = "/web1/" + T2 + "/a.txt";
    assertEquals(erofs, fs.open(f, fileInfo(1)));
    assertEquals(erofs, fs.open(f, fileInfo(2)));
    assertEquals(erofs, fs.create("/web1/" + T2 + "/n", 0644, fileInfo(1)));
    assertEquals(erofs, fs.write(f, null, 1, 0, fileInfo(1)));
    assertEquals(erofs, fs.truncate(f, 0));
    assertEquals(erofs, fs.ftruncate(f, 0, fileInfo(1)));
    assertEquals(erofs, fs.unlink(f));
    assertEquals(erofs, fs.rmdir("/web1/" + T2 + "/d"));
    assertEquals(erofs, fs.mkdir("/web1/" + T2 + "/m", 0755));
    assertEquals(erofs, fs.mknod("/web1/" + T2 + "/m", 0644, 0));
    assertEquals(erofs, fs.symlink("a", "/web1/" + T2 + "/s"));
    assertEquals(erofs, fs.link(f, "/web1/" + T2 + "/l"));
    assertEquals(erofs, fs.rename(f, "/web1/" + T2 + "/b"));
    assertEquals(erofs, fs.chmod(f, 0600));
    assertEquals(erofs, fs.chown(f, 1, 1));
    assertEquals(erofs, fs.utimens(f, new Timespec[0]));
    assertEquals(erofs, fs.setxattr(f, "user.k", null, 0, 0));
    assertEquals(erofs, fs.removexattr(f, "user.k"));
    assertEquals(erofs, fs.fallocate(f, 0, 0, 1, fileInfo(1)));
    assertEquals(HandMadeRepo.A2, read(f), "nothing changed");
  }

  @Test
  void hosts_appearAndVanishAfterTheRefreshInterval() throws IOException {
    assertEquals(List.of(".", "..", "web1"), readdir("/"));
    HandMadeRepo.twoSessions(dir.resolve("root").resolve("web2"));
    assertEquals(List.of(".", "..", "web1"), readdir("/"), "not looked for again within the refresh interval");
    clock.addAndGet(2 * SECOND);
    assertEquals(List.of(".", "..", "web1", "web2"), readdir("/"));
    TreeBuilder.deleteRecursively(dir.resolve("root").resolve("web1").resolve("rdiff-backup-data"));
    clock.addAndGet(2 * SECOND);
    assertEquals(List.of(".", "..", "web2"), readdir("/"));
    assertEquals(-ErrorCodes.ENOENT(), errno("/web1"));
    assertEquals(-ErrorCodes.ENOENT(), errno("/web1/" + T2 + "/a.txt"));
  }
}
