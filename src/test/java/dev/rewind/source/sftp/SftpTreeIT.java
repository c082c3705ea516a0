package dev.rewind.source.sftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.source.SourceEntry;
import dev.rewind.testing.SshTarget;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link SftpTree} against a real OpenSSH sshd as the read-only {@code backuphelper}. */
@Tag("openssh")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SftpTreeIT {
  private static final long T0 = 1_700_000_000L;
  /** 2039-09-18: after the signed 32-bit limit of 2038-01-19. */
  private static final long AFTER_2038 = 2_200_000_000L;
  private static final byte[] ODD_NAME = SftpSample.ODD_NAME;

  @TempDir static Path work;
  static SshTarget target;
  static Path src;
  static TreeBuilder tree;

  @BeforeAll
  static void start() throws IOException {
    target = SshTarget.start(work.resolve("sshd"));
    // searchable by others, so that the test without the capability reaches world-readable files
    Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    src = work.resolve("src");
    tree = SftpSample.build(src, T0)
        .file("future", "from 2039\n")
        .touch("future", AFTER_2038)
        .randomFile("big", 3 * 1024 * 1024 + 17, 42)
        .file("linked", "two names\n")
        .hardlink("linked-too", "linked");
  }

  @AfterAll
  static void stop() throws IOException {
    if (target != null) {
      target.close();
    }
  }

  private static SftpTree openTree() throws IOException {
    return SftpTree.open(SftpAddress.parse(target.url(src.toString())), target.clientKey(), target.knownHosts());
  }

  private static SourceEntry find(List<SourceEntry> entries, byte[] name) {
    return entries.stream().filter(e -> java.util.Arrays.equals(e.path().name(), name)).findFirst().orElseThrow(
        () -> new AssertionError("no entry " + RelPath.display(name) + " in " + entries));
  }

  @Test
  void list_treeWithOddEntries_carriesWhatSftpCarries() throws IOException {
    try (SftpTree t = openTree()) {
      List<SourceEntry> entries = t.list(RelPath.ROOT);
      FileMeta secret = find(entries, TreeBuilder.raw("secret")).meta();
      assertEquals(FileType.REGULAR, secret.type());
      assertEquals(0600, secret.permissions());
      assertEquals("root", secret.uname());
      assertEquals("root", secret.gname());
      assertEquals(10, secret.size());
      assertEquals(T0, secret.mtime());
      assertEquals(FileType.FIFO, find(entries, TreeBuilder.raw("pipe")).meta().type());
      assertArrayEquals("private/key".getBytes(), find(entries, TreeBuilder.raw("link")).meta().symlinkTarget());
      assertEquals(AFTER_2038, find(entries, TreeBuilder.raw("future")).meta().mtime());
      FileMeta odd = find(entries, TreeBuilder.raw("odd-owner")).meta();
      assertEquals(12345, odd.uid());
      assertEquals(54321, odd.gid());
      assertNull(odd.uname());
      assertEquals(0700, find(entries, TreeBuilder.raw("private")).meta().permissions());
      assertEquals(FileType.REGULAR, find(entries, ODD_NAME).meta().type());
    }
  }

  /** SFTP has no inode numbers: each name of a hard-linked file is a file of its own. */
  @Test
  void list_hardLinkedPair_twoIndependentFiles() throws IOException {
    try (SftpTree t = openTree()) {
      List<SourceEntry> entries = t.list(RelPath.ROOT);
      for (String name : List.of("linked", "linked-too")) {
        FileMeta m = find(entries, TreeBuilder.raw(name)).meta();
        assertEquals(FileType.REGULAR, m.type());
        assertTrue(!m.isHardLinked() && m.inode() == 0, name + " claims a link identity SFTP cannot know");
        assertEquals(10, m.size());
      }
    }
  }

  @Test
  void open_nonUtf8NameWithNewline_readsThatFile() throws IOException {
    try (SftpTree t = openTree(); InputStream in = t.open(RelPath.ROOT.child(ODD_NAME))) {
      assertArrayEquals("odd name\n".getBytes(), in.readAllBytes());
    }
  }

  /** Why the connection sets ISO-8859-1: SSHJ's default turns the name into one that does not exist. */
  @Test
  void sshjDefaultCharset_nonUtf8Name_mangledAndUnopenable() throws IOException {
    try (net.schmizz.sshj.SSHClient ssh = new net.schmizz.sshj.SSHClient()) {
      ssh.addHostKeyVerifier(new net.schmizz.sshj.transport.verification.OpenSSHKnownHosts(target.knownHosts().toFile()));
      ssh.connect(target.host(), target.port());
      ssh.authPublickey(SshTarget.USER, ssh.loadKeys(target.clientKey().toString()));
      try (net.schmizz.sshj.sftp.SFTPClient sftp = ssh.newSFTPClient()) {
        String seen = sftp.ls(src.toString()).stream().map(net.schmizz.sshj.sftp.RemoteResourceInfo::getName)
            .filter(n -> n.startsWith("raw")).findFirst().orElseThrow();
        assertTrue(seen.contains("\ufffd"), "SSHJ's UTF-8 default replaced the bytes: " + seen);
        assertThrows(net.schmizz.sshj.sftp.SFTPException.class, () -> sftp.open(src + "/" + seen).close());
      }
    }
  }

  @Test
  void open_rootOnlyFileInRootOnlyDir_readsIt() throws IOException {
    try (SftpTree t = openTree(); InputStream in = t.open(RelPath.of("private/key"))) {
      assertArrayEquals("inside a 0700 dir\n".getBytes(), in.readAllBytes());
    }
  }

  @Test
  void open_fifo_refusedWithoutOpening() throws IOException {
    try (SftpTree t = openTree()) {
      IOException e = assertThrows(IOException.class, () -> t.open(RelPath.of("pipe")));
      assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
      try (InputStream in = t.open(RelPath.of("secret"))) { // the channel is still usable
        assertEquals(10, in.readAllBytes().length);
      }
    }
  }

  @Test
  void open_fromSeveralThreads_eachGetsItsFile() throws Exception {
    byte[] big = Files.readAllBytes(src.resolve("big"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (SftpTree t = openTree()) {
      List<Future<byte[]>> reads = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String name = i % 2 == 0 ? "big" : "secret";
        reads.add(pool.submit(() -> {
          try (InputStream in = t.open(RelPath.of(name))) {
            return in.readAllBytes();
          }
        }));
      }
      for (int i = 0; i < reads.size(); i++) {
        byte[] expected = i % 2 == 0 ? big : "root only\n".getBytes();
        assertArrayEquals(expected, reads.get(i).get(2, TimeUnit.MINUTES), "read " + i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void open_fileGrowsAfterOpen_readsToItsNewEnd() throws IOException {
    Path f = src.resolve("growing");
    byte[] first = TreeBuilder.randomBytes(200_000, 1);
    byte[] more = TreeBuilder.randomBytes(1_300_000, 2);
    tree.file("growing", first);
    try (SftpTree t = openTree(); InputStream in = t.open(RelPath.of("growing"))) {
      Files.write(f, more, java.nio.file.StandardOpenOption.APPEND); // after lstat: the size hint is stale
      byte[] all = java.util.Arrays.copyOf(first, first.length + more.length);
      System.arraycopy(more, 0, all, first.length, more.length);
      assertArrayEquals(all, in.readAllBytes());
    } finally {
      tree.delete("growing");
    }
  }

  @Test
  void open_fileShrinksAfterOpen_readsWhatIsLeft() throws IOException {
    Path f = src.resolve("shrinking");
    byte[] content = TreeBuilder.randomBytes(1_500_000, 3);
    tree.file("shrinking", content);
    try (SftpTree t = openTree(); InputStream in = t.open(RelPath.of("shrinking"))) {
      try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
        c.truncate(100_001);
      }
      assertArrayEquals(java.util.Arrays.copyOf(content, 100_001), in.readAllBytes());
    } finally {
      tree.delete("shrinking");
    }
  }

  @Test
  void open_manyFilesOneAfterAnother_eachReadWholeOnReusedChannels() throws IOException {
    try (SftpTree t = openTree()) {
      for (int i = 0; i < 3; i++) {
        try (InputStream in = t.open(RelPath.of("big"))) {
          assertArrayEquals(Files.readAllBytes(src.resolve("big")), in.readAllBytes());
        }
        try (InputStream in = t.open(RelPath.of("big"))) { // closed after a part: the rest is dropped cleanly
          assertEquals(1000, in.readNBytes(1000).length);
        }
        try (InputStream in = t.open(RelPath.of("secret"))) {
          assertArrayEquals("root only\n".getBytes(), in.readAllBytes());
        }
      }
    }
  }

  @Test
  void open_fileDeletedAfterListing_noSuchFileNamingIt() throws IOException {
    tree.file("vanishing", "soon gone\n");
    try (SftpTree t = openTree()) {
      find(t.list(RelPath.ROOT), TreeBuilder.raw("vanishing"));
      tree.delete("vanishing");
      NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> t.open(RelPath.of("vanishing")));
      assertTrue(e.getFile().endsWith("/vanishing"), e.getFile());
    }
  }

  @Test
  void open_withoutCapability_permissionDenied() throws IOException {
    Path plainKey = target.extraKey("plain_key", "/usr/lib/openssh/sftp-server -R");
    try (SftpTree t = SftpTree.open(SftpAddress.parse(target.url(src.toString())), plainKey, target.knownHosts(), 1)) {
      assertThrows(AccessDeniedException.class, () -> t.open(RelPath.of("secret")).close());
      try (InputStream in = t.open(RelPath.of("future"))) { // world-readable files still are
        assertEquals(10, in.readAllBytes().length);
      }
    }
  }

  @Test
  void list_afterSessionsKilled_connectionLostOnEveryConnection() throws IOException {
    try (SftpTree t = openTree()) {
      t.list(RelPath.ROOT);
      assertTrue(target.killSessions() > 0);
      SftpConnectionLostException first = assertThrows(SftpConnectionLostException.class, () -> t.open(RelPath.of("secret")));
      assertTrue(first.getMessage().startsWith("connection to 127.0.0.1 port " + target.port() + " lost"), first.getMessage());
      // the walk's own connection may not have noticed yet; the tree as a whole has
      assertThrows(SftpConnectionLostException.class, () -> t.list(RelPath.ROOT));
    }
  }

  @Test
  void open_unknownHostKey_refusedNamingHostAndFingerprint() throws IOException {
    Path empty = work.resolve("empty_known_hosts");
    Files.writeString(empty, "");
    HostKeyException e = assertThrows(HostKeyException.class,
        () -> SftpTree.open(SftpAddress.parse(target.url("/")), target.clientKey(), empty));
    assertTrue(e.getMessage().matches("host key of 127\\.0\\.0\\.1 port \\d+ is unknown \\(ssh-ed25519 SHA256:[A-Za-z0-9+/]{43} .*"),
        e.getMessage());
    assertTrue(!e.getMessage().contains("\n"));
    assertEquals("", Files.readString(empty), "nothing is recorded silently");
  }

  @Test
  void open_changedHostKey_refused() throws IOException {
    Path other = work.resolve("other_known_hosts");
    String wrong = "AAAAC3NzaC1lZDI1NTE5AAAAIL1AY87YfwTEreQkSOk6Fss9SHTsiAXE6nxYmdsUstxI";
    Files.writeString(other, "[127.0.0.1]:" + target.port() + " ssh-ed25519 " + wrong + "\n");
    HostKeyException e = assertThrows(HostKeyException.class,
        () -> SftpTree.open(SftpAddress.parse(target.url("/")), target.clientKey(), other));
    assertTrue(e.getMessage().contains("has CHANGED to ssh-ed25519 SHA256:"), e.getMessage());
  }

  @Test
  void open_keyNotAuthorized_refusedNamingKey() throws IOException {
    Path stranger = work.resolve("stranger");
    dev.rewind.testing.Proc.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger.toString())).expect(0);
    IOException e = assertThrows(IOException.class,
        () -> SftpTree.open(SftpAddress.parse(target.url("/")), stranger, target.knownHosts()));
    assertTrue(e.getMessage().contains("refused the key '" + stranger + "'"), e.getMessage());
  }

  @Test
  void open_closedPort_cannotConnect() throws IOException {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    IOException e = assertThrows(IOException.class, () -> SftpTree.open(
        SftpAddress.parse("sftp://backuphelper@127.0.0.1:" + closed + "/"), target.clientKey(), target.knownHosts()));
    assertEquals("cannot connect to 127.0.0.1 port " + closed + ": Connection refused", e.getMessage());
  }
}
