package dev.rewind.bench;

import dev.rewind.testing.Proc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A deterministic benchmark tree and an rdiff-backup repository of it with {@code sessions}
 * sessions, one day apart ({@code --current-time}).
 *
 * <p>Shape: {@code smallFiles} files of 1–16 KiB under {@code small/dNN/sN/} (100 files a leaf
 * directory, 10 leaves a top directory), one relative symlink per top directory, and {@code
 * bigFiles} files of {@code bigFileMiB} MiB under {@code big/}. All content is pseudo-random
 * (SplitMix64, so incompressible) and a pure function of the seed; every mtime is set
 * explicitly, so two generations with the same spec give byte- and mtime-identical trees and
 * repositories with the same metadata.
 *
 * <p>Between sessions: 3–5 in-place edits of 512 B–8 KiB at random offsets in every big file;
 * 1% of the small files changed (half by an in-place edit, half rewritten with a new size);
 * 0.1% of the small files deleted and as many new ones added.
 *
 * <p>The work directory holds {@code src/} (the live tree, as of the last session), {@code
 * repo/} (the repository) and {@code READY} (written last, holding the spec): a directory whose
 * {@code READY} matches the spec is reused as it is.
 */
final class BenchTree {
  /** 2024-01-01T00:00:00Z: the first session; the others follow one day apart. */
  static final long BASE_TIME = 1_704_067_200L;

  private static final int FILES_PER_LEAF = 100;
  private static final int LEAVES_PER_TOP = 10;
  private static final int CHUNK = 1 << 20;
  private static final String GENERATOR = "rewind-bench-tree v1";
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** What to generate; every field is part of the READY marker. */
  record Spec(int smallFiles, int bigFiles, int bigFileMiB, int sessions, long seed) {
    static Spec fromSystemProperties() {
      return new Spec(
          Integer.getInteger("bench.smallFiles", 20_000),
          Integer.getInteger("bench.bigFiles", 8),
          Integer.getInteger("bench.bigFileMiB", 128),
          Integer.getInteger("bench.sessions", 10),
          Long.getLong("bench.seed", 20240101L));
    }

    String marker() {
      return GENERATOR + "\nsmallFiles=" + smallFiles + "\nbigFiles=" + bigFiles + "\nbigFileMiB="
          + bigFileMiB + "\nsessions=" + sessions + "\nseed=" + seed + "\n";
    }

    String describe() {
      return String.format(Locale.ROOT,
          "%,d small files (1–16 KiB) in %d leaf directories + %d symlinks + %d big files × %d MiB"
              + " = %,.2f GiB of big files; %d sessions one day apart (seed %d)",
          smallFiles, leaves(), tops(), bigFiles, bigFileMiB, bigFiles * (double) bigFileMiB / 1024,
          sessions, seed);
    }

    /** An upper bound of the tree's size in bytes. */
    long approxBytes() {
      return (long) bigFiles * bigFileMiB * CHUNK + (long) smallFiles * 17 * 1024;
    }

    int leaves() {
      return (smallFiles + FILES_PER_LEAF - 1) / FILES_PER_LEAF;
    }

    int tops() {
      return (leaves() + LEAVES_PER_TOP - 1) / LEAVES_PER_TOP;
    }
  }

  private final Spec spec;
  private final Path dir;
  private final Consumer<String> log;

  BenchTree(Spec spec, Path dir, Consumer<String> log) {
    this.spec = spec;
    this.dir = dir;
    this.log = log;
  }

  Path src() {
    return dir.resolve("src");
  }

  Path repo() {
    return dir.resolve("repo");
  }

  long approxBytes() {
    return spec.approxBytes();
  }

  Spec spec() {
    return spec;
  }

  long sessionTime(int session) {
    return BASE_TIME + session * 86_400L;
  }

  long oldest() {
    return sessionTime(0);
  }

  long newest() {
    return sessionTime(spec.sessions() - 1);
  }

  boolean ready() throws IOException {
    Path marker = dir.resolve("READY");
    return Files.isRegularFile(marker)
        && Files.readString(marker, StandardCharsets.UTF_8).equals(spec.marker())
        && Files.isDirectory(src())
        && Files.isDirectory(repo().resolve("rdiff-backup-data"));
  }

