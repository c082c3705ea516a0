package dev.rewind.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rewind.core.RelPath;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressLogTest {
  @Test
  void entries_giveALineOncePerInterval_withTotals() {
    AtomicLong ticker = new AtomicLong(5);
    List<String> lines = new ArrayList<>();
    ProgressLog p = new ProgressLog("web1", lines::add, ticker::get);
    p.entry(RelPath.of("a"), 600_000);
    ticker.addAndGet(ProgressLog.INTERVAL.toNanos() - 1);
    p.entry(RelPath.of("b"), 600_000);
    assertEquals(List.of(), lines, "not before a whole interval");
    ticker.addAndGet(1);
    p.entry(RelPath.of("c"), 0);
    p.entry(RelPath.of("d"), 0);
    assertEquals(List.of("web1: progress, 3 entries, 1.2 MB read"), lines);
  }
}
