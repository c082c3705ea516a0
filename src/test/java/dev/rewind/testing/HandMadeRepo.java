package dev.rewind.testing;

import dev.rewind.posix.Posix;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes small rdiff-backup repositories file by file, for unit tests that must not need the
 * real rdiff-backup: mirror files, {@code mirror_metadata} snapshots and reverse diffs, increments
 * (literal-only deltas, snapshots, {@code .missing}), side files and the {@code current_mirror}
 * marker. Names are bytes; times are written in UTC ({@code 2024-03-29T08:13:20Z}).
 *
 * <p>{@link #twoSessions} builds the standard sample used by the history and fuse tests.
 */
public final class HandMadeRepo {
  /** The standard sample's sessions. */
  public static final long T1 = 1711700000L;
  public static final long T2 = T1 + 86400;
  /** Size of {@code big.bin} in the standard sample (spilled, not held in memory). */
  public static final int BIG = 3 << 20;
  /** A name that only bytes can spell. */
  public static final byte[] ODD = TreeBuilder.raw("odd\nname\u00ff");

  private final Path root;
  private final Path data;

  private HandMadeRepo(Path root) {
    this.root = root;
    this.data = root.resolve("rdiff-backup-data");
  }

  /** An empty repository directory at {@code root}. */
  public static HandMadeRepo at(Path root) {
    try {
      Files.createDirectories(root.resolve("rdiff-backup-data").resolve("increments"));
      Files.write(root.resolve("rdiff-backup-data").resolve("chars_to_quote"), new byte[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new HandMadeRepo(root);
  }

  public Path root() {
    return root;
  }

  public static String time(long epoch) {
    return Instant.ofEpochSecond(epoch).toString();
  }

  // ---- the standard sample -------------------------------------------------------------------

  /** Old content of a.txt (T1) and new (T2). */
  public static final String A1 = "hello\n";
  public static final String A2 = "hello world\n";

  /**
   * Two sessions. T1: {@code a.txt} (xattr {@code user.k}), {@code d/x}, symlink {@code link},
   * hard links {@code hl1}/{@code hl2}, {@code big.bin} (3 MiB), {@code gone.txt}, a fifo, a char
   * device {@code cdev} (1,3), a setuid root {@code secret} (04700), the odd name {@link #ODD}
   * in {@code d}. T2: {@code a.txt} changed (diff increment), {@code big.bin} changed (diff),
   * {@code gone.txt} deleted (uncompressed snapshot increment), {@code new.txt} created.
   */
  public static HandMadeRepo twoSessions(Path root) {
    HandMadeRepo r = at(root);
    byte[] big1 = TreeBuilder.randomBytes(BIG, 11);
    byte[] big2 = big1.clone();
    big2[1000] ^= 1;
    byte[] linked = "linked\n".getBytes(StandardCharsets.UTF_8);
    List<String> t2 = new ArrayList<>();
    t2.add(dir(".", T1 - 10, 0755));
    t2.add(reg("a.txt", bytes(A2), T2 - 100, 0644, 0, 0));
    t2.add(reg("big.bin", big2, T2 - 100, 0644, 0, 0));
    t2.add(dev("cdev", "c 1 3"));
    t2.add(dir("d", T1 - 20, 0755));
    t2.add(reg("d/" + latin1(ODD), bytes("odd\n"), T1 - 30, 0644, 0, 0));
    t2.add(reg("d/x", bytes("x\n"), T1 - 30, 0640, 1000, 100));
    t2.add(record("fifo", "fifo", null, T1 - 40, 0600, 0, 0, List.of()));
    t2.add(hardLink("hl1", linked, T1 - 50, true));
    t2.add(hardLink("hl2", linked, T1 - 50, false));
    t2.add(sym("link", "a.txt"));
    t2.add(reg("new.txt", bytes("new\n"), T2 - 100, 0644, 0, 0));
    t2.add(reg("secret", bytes("root only\n"), T1 - 60, 04700, 0, 0));
    List<String> t1diff = List.of(
        reg("a.txt", bytes(A1), T1 - 100, 0644, 0, 0),
        reg("big.bin", big1, T1 - 100, 0644, 0, 0),
        reg("gone.txt", bytes("gone\n"), T1 - 100, 0644, 0, 0),
        "File new.txt\n  Type None\n");
    r.mirror("a.txt", bytes(A2), T2 - 100);
    r.mirror("big.bin", big2, T2 - 100);
    r.mirrorDir("d");
    r.mirror("d/" + latin1(ODD), bytes("odd\n"), T1 - 30);
    r.mirror("d/x", bytes("x\n"), T1 - 30);
    r.mirror("hl1", linked, T1 - 50);
    r.mirror("hl2", linked, T1 - 50);
    r.mirror("new.txt", bytes("new\n"), T2 - 100);
    r.mirror("secret", bytes("root only\n"), T1 - 60);
    r.metadata(T2, "snapshot", t2);
    r.metadata(T1, "diff", t1diff);
    r.increment("a.txt", T1, "diff", literalDelta(bytes(A1)));
    r.increment("big.bin", T1, "diff", literalDelta(big1));
    r.increment("gone.txt", T1, "snapshot", bytes("gone\n"));
    r.increment("new.txt", T1, "missing", new byte[0]);
    r.dataFile("increments." + time(T1) + ".dir", new byte[0]);
    r.dataFile("extended_attributes." + time(T2) + ".snapshot", bytes("# file: a.txt\nuser.k=0sdjI=\n"));
    r.dataFile("extended_attributes." + time(T1) + ".snapshot", bytes("# file: a.txt\nuser.k=0sdjE=\n"));
    r.dataFile("access_control_lists." + time(T2) + ".snapshot",
        bytes("# file: d\nuser::rwx\nuser:root:r-x\ngroup::r-x\nmask::r-x\nother::r-x\ndefault:user::rwx\n"
            + "default:group::r-x\ndefault:other::r-x\n"));
    r.marker(T2);
    return r;
  }

  // ---- records -------------------------------------------------------------------------------

  public static String dir(String path, long mtime, int perms) {
    return record(path, "dir", null, mtime, perms, 0, 0, List.of());
  }

  public static String reg(String path, byte[] content, long mtime, int perms, long uid, long gid) {
    return record(path, "reg", null, mtime, perms, uid, gid,
        List.of("Size " + content.length, "SHA1Digest " + sha1(content)));
  }

  static String hardLink(String path, byte[] content, long mtime, boolean first) {
    List<String> f = new ArrayList<>(List.of("Size " + content.length, "NumHardLinks 2", "Inode 4242", "DeviceLoc 2049"));
    if (first) {
      f.add("SHA1Digest " + sha1(content));
    }
    return record(path, "reg", null, mtime, 0644, 0, 0, f);
  }

  public static String sym(String path, String target) {
    return "File " + path + "\n  Type sym\n  SymData " + target + "\n  Uid 0\n  Uname root\n  Gid 0\n  Gname root\n"
        + "  Permissions 511\n";
  }

  static String dev(String path, String num) {
    return "File " + path + "\n  Type dev\n  DeviceNum " + num + "\n  Uid 0\n  Uname root\n  Gid 0\n  Gname root\n"
        + "  Permissions 420\n";
  }

  /** A record; names are written as given (the caller escapes newlines as {@code \n}). */
  public static String record(String path, String type, String unused, long mtime, int perms, long uid, long gid,
      List<String> fields) {
    StringBuilder b = new StringBuilder("File ").append(path.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
    b.append("  Type ").append(type).append('\n');
    for (String f : fields) {
      b.append("  ").append(f).append('\n');
    }
    b.append("  ModTime ").append(mtime).append('\n');
    b.append("  Uid ").append(uid).append("\n  Uname ").append(uid == 0 ? "root" : ":").append('\n');
    b.append("  Gid ").append(gid).append("\n  Gname ").append(gid == 0 ? "root" : ":").append('\n');
    b.append("  Permissions ").append(perms).append('\n');
    return b.toString();
  }

  // ---- files ---------------------------------------------------------------------------------

  /** A mirror file (parents must exist), with its mtime. */
  public HandMadeRepo mirror(String rel, byte[] content, long mtime) {
    byte[] abs = TreeBuilder.path(Posix.bytes(root), rel.getBytes(StandardCharsets.ISO_8859_1));
    write(abs, content);
    try {
      Posix.setMtime(abs, mtime, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  public HandMadeRepo mirrorDir(String rel) {
    try {
      Files.createDirectories(root.resolve(rel));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** {@code mirror_metadata.<T>.<kind>} (plain text) with the given records in index order. */
  public HandMadeRepo metadata(long epoch, String kind, List<String> records) {
    // records are Latin-1 strings standing for raw bytes (names need not be UTF-8)
    return dataFile("mirror_metadata." + time(epoch) + "." + kind,
        String.join("", records).getBytes(StandardCharsets.ISO_8859_1));
  }

  /** {@code increments/<rel>.<T>.<type>} (parents are made). */
  public HandMadeRepo increment(String rel, long epoch, String type, byte[] content) {
    byte[] name = (rel + "." + time(epoch) + "." + type).getBytes(StandardCharsets.ISO_8859_1);
    byte[] abs = TreeBuilder.path(Posix.bytes(data.resolve("increments")), name);
    try {
      Files.createDirectories(data.resolve("increments").resolve(rel).getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    write(abs, content);
    return this;
  }

  public HandMadeRepo dataFile(String name, byte[] content) {
    write(TreeBuilder.path(Posix.bytes(data), name.getBytes(StandardCharsets.ISO_8859_1)), content);
    return this;
  }

  public HandMadeRepo marker(long epoch) {
    return dataFile("current_mirror." + time(epoch) + ".data", bytes("PID 1\n"));
  }

  /** The path of an increment file, to damage it in tests. */
  public Path incrementPath(String rel, long epoch, String type) {
    return data.resolve("increments").resolve(rel + "." + time(epoch) + "." + type);
  }

  /** A librsync delta that ignores its basis: magic, one LITERAL with a 4-byte length, END. */
  public static byte[] literalDelta(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x72, 0x73, 0x02, 0x36, 0x43});
    out.writeBytes(ByteBuffer.allocate(4).putInt(content.length).array());
    out.writeBytes(content);
    out.write(0);
    return out.toByteArray();
  }

  public static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  public static String sha1(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static void write(byte[] abs, byte[] content) {
    try (var ch = Posix.createNew(abs, 0600)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
