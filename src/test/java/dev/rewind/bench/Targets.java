package dev.rewind.bench;

import dev.rewind.testing.Proc;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Where restores go. {@code ext4} (the default as root): each restore gets a new ext4 file system
 * (a sparse image under the work dir, {@code mkfs.ext4} with its inode tables initialised up
 * front, loop-mounted), so no run inherits the free-inode state left by deleting an earlier
 * run's tree: on an ext4 without a journal (such as this VM's root) recently deleted inodes make
 * creating files much slower for a while, which would bias whichever tool runs next. {@code dir}:
 * plain directories under the work dir, deleted only at the end.
 */
final class Targets implements AutoCloseable {
  private final Path root;
  private final boolean ext4;
  private final long imageBytes;
  private final List<Path> mounts = new ArrayList<>();

  private Targets(Path root, boolean ext4, long imageBytes) {
    this.root = root;
    this.ext4 = ext4;
    this.imageBytes = imageBytes;
  }

  /** Cleans {@code root} (unmounting what an earlier run left there) and picks the mode. */
  static Targets open(Path root, String mode, long imageBytes) throws IOException {
    unmountUnder(root);
    BenchTree.removeTree(root);
    Files.createDirectories(root);
    boolean canExt4 = "root".equals(System.getProperty("user.name")) && Tools.find("mkfs.ext4") != null
        && Tools.find("mount") != null;
    boolean ext4 = switch (mode) {
      case "ext4" -> {
        if (!canExt4) {
          throw new AssertionError("bench.targetFs=ext4 needs root, mkfs.ext4 and mount; use -Dbench.targetFs=dir");
        }
        yield true;
      }
      case "dir" -> false;
      case "auto" -> canExt4;
      default -> throw new AssertionError("bench.targetFs must be auto, ext4 or dir, not " + mode);
    };
    return new Targets(root, ext4, imageBytes);
  }

  String describe() {
    return ext4
        ? "a new ext4 file system for every restore (sparse " + (imageBytes >> 30) + " GiB image on the work dir's disk,"
            + " mkfs.ext4 -E lazy_itable_init=0,lazy_journal_init=0, loop-mounted)"
        : "new directories under the work dir (deleted at the end)";
  }

  /** A new, not yet existing target path, named {@code name}. */
  Path fresh(String name) {
    if (!ext4) {
      return root.resolve(name);
    }
    Path image = root.resolve(name + ".img");
    Path mnt = root.resolve(name);
    sh(List.of("truncate", "-s", Long.toString(imageBytes), image.toString()));
    sh(List.of("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", image.toString()));
    try {
      Files.createDirectories(mnt);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    sh(List.of("mount", "-o", "loop", image.toString(), mnt.toString()));
    mounts.add(mnt);
    return mnt.resolve("restored");
  }

  /** Frees a target made by {@link #fresh}. */
  void release(Path target) {
    if (!ext4) {
      return;
    }
    Path mnt = target.getParent();
    sh(List.of("umount", mnt.toString()));
    mounts.remove(mnt);
    BenchTree.removeTree(mnt);
    BenchTree.removeTree(root.resolve(mnt.getFileName() + ".img"));
  }

  @Override
  public void close() throws IOException {
    for (Path mnt : new ArrayList<>(mounts)) {
      release(mnt.resolve("restored"));
    }
    BenchTree.removeTree(root);
  }

  private static void unmountUnder(Path root) throws IOException {
    Path mounts = Path.of("/proc/self/mounts");
    if (!Files.isReadable(mounts)) {
      return;
    }
    String prefix = root.toAbsolutePath() + "/";
    List<String> points = new ArrayList<>();
    for (String line : Files.readAllLines(mounts, StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 1 && f[1].startsWith(prefix)) {
        points.add(f[1]);
      }
    }
    points.sort(Comparator.reverseOrder());
    for (String p : points) {
      sh(List.of("umount", p));
    }
  }

  private static void sh(List<String> cmd) {
    Proc.run(cmd, null, Map.of(), Duration.ofMinutes(10)).expect(0);
  }
}
