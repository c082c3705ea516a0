package dev.rewind.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The demo's built-in sample tree, day by day: each day changes it the way servers change (a log
 * grows, a big file is edited in the middle, a file vanishes, a file appears), so that the
 * history has something to show.
 */
final class SampleTree {
  static final String NOTES = "notes.txt";

  private SampleTree() {}

  /**
   * Brings {@code root} to its state on {@code day} (0, 1 or 2), from its state the day before;
   * what it writes gets {@code time} (epoch seconds) as its modification time.
   */
  static void writeDay(Path root, int day, long time) throws IOException {
    long before = System.currentTimeMillis() - 1000;
    writeDay(root, day);
    FileTime then = FileTime.from(time, TimeUnit.SECONDS);
    try (var walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        if (!Files.isSymbolicLink(p) && Files.getLastModifiedTime(p).toMillis() >= before) {
          Files.setLastModifiedTime(p, then);
        }
      }
    }
  }

  private static void writeDay(Path root, int day) throws IOException {
    switch (day) {
      case 0 -> {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve(NOTES), "Day 1: the server was installed.\n");
        Files.writeString(root.resolve("docs/plan.md"), "# Plan\n- install\n");
        Files.write(root.resolve("docs/big.bin"), pseudoRandom(3 << 20, 1));
        Files.writeString(root.resolve("will-vanish.txt"), "only on day 1\n");
        Files.createSymbolicLink(root.resolve("latest-notes"), Path.of(NOTES));
      }
      case 1 -> {
        Files.writeString(root.resolve(NOTES), "Day 2: backups were configured.\n", StandardOpenOption.APPEND);
        byte[] big = Files.readAllBytes(root.resolve("docs/big.bin"));
        System.arraycopy("edited on day 2".getBytes(StandardCharsets.US_ASCII), 0, big, 1 << 20, 15);
        Files.write(root.resolve("docs/big.bin"), big);
        Files.delete(root.resolve("will-vanish.txt"));
      }
      case 2 -> {
        Files.writeString(root.resolve(NOTES), "Day 3: someone rewrote the notes.\n");
        Files.writeString(root.resolve("docs/new-on-day3.txt"), "new\n");
      }
      default -> throw new IllegalArgumentException("the sample tree has days 0 to 2, not " + day);
    }
  }

  private static byte[] pseudoRandom(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
