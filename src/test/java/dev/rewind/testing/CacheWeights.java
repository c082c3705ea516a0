package dev.rewind.testing;

import java.util.function.LongSupplier;

/** Reading the weight of a Caffeine async cache in tests. */
public final class CacheWeights {
  private CacheWeights() {}

  /**
   * The weight once Caffeine has applied it. An async cache weighs a value when its future
   * completes, on the completing thread, which may run after the caller's get() has returned: so
   * a test waits (up to 5 s) for the expected figure and returns what it saw last.
   */
  public static long settled(LongSupplier weight, long expected) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    long now = weight.getAsLong();
    while (now != expected && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      now = weight.getAsLong();
    }
    return now;
  }
}
