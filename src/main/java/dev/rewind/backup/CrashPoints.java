package dev.rewind.backup;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Numbered points between the steps of a backup where a test can make the process die as if
 * killed with {@code kill -9}: with {@code REWIND_CRASH_AT=N} in the environment, the Nth point
 * reached halts the JVM at once (no cleanup, no finally blocks). Unset, each point costs one
 * comparison. This exists so that crash safety is tested at every step, not just at random
 * moments. With {@code REWIND_CRASH_COUNT_FILE=PATH}, the number of points reached is written to
 * PATH when the JVM exits, so that a test knows how many points a run passes.
 */
final class CrashPoints {
  private static final long CRASH_AT = parse(System.getenv("REWIND_CRASH_AT"));
  private static final String COUNT_FILE = System.getenv("REWIND_CRASH_COUNT_FILE");
  private static final AtomicLong reached = new AtomicLong();

  static {
    if (COUNT_FILE != null) {
      Runtime.getRuntime().addShutdownHook(new Thread(CrashPoints::writeCount));
    }
  }

  private CrashPoints() {}

  static void reach(String step) {
    if ((CRASH_AT > 0 || COUNT_FILE != null) && reached.incrementAndGet() == CRASH_AT) {
      System.err.println("rewind: crash injected at point " + CRASH_AT + " (" + step + ")");
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
  }

  private static void writeCount() {
    try {
      java.nio.file.Files.writeString(java.nio.file.Path.of(COUNT_FILE), reached.get() + "\n");
    } catch (java.io.IOException e) {
      System.err.println("rewind: cannot write the crash point count to " + COUNT_FILE + ": " + e.getMessage());
    }
  }

  private static long parse(String v) {
    try {
      return v == null ? 0 : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
