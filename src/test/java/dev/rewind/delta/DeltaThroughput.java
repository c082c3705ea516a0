package dev.rewind.delta;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Hand-run throughput check (not a test): encodes a large file against itself and against a
 * 1%-edited copy, patches the results back, and times {@code rdiff} on the same files.
 *
 * A third, unrelated file measures the rolling search alone (no matches).
 *
 * <p>Usage: {@code java -cp ... dev.rewind.delta.DeltaThroughput [dir] [sizeMiB] [rounds]}.
 */
public final class DeltaThroughput {
  private static final int MIB = 1 << 20;

  private DeltaThroughput() {}

  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("delta-throughput");
    int sizeMiB = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path base = dir.resolve("base");
    Path edited = dir.resolve("edited");
    Path unrelated = dir.resolve("other");
    writeRandom(base, (long) sizeMiB * MIB, 42);
    writeEdited(base, edited, 43);
    writeRandom(unrelated, (long) sizeMiB * MIB, 44);
    System.out.printf("size %d MiB, block length %d%n", sizeMiB, BlockLength.forFileSize(Files.size(base)));
    for (int r = 1; r <= rounds; r++) {
      for (Path target : List.of(base, edited, unrelated)) {
        javaRound(dir, base, target, r);
      }
    }
    for (Path target : List.of(base, edited, unrelated)) {
      rdiffRound(dir, base, target);
    }
  }

  private static void javaRound(Path dir, Path base, Path target, int round) throws IOException {
    long size = Files.size(base);
    Path delta = dir.resolve("java.delta");
    long t0 = System.nanoTime();
    Signature sig;
    try (InputStream in = open(base)) {
      sig = Signature.compute(in, BlockLength.forFileSize(size), 8, SignatureKind.MD4_ROLLSUM);
    }
    long t1 = System.nanoTime();
    try (InputStream in = open(target); OutputStream out = create(delta)) {
      DeltaEncoder.encode(sig, in, out);
    }
    long t2 = System.nanoTime();
    Path back = dir.resolve("java.patched");
    try (FileChannel b = FileChannel.open(base); InputStream d = open(delta); OutputStream o = create(back)) {
      DeltaPatcher.apply(b, d, o);
    }
    long t3 = System.nanoTime();
    boolean same = Files.mismatch(back, target) == -1;
    System.out.printf("java  round %d %-7s signature %6.0f MB/s, delta %6.0f MB/s, sig+delta %6.0f MB/s,"
            + " patch %6.0f MB/s, delta size %d, roundtrip %s%n",
        round, target.getFileName(), mbps(size, t1 - t0), mbps(Files.size(target), t2 - t1),
        mbps(Files.size(target), t2 - t0), mbps(Files.size(target), t3 - t2), Files.size(delta),
        same ? "ok" : "MISMATCH");
  }

  private static void rdiffRound(Path dir, Path base, Path target) throws Exception {
    Path sig = dir.resolve("rdiff.sig");
    Path delta = dir.resolve("rdiff.delta");
    String block = Integer.toString(BlockLength.forFileSize(Files.size(base)));
    long t0 = System.nanoTime();
    run(List.of("rdiff", "-f", "-H", "md4", "-R", "rollsum", "-S", "8", "-b", block, "signature",
        base.toString(), sig.toString()));
    long t1 = System.nanoTime();
    run(List.of("rdiff", "-f", "delta", sig.toString(), target.toString(), delta.toString()));
    long t2 = System.nanoTime();
    run(List.of("rdiff", "-f", "patch", base.toString(), delta.toString(), dir.resolve("rdiff.patched").toString()));
    long t3 = System.nanoTime();
    long size = Files.size(target);
    System.out.printf("rdiff         %-7s signature %6.0f MB/s, delta %6.0f MB/s, sig+delta %6.0f MB/s,"
            + " patch %6.0f MB/s, delta size %d%n",
        target.getFileName(), mbps(Files.size(base), t1 - t0), mbps(size, t2 - t1),
        mbps(size, t2 - t0), mbps(size, t3 - t2), Files.size(delta));
  }

  private static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("failed: " + command);
    }
  }

  private static double mbps(long bytes, long nanos) {
    return bytes / 1e6 / (nanos / 1e9);
  }

  private static void writeRandom(Path file, long size, long seed) throws IOException {
    Random rnd = new Random(seed);
    byte[] chunk = new byte[MIB];
    try (OutputStream out = create(file)) {
      for (long done = 0; done < size; done += chunk.length) {
        rnd.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(chunk.length, size - done));
      }
    }
  }

  /** About 1% of the bytes changed: overwrites, insertions and deletions spread over the file. */
  private static void writeEdited(Path base, Path edited, long seed) throws IOException {
    Random rnd = new Random(seed);
    byte[] data = Files.readAllBytes(base);
    int edits = Math.max(1, data.length / 100 / 1024);
    List<Integer> spots = new ArrayList<>();
    for (int i = 0; i < edits; i++) {
      spots.add(rnd.nextInt(data.length));
    }
    spots.sort(null);
    try (OutputStream out = create(edited)) {
      int from = 0;
      for (int spot : spots) {
        if (spot < from) {
          continue;
        }
        out.write(data, from, spot - from);
        byte[] noise = new byte[1024];
        rnd.nextBytes(noise);
        out.write(noise);
        // a third each: overwrite, insert, delete-and-insert (shifts the rest of the file)
        from = Math.min(data.length, spot + new int[] {1024, 0, 2048}[rnd.nextInt(3)]);
      }
      out.write(data, from, data.length - from);
    }
  }

  private static InputStream open(Path p) throws IOException {
    return new BufferedInputStream(Files.newInputStream(p), 1 << 16);
  }

  private static OutputStream create(Path p) throws IOException {
    return new BufferedOutputStream(Files.newOutputStream(p), 1 << 16);
  }
}
