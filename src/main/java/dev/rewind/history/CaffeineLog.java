package dev.rewind.history;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps Caffeine quiet: it reports every failed asynchronous load with a stack trace, but a
 * failed load here is an expected outcome (a damaged increment) that reaches the caller as an
 * {@link java.io.IOException} naming the file.
 */
final class CaffeineLog {
  /** Held so that the logger and its level are not garbage-collected. */
  private static final Logger CAFFEINE = Logger.getLogger("com.github.benmanes.caffeine");

  private CaffeineLog() {}

  static void quiet() {
    CAFFEINE.setLevel(Level.OFF);
  }
}
