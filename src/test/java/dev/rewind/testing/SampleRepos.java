package dev.rewind.testing;

import dev.rewind.posix.Posix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sample rdiff-backup repositories built with the real rdiff-backup from six sessions T1..T6 (a
 * day apart, {@code --current-time}) over one evolving source tree that exercises every kind of
 * change rdiff-backup records: in-place edits of a 3 MB file, appends, truncation, delete and
 * re-create, dir⇄file, file⇄symlink, symlink retarget, hard links made and broken, fifo, socket,
 * char and block devices, odd names (newline, invalid UTF-8, backslash, trailing space, {@code ;},
 * {@code :}, upper case, 240- and 255-byte names), owner-, mode- (setuid, setgid, sticky) and
 * mtime-only changes, a session without any change (T4), {@code user.*} xattrs, ACLs on a file
 * and a directory, an empty file, pre-1970 and post-2038 mtimes and a {@code *.jpg} (stored
 * uncompressed). A {@link TreeSnapshot} of the source is kept for every session.
 *
 * <p>Nothing is cached: each {@link #build} makes a fresh repository in the caller's directory,
 * which the caller deletes (see {@link TreeBuilder#deleteRecursively(Path)}).
 */
public final class SampleRepos {
  /** T1: 2024-03-29T09:13:20+01:00 in Berlin; sessions are a day apart, across a DST change. */
  public static final long T1 = 1711700000L;
  public static final long DAY = 86400L;
  public static final int SESSIONS = 6;
  /** The session (1-based) in which nothing changes. */
  public static final int UNCHANGED_SESSION = 4;
  /** Size of {@code big.bin} at T1. */
  public static final int BIG_SIZE = 3 * 1024 * 1024;

  /** How a sample repository is written. */
  public enum Variant {
    DEFAULT("Europe/Berlin", List.of(), List.of(), false),
    NO_COMPRESSION("Europe/Berlin", List.of(), List.of("--no-compression"), false),
    QUOTE_A_Z("Europe/Berlin", List.of("--chars-to-quote", "A-Z"), List.of(), false),
    UTC("UTC", List.of(), List.of(), false),
    ST_JOHNS("America/St_Johns", List.of(), List.of(), false),
    API_201("Europe/Berlin", List.of("--api-version", "201"), List.of(), false),
    /** Backed up by uid/gid 65534 (nobody): the mirror is theirs, devices cannot be made. */
    NON_ROOT("Europe/Berlin", List.of(), List.of(), true);

    public final String tz;
    public final List<String> globalOptions;
    public final List<String> backupOptions;
    public final boolean nonRoot;

    Variant(String tz, List<String> globalOptions, List<String> backupOptions, boolean nonRoot) {
      this.tz = tz;
      this.globalOptions = globalOptions;
      this.backupOptions = backupOptions;
      this.nonRoot = nonRoot;
    }
  }

  /** One backup session: its time and the source tree it saw. */
  public record Session(int number, long time, TreeSnapshot source) {}

  /** A built repository with the source snapshot of each of its sessions, oldest first. */
  public record Sample(Variant variant, Path repo, Path source, List<Session> sessions, RdiffBackup rdiff) {
    public Session session(int number) {
      return sessions.get(number - 1);
    }

    public Session last() {
      return sessions.get(sessions.size() - 1);
    }
  }

  private SampleRepos() {}

  /** Session time of session {@code n} (1-based). */
  public static long time(int n) {
    return T1 + (n - 1) * DAY;
  }

  /**
   * Builds the sample repository of {@code variant} under {@code workDir} ({@code workDir/src}
   * and {@code workDir/repo}). Needs root (owners, devices) and rdiff-backup. For {@link
   * Variant#NON_ROOT} the work directory and its ancestors are made traversable by others.
   */
  public static Sample build(Variant variant, Path workDir) {
    Tools.requireRoot();
    RdiffBackup rdiff = RdiffBackup.withTz(variant.tz);
    try {
      Files.createDirectories(workDir);
      Path src = workDir.resolve("src");
      Path repo = workDir.resolve("repo");
      if (variant.nonRoot) {
        Tools.require("setpriv");
        makeTraversable(workDir);
        Files.createDirectory(repo);
        Posix.lchown(Posix.bytes(repo), 65534, 65534);
        rdiff = rdiff.runningAs(RdiffBackup.AS_NOBODY);
      }
      TreeBuilder tree = TreeBuilder.at(src, clock(1));
      List<Session> sessions = new ArrayList<>();
      for (int n = 1; n <= SESSIONS; n++) {
        tree.clock(clock(n));
        change(n, tree);
        sessions.add(new Session(n, time(n), TreeSnapshot.capture(src)));
        String[] opts = variant.backupOptions.toArray(new String[0]);
        rdiff.backup(src, repo, time(n), variant.globalOptions, opts);
      }
      return new Sample(variant, repo, src, List.copyOf(sessions), RdiffBackup.withTz(variant.tz));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The mtime given to entries changed in session n: half an hour before its backup. */
  public static long clock(int n) {
    return time(n) - 1800;
  }

  /** Adds o+x to {@code dir} and its ancestors, so that another user can reach the tree. */
  private static void makeTraversable(Path dir) throws IOException {
    for (Path p = dir.toAbsolutePath(); p != null && p.getParent() != null; p = p.getParent()) {
      byte[] b = Posix.bytes(p);
      int perms = Posix.lstat(b).permissions();
      if ((perms & 0001) == 0) {
        Posix.chmod(b, perms | 0005);
      }
    }
  }

  /**
   * Applies the changes of session {@code session} (1 to {@link #SESSIONS}) to the tree, whose
   * clock the caller has set to {@link #clock(int) clock(session)}; for series of other writers.
   */
  public static void change(int session, TreeBuilder t) {
    switch (session) {
      case 1 -> initial(t);
      case 2 -> second(t);
      case 3 -> third(t);
      case 4 -> { } // a session with no change at all
      case 5 -> fifth(t);
      case 6 -> sixth(t);
      default -> throw new IllegalArgumentException("no session " + session);
    }
  }

  /** Names that only bytes can spell. */
  public static final byte[] NEWLINE_NAME = TreeBuilder.raw("odd/new\nline.txt");
  public static final byte[] BAD_UTF8_NAME = TreeBuilder.raw("odd/bad\u00ff\u00fe.bin");
  public static final byte[] BACKSLASH_NAME = TreeBuilder.raw("odd/back\\slash.txt");
  public static final byte[] TRAILING_SPACE_NAME = TreeBuilder.raw("odd/trailing space ");
  public static final String LONG_240 = TreeBuilder.repeat('L', 240);
  public static final String LONG_255 = TreeBuilder.repeat('M', 255);

  private static void initial(TreeBuilder t) {
    t.file("plain.txt", "hello\n")
        .randomFile("big.bin", BIG_SIZE, 1)
        .file("append.log", "line 1\n")
        .randomFile("trunc.txt", 20000, 2)
        .file("empty", "")
        .file("to_delete.txt", "delete me\n")
        .randomFile("photo.jpg", 30000, 3)
        .dir("sub")
        .file("sub/plain_in_sub.txt", "in sub\n")
        .file("sub-a", "sorts after sub/ in index order\n")
        .file("sub.txt", "also after sub/\n")
        .file("hl_1", "hard linked content\n")
        .hardlink("hl_2", "hl_1")
        .hardlink("sub/hl_3", "hl_1")
        .file("pair_a", "a pair of links\n")
        .hardlink("pair_b", "pair_a")
        .file("made_a", "will get a second name\n")
        .file("will_become_dir", "a file for now\n")
        .dir("will_become_file")
        .file("will_become_file/inner.txt", "inner\n")
        .dir("will_become_file/deeper")
        .file("will_become_file/deeper/x", "x\n")
        .file("file_to_sym", "a file that becomes a symlink\n")
        .symlink("sym_to_file", "does/not/exist")
        .symlink("sym_rel", "plain.txt")
        .symlink("sym_abs", "/etc/passwd")
        .symlink(TreeBuilder.raw("sym_weird"), TreeBuilder.raw("a\\b\nc d\u00ff"))
        .fifo("fifo1")
        .socket("sock1")
        .charDevice("cdev", 1, 3)
        .blockDevice("bdev", 7, 0);
    oddNames(t);
    perms(t);
    owners(t);
    times(t);
    xattrsAndAcls(t);
    t.dir("deleted_dir")
        .dir("deleted_dir/a")
        .dir("deleted_dir/a/b")
        .file("deleted_dir/a/b/c.txt", "deep\n")
        .file("deleted_dir/top.txt", "top\n")
        .touch("", t.clock());
  }

  private static void oddNames(TreeBuilder t) {
    t.dir("odd")
        .file(NEWLINE_NAME, "newline in the name\n")
        .file(BAD_UTF8_NAME, "not UTF-8\n")
        .file(BACKSLASH_NAME, "backslash\n")
        .file(TRAILING_SPACE_NAME, "space\n")
        .file("odd/semi;colon.txt", "semicolon\n")
        .file("odd/co:lon.txt", "colon\n")
        .file("odd/Upper.TXT", "upper\n")
        .file("odd/UPPER.txt", "UPPER\n")
        .file("odd/\u00fcn\u00efc\u00f6d\u00e9.txt", "unicode\n")
        .file(LONG_240, "a 240-byte name\n")
        .file(LONG_255, "a 255-byte name\n");
  }

  private static void perms(TreeBuilder t) {
    t.dir("perms")
        .file("perms/suid_me", "becomes setuid\n")
        .chmod("perms/suid_me", 0755)
        .file("perms/setuid", "setuid from the start\n")
        .chmod("perms/setuid", 04755)
        .dir("perms/sticky_dir")
        .dir("perms/setgid_dir")
        .chmod("perms/setgid_dir", 02755)
        .file("perms/ro", "read only\n")
        .chmod("perms/ro", 0444)
        .file("perms/mode_me", "mode changes\n");
  }

  private static void owners(TreeBuilder t) {
    t.dir("owners")
        .file("owners/u12345", "no name for these ids\n")
        .chown("owners/u12345", 12345, 54321)
        .file("owners/chown_me", "owner changes\n")
        .symlink("owners/sym_owned", "u12345")
        .chown("owners/sym_owned", 1000, 100)
        .file("owners/nobody", "owned by nobody\n")
        .chown("owners/nobody", 65534, 65534);
  }

  private static void times(TreeBuilder t) {
    t.dir("times")
        .file("times/neg", "1969\n")
        .touch("times/neg", -86400)
        .file("times/epoch", "1970\n")
        .touch("times/epoch", 0)
        .file("times/far", "after 2038\n")
        .touch("times/far", 5_000_000_000L)
        .file("times/touch_me", "only the mtime changes\n")
        .touch("times", t.clock());
  }

  private static void xattrsAndAcls(TreeBuilder t) {
    t.dir("xattr")
        .xattr("xattr", "user.dirattr", "on a dir".getBytes())
        .file("xattr/f", "has xattrs\n")
        .xattr("xattr/f", "user.comment", "hello world".getBytes())
        .xattr("xattr/f", "user.bin", new byte[] {0, 1, (byte) 0xff, '\n', '='})
        .xattr("xattr/f", "user.empty", new byte[0])
        .dir("acl")
        .file("acl/f", "has an ACL\n")
        .acl("acl/f", "u:nobody:r--,u:12345:r--,g:nogroup:r--")
        .dir("acl/dir")
        .acl("acl/dir", "u:nobody:rwx,d:u:nobody:rwx,d:g:users:r-x");
  }

  private static void second(TreeBuilder t) {
    t.editAt("big.bin", 1_000_000, "EDIT-ONE".getBytes())
        .editAt("big.bin", 2_500_000, "EDIT-TWO".getBytes())
        .append("append.log", "line 2\n")
        .truncate("trunc.txt", 1000)
        .delete("to_delete.txt")
        .file("new.txt", "new in T2\n")
        .dir("dir_b")
        .file("dir_b/new.txt", "new dir in T2\n")
        .replaceWithDir("will_become_dir")
        .file("will_become_dir/child.txt", "child\n")
        .replaceWithFile("will_become_file", "was a dir\n")
        .replaceWithSymlink("file_to_sym", "plain.txt")
        .replaceWithFile("sym_to_file", "was a symlink\n")
        .retarget("sym_rel", "sub/plain_in_sub.txt")
        .hardlink("made_b", "made_a")
        .breakHardLink("pair_b")
        .editAt("photo.jpg", 100, "JPEG?".getBytes())
        .chmod("perms/suid_me", 04755)
        .chmod("perms/sticky_dir", 01777)
        .chown("owners/chown_me", 1000, 100)
        .touch("times/touch_me", clockOf(t) - 7 * DAY)
        .xattr("xattr/f", "user.comment", "changed".getBytes())
        .fifo("fifo2");
  }

  private static void third(TreeBuilder t) {
    t.file("to_delete.txt", "re-created in T3\n")
        .replaceWithFile("file_to_sym", "a file again\n")
        .editAt("big.bin", 100, "EDIT-THREE".getBytes())
        .delete("cdev")
        .charDevice("cdev", 1, 5)
        .delete("fifo1")
        .delete("sock1")
        .delete("deleted_dir")
        .breakHardLink("hl_2")
        .write(NEWLINE_NAME, "changed content\n".getBytes())
        .write(LONG_240, "the 240-byte name changed\n")
        .write(LONG_255, "the 255-byte name changed\n")
        .acl("acl/f", "u:nobody:rw-")
        .chmod("perms/mode_me", 0664)
        .write("empty", "not empty any more\n")
        .write("odd/Upper.TXT", "upper changed\n");
  }

  private static void fifth(TreeBuilder t) {
    t.append("big.bin", TreeBuilder.randomBytes(1000, 5))
        .truncate("photo.jpg", 20000)
        .touch("times/touch_me", clockOf(t) - 3 * DAY)
        .chown("owners/chown_me", 12345, 54321)
        .chmod("perms/suid_me", 02755)
        .retarget(TreeBuilder.raw("sym_rel"), TreeBuilder.raw("odd/bad\u00ff\u00fe.bin"))
        .write(BAD_UTF8_NAME, "not UTF-8, changed\n".getBytes())
        .replaceWithFile("will_become_dir", "a file again\n")
        .file(TreeBuilder.raw("odd/tab\there"), "tab\n".getBytes(), 0640 | 0004)
        .delete("bdev")
        .blockDevice("bdev", 7, 1)
        .xattr("xattr/f", "user.bin", new byte[] {9, 8, 7})
        .aclClear("acl/f")
        .chmod("acl/f", 0644)
        .write("empty", "");
  }

  private static void sixth(TreeBuilder t) {
    t.delete("photo.jpg")
        .write("hl_1", "hard linked content, changed through hl_1\n")
        .socket("sock1")
        .delete(TRAILING_SPACE_NAME)
        .delete("dir_b")
        .truncate("trunc.txt", 0)
        .editAt("big.bin", 3_000_000, "EDIT-SIX".getBytes())
        .replaceWithDir("file_to_sym")
        .file("file_to_sym/inside", "a dir now\n");
  }

  private static long clockOf(TreeBuilder t) {
    return t.clock();
  }
}