  /** Makes the tree and the repository unless a complete one with the same spec is there. */
  void prepare() throws IOException {
    if (ready()) {
      log.accept("reusing tree and repository in " + dir + " (READY matches the spec)");
      return;
    }
    log.accept("generating in " + dir + ": " + spec.describe());
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve("READY"));
    removeTree(src());
    removeTree(repo());
    long t0 = System.nanoTime();
    generate();
    log.accept(String.format(Locale.ROOT, "generated %s in %.1f s", src(), seconds(t0)));
    for (int s = 0; s < spec.sessions(); s++) {
      if (s > 0) {
        long tm = System.nanoTime();
        String what = mutate(s);
        log.accept(String.format(Locale.ROOT, "session %d: mutated (%s) in %.1f s", s, what, seconds(tm)));
      }
      long tb = System.nanoTime();
      backup(s);
      log.accept(String.format(Locale.ROOT, "session %d (--current-time %d): rdiff-backup backup took %.1f s",
          s, sessionTime(s), seconds(tb)));
    }
    Files.writeString(dir.resolve("READY"), spec.marker(), StandardCharsets.UTF_8);
  }

  // ---- generation ----------------------------------------------------------------------------

  private void generate() throws IOException {
    Path small = src().resolve("small");
    Path big = src().resolve("big");
    Files.createDirectories(big);
    long mtime = sessionTime(0) - 86_400L;
    // two threads: the machine has two cores, and generation is CPU- and write-bound
    runParallel(IntStream.range(0, spec.bigFiles()).<Runnable>mapToObj(b -> () -> writeBig(big.resolve(bigName(b)), b, mtime)).toList());
    List<Runnable> leaves = new ArrayList<>();
    for (int leaf = 0; leaf < spec.leaves(); leaf++) {
      int l = leaf;
      leaves.add(() -> {
        Path leafDir = small.resolve(leafPath(l));
        createDirectories(leafDir);
        int end = Math.min(spec.smallFiles(), (l + 1) * FILES_PER_LEAF);
        for (int i = l * FILES_PER_LEAF; i < end; i++) {
          SplittableRandom rnd = new SplittableRandom(mix(spec.seed(), 1, i, 0));
          byte[] data = new byte[1024 + rnd.nextInt(15 * 1024 + 1)];
          fill(data, 0, data.length, rnd);
          write(leafDir.resolve(String.format(Locale.ROOT, "f%05d.dat", i)), data, mtime);
        }
      });
    }
    runParallel(leaves);
    for (int top = 0; top < spec.tops(); top++) {
      Path link = small.resolve(topName(top)).resolve("link");
      Files.createSymbolicLink(link, Path.of("s0", String.format(Locale.ROOT, "f%05d.dat", top * LEAVES_PER_TOP * FILES_PER_LEAF)));
    }
    setDirectoryTimes(mtime);
  }

  private void writeBig(Path file, int index, long mtime) {
    long size = (long) spec.bigFileMiB() * CHUNK;
    byte[] buf = new byte[CHUNK];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long chunk = 0; chunk * CHUNK < size; chunk++) {
        fill(buf, 0, CHUNK, new SplittableRandom(mix(spec.seed(), 2, index, chunk)));
        ByteBuffer bb = ByteBuffer.wrap(buf);
        while (bb.hasRemaining()) {
          ch.write(bb);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    setMtime(file, mtime);
  }

  // ---- mutation between sessions -------------------------------------------------------------

  /** Changes the tree for session {@code s}; returns a summary. */
  private String mutate(int s) throws IOException {
    SplittableRandom rnd = new SplittableRandom(mix(spec.seed(), 3, s, 0));
    long mtime = sessionTime(s) - 3_600L;
    int edits = 0;
    for (int b = 0; b < spec.bigFiles(); b++) {
      Path file = src().resolve("big").resolve(bigName(b));
      long size = Files.size(file);
      int n = 3 + rnd.nextInt(3);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        for (int k = 0; k < n; k++) {
          byte[] patch = new byte[512 + rnd.nextInt(8192 - 512 + 1)];
          fill(patch, 0, patch.length, rnd);
          long off = rnd.nextLong(size - patch.length);
          ByteBuffer bb = ByteBuffer.wrap(patch);
          while (bb.hasRemaining()) {
            off += ch.write(bb, off);
          }
          edits++;
        }
      }
      setMtime(file, mtime);
    }

    List<Path> files = smallFiles();
    int changes = Math.max(1, files.size() / 100);
    int churn = Math.max(1, files.size() / 1000);
    // a seeded partial shuffle over the sorted list picks distinct files deterministically
    for (int k = 0; k < changes + churn; k++) {
      Collections.swap(files, k, k + rnd.nextInt(files.size() - k));
    }
    int inPlace = 0;
    for (int k = 0; k < changes; k++) {
      Path f = files.get(k);
      if (rnd.nextBoolean()) {
        byte[] data = Files.readAllBytes(f);
        int len = Math.min(data.length, 256 + rnd.nextInt(769));
        int off = rnd.nextInt(data.length - len + 1);
        fill(data, off, len, rnd);
        write(f, data, mtime);
        inPlace++;
      } else {
        byte[] data = new byte[1024 + rnd.nextInt(15 * 1024 + 1)];
        fill(data, 0, data.length, rnd);
        write(f, data, mtime);
      }
    }
    for (int k = changes; k < changes + churn; k++) {
      Files.delete(files.get(k));
    }
    for (int k = 0; k < churn; k++) {
      Path leafDir = src().resolve("small").resolve(leafPath(rnd.nextInt(spec.leaves())));
      byte[] data = new byte[1024 + rnd.nextInt(15 * 1024 + 1)];
      fill(data, 0, data.length, rnd);
      write(leafDir.resolve(String.format(Locale.ROOT, "n%02d_%04d.dat", s, k)), data, mtime);
    }
    setDirectoryTimes(sessionTime(s) - 1_800L);
    return String.format(Locale.ROOT, "%d edits in %d big files; %d small files changed (%d in place), %d deleted, %d added",
        edits, spec.bigFiles(), changes, inPlace, churn, churn);
  }

  private List<Path> smallFiles() throws IOException {
    try (Stream<Path> walk = Files.walk(src().resolve("small"))) {
      List<Path> out = new ArrayList<>(walk
          .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .sorted()
          .toList());
      return out;
    }
  }

  private void setDirectoryTimes(long mtime) throws IOException {
    try (Stream<Path> walk = Files.walk(src())) {
      for (Path d : walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        setMtime(d, mtime);
      }
    }
  }

  // ---- rdiff-backup sessions -----------------------------------------------------------------

  private void backup(int s) {
    List<String> cmd = List.of("rdiff-backup", "--current-time", Long.toString(sessionTime(s)), "--no-fsync",
        "backup", src().toString(), repo().toString());
    Proc.Result r = Proc.run(cmd, null, Map.of(), Duration.ofMinutes(60));
    if (r.exitCode() != 0) {
      throw new AssertionError("rdiff-backup session " + s + " failed (exit " + r.exitCode() + "): " + cmd
          + "\nstdout: " + r.out() + "\nstderr: " + r.stderr());
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  static void removeTree(Path p) {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Proc.run(List.of("rm", "-rf", "--one-file-system", p.toString()), null, Map.of(), Duration.ofMinutes(30))
        .expect(0);
  }

  private static String bigName(int b) {
    return String.format(Locale.ROOT, "b%d.bin", b);
  }

  private static String topName(int top) {
    return String.format(Locale.ROOT, "d%02d", top);
  }

  private static Path leafPath(int leaf) {
    return Path.of(topName(leaf / LEAVES_PER_TOP), "s" + (leaf % LEAVES_PER_TOP));
  }

  /** Fills {@code len} bytes with the next values of {@code rnd} (8 bytes a call). */
  static void fill(byte[] buf, int off, int len, SplittableRandom rnd) {
    int end = off + len;
    int i = off;
    for (; i + 8 <= end; i += 8) {
      LONGS.set(buf, i, rnd.nextLong());
    }
    if (i < end) {
      long v = rnd.nextLong();
      for (; i < end; i++, v >>>= 8) {
        buf[i] = (byte) v;
      }
    }
  }

  /** A well-spread seed from a few integers (SplitMix64's finalizer over a running hash). */
  static long mix(long... parts) {
    long h = 0x9E3779B97F4A7C15L;
    for (long p : parts) {
      h ^= p;
      h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
      h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
      h ^= h >>> 31;
      h += 0x9E3779B97F4A7C15L;
    }
    return h;
  }

  /** Writes a file and sets its mtime (unchecked, for generator tasks). */
  static void write(Path file, byte[] data, long mtime) {
    try {
      Files.write(file, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    setMtime(file, mtime);
  }

  static void setMtime(Path p, long epochSecond) {
    try {
      Files.setLastModifiedTime(p, FileTime.from(epochSecond, TimeUnit.SECONDS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void createDirectories(Path p) {
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs generator tasks on two threads; the first failure fails the whole. */
  static void runParallel(List<Runnable> tasks) {
    AtomicLong next = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 2; t++) {
      Thread th = new Thread(() -> {
        for (int i = (int) next.getAndIncrement(); i < tasks.size() && errors.isEmpty(); i = (int) next.getAndIncrement()) {
          try {
            tasks.get(i).run();
          } catch (Throwable e) {
            errors.add(e);
          }
        }
      }, "bench-gen-" + t);
      th.start();
      threads.add(th);
    }
    for (Thread th : threads) {
      try {
        th.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    if (!errors.isEmpty()) {
      throw new AssertionError("generation failed", errors.get(0));
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
