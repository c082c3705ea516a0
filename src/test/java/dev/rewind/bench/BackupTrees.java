package dev.rewind.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The two source trees of {@link BackupBench}, deterministic (SplitMix64 data from a seed, every
 * mtime set): {@code small}, many files of 100 B–4 KiB in nested directories, and {@code big}, a
 * few files of many MiB. {@link #mutate} makes the "1%" change before the incremental backup.
 */
final class BackupTrees {
  static final long BASE_TIME = 1_717_200_000L; // 2024-06-01 00:00 UTC

  private BackupTrees() {}

  /** The small-files tree: {@code files} files under {@code small/dNN/sNN/}, 100 a leaf, 20 leaves a top directory. */
  static String generateSmall(Path root, int files, long seed) throws IOException {
    BenchTree.removeTree(root);
    int perLeaf = 100;
    int leaves = (files + perLeaf - 1) / perLeaf;
    List<Runnable> tasks = new ArrayList<>();
    for (int leaf = 0; leaf < leaves; leaf++) {
      int l = leaf;
      tasks.add(() -> {
        Path dir = root.resolve(leafPath(l));
        BenchTree.createDirectories(dir);
        SplittableRandom rnd = new SplittableRandom(BenchTree.mix(seed, 1, l));
        for (int i = 0; i < perLeaf && l * perLeaf + i < files; i++) {
          byte[] data = new byte[100 + rnd.nextInt(3997)];
          BenchTree.fill(data, 0, data.length, rnd);
          BenchTree.write(dir.resolve(String.format(Locale.ROOT, "f%03d.dat", i)), data, BASE_TIME - 86_400L + rnd.nextInt(86_400));
        }
      });
    }
    BenchTree.runParallel(tasks);
    setDirectoryTimes(root, BASE_TIME - 3_600L);
    return String.format(Locale.ROOT, "%,d files of 100 B–4 KiB (uniform), %d per directory in %d leaf directories"
        + " (`dNN/sNN/`, 20 leaves per top directory)", files, perLeaf, leaves);
  }

  /** The big-files tree: {@code count} files of {@code mib} MiB each. */
  static String generateBig(Path root, int count, int mib, long seed) throws IOException {
    BenchTree.removeTree(root);
    BenchTree.createDirectories(root);
    List<Runnable> tasks = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      int k = b;
      tasks.add(() -> {
        SplittableRandom rnd = new SplittableRandom(BenchTree.mix(seed, 2, k));
        Path f = root.resolve(String.format(Locale.ROOT, "b%d.bin", k));
        byte[] chunk = new byte[1 << 20];
        try (var out = Files.newOutputStream(f)) {
          for (int m = 0; m < mib; m++) {
            BenchTree.fill(chunk, 0, chunk.length, rnd);
            out.write(chunk);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        BenchTree.setMtime(f, BASE_TIME - 7_200L);
      });
    }
    BenchTree.runParallel(tasks);
    setDirectoryTimes(root, BASE_TIME - 3_600L);
    return String.format(Locale.ROOT, "%d files of %d MiB (%.2f GiB) of incompressible data in one directory", count, mib,
        count * (double) mib / 1024);
  }

  /**
   * The change before the incremental: 1% of the regular files (at least one) rewritten with new
   * content and a new size when small (under 1 MiB); every file of 1 MiB or more gets {@code
   * bigEdits} in-place edits of 1–8 KiB at random offsets (same size). All touched files and
   * their directories get the mtime {@code mtime}.
   */
  static String mutate(Path root, long seed, int bigEdits, long mtime) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = new ArrayList<>(walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList());
    }
    SplittableRandom rnd = new SplittableRandom(BenchTree.mix(seed, 3));
    List<Path> small = new ArrayList<>();
    List<Path> big = new ArrayList<>();
    for (Path f : files) {
      (Files.size(f) >= (1 << 20) ? big : small).add(f);
    }
    int rewritten = 0;
    if (!small.isEmpty()) {
      int n = Math.max(1, files.size() / 100);
      for (int k = 0; k < n; k++) {
        Collections.swap(small, k, k + rnd.nextInt(small.size() - k));
      }
      for (int k = 0; k < n; k++) {
        byte[] data = new byte[100 + rnd.nextInt(3997)];
        BenchTree.fill(data, 0, data.length, rnd);
        BenchTree.write(small.get(k), data, mtime);
        BenchTree.setMtime(small.get(k).getParent(), mtime);
        rewritten++;
      }
    }
    long editedBytes = 0;
    for (Path f : big) {
      try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
        long size = raf.length();
        for (int e = 0; e < bigEdits; e++) {
          byte[] data = new byte[1024 + rnd.nextInt(7 * 1024 + 1)];
          BenchTree.fill(data, 0, data.length, rnd);
          raf.seek(rnd.nextLong(size - data.length));
          raf.write(data);
          editedBytes += data.length;
        }
      }
      BenchTree.setMtime(f, mtime);
    }
    List<String> parts = new ArrayList<>();
    if (rewritten > 0) {
      parts.add(String.format(Locale.ROOT, "%d of %,d small files rewritten with new content and size (1%%)", rewritten,
          small.size()));
    }
    if (!big.isEmpty()) {
      parts.add(String.format(Locale.ROOT, "all %d big files edited in place at %d random offsets each (1–8 KiB an edit,"
          + " %,d bytes in all)", big.size(), bigEdits, editedBytes));
    }
    return String.join("; ", parts) + "; their mtimes (and their directories') set to the session's day";
  }

  private static Path leafPath(int leaf) {
    return Path.of(String.format(Locale.ROOT, "d%02d", leaf / 20), String.format(Locale.ROOT, "s%02d", leaf % 20));
  }

  private static void setDirectoryTimes(Path root, long mtime) throws IOException {
    List<Path> dirs;
    try (Stream<Path> walk = Files.walk(root)) {
      dirs = walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
    }
    for (Path d : dirs) {
      BenchTree.setMtime(d, mtime);
    }
  }
}
