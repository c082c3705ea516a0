package dev.rewind.pull;

import dev.rewind.backup.Progress;
import dev.rewind.core.RelPath;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress of one host's long pull as occasional plain log lines ({@code web1: progress, 120000
 * entries, 1.2 GB read}), so that a journal shows a pull is alive. Called from the host's
 * backup thread only.
 */
final class ProgressLog implements Progress {
  static final Duration INTERVAL = Duration.ofMinutes(1);

  private final String host;
  private final Consumer<String> log;
  private final LongSupplier nanoTicker;
  private long entries;
  private long bytes;
  private long lastLine;

  /** @param nanoTicker {@link System#nanoTime} outside tests */
  ProgressLog(String host, Consumer<String> log, LongSupplier nanoTicker) {
    this.host = host;
    this.log = log;
    this.nanoTicker = nanoTicker;
    this.lastLine = nanoTicker.getAsLong();
  }

  @Override
  public void entry(RelPath path, long contentBytes) {
    entries++;
    bytes += contentBytes;
    long now = nanoTicker.getAsLong();
    if (now - lastLine >= INTERVAL.toNanos()) {
      lastLine = now;
      log.accept(host + ": progress, " + entries + " entries, " + HostResult.human(bytes) + " read");
    }
  }
}
