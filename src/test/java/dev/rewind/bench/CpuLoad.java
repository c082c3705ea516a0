package dev.rewind.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The machine's busy CPU time from {@code /proc/stat} (all processes and the kernel), to tell
 * how much else ran during a measurement, and to wait for a quiet moment before one.
 */
final class CpuLoad {
  private static final double TICKS = 100.0; // USER_HZ on Linux

  private CpuLoad() {}

  /** Busy CPU seconds since boot: user, nice, system, irq, softirq and steal. */
  static double busySeconds() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
        busy += Long.parseLong(f[i]);
      }
      return busy / TICKS;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until the rest of the machine uses under {@code cores} cores over 3 s, for at most
   * {@code maxSeconds}; returns whether it got quiet.
   */
  static boolean awaitQuiet(double cores, int maxSeconds, Consumer<String> log) {
    long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
    boolean waited = false;
    while (true) {
      double b0 = busySeconds();
      sleep(3000);
      double used = (busySeconds() - b0) / 3.0;
      if (used < cores) {
        if (waited) {
          log.accept(String.format(Locale.ROOT, "machine quiet again (%.2f cores busy)", used));
        }
        return true;
      }
      if (System.nanoTime() > deadline) {
        log.accept(String.format(Locale.ROOT, "machine still busy (%.2f cores) after %d s: measuring anyway", used, maxSeconds));
        return false;
      }
      if (!waited) {
        log.accept(String.format(Locale.ROOT, "machine busy (%.2f cores used by others): waiting up to %d s", used, maxSeconds));
        waited = true;
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
