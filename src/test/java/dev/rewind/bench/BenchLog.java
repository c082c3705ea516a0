package dev.rewind.bench;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** The benches' progress lines: {@code [tag HH:MM:SS] message}, flushed at once. */
final class BenchLog {
  private BenchLog() {}

  static void line(String tag, String message) {
    System.out.println("[" + tag + " " + DateTimeFormatter.ISO_LOCAL_TIME.format(LocalTime.now().truncatedTo(ChronoUnit.SECONDS))
        + "] " + message);
    System.out.flush();
  }
}
