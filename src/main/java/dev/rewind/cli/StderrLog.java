package dev.rewind.cli;

import dev.rewind.fuse.MountLog;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The mount's log: one timestamped line per event on stderr (a file when running as a daemon). */
final class StderrLog implements MountLog {
  private final PrintStream err;

  StderrLog(PrintStream err) {
    this.err = err;
  }

  @Override
  public void warn(String message) {
    line("warning: " + message);
  }

  @Override
  public void info(String message) {
    line(message);
  }

  private synchronized void line(String message) {
    err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " rewind mount: " + message.replace('\n', ' '));
    err.flush();
  }
}
