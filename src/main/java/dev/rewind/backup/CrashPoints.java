package dev.rewind.backup;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Numbered points between the steps of a backup where a test can make the process die as if
 * killed with {@code kill -9}: with {@code REWIND_CRASH_AT=N} in the environment, the Nth point
 * reached halts the JVM at once (no cleanup, no finally blocks). Unset, each point costs one
 * comparison. This exists so that crash safety is tested at every step, not just at random
 * moments.
 */
final class CrashPoints {
  private static final long CRASH_AT = parse(System.getenv("REWIND_CRASH_AT"));
  private static final AtomicLong reached = new AtomicLong();

  private CrashPoints() {}

  static void reach(String step) {
    if (CRASH_AT > 0 && reached.incrementAndGet() == CRASH_AT) {
      System.err.println("rewind: crash injected at point " + CRASH_AT + " (" + step + ")");
      System.err.flush();
      Runtime.getRuntime().halt(137);
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
