package dev.rewind.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rewind.core.SessionTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeSpecTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final long NOW = 1712221200L;
  private static final List<SessionTime> SESSIONS = List.of(
      new SessionTime(1711700000L, "a"), new SessionTime(1711962000L, "b"), new SessionTime(1712221200L, "c"));

  private static long at(String spec) {
    return TimeSpec.resolve(spec, NOW, SESSIONS, BERLIN);
  }

  @Test
  void resolve_nowAndEpoch() {
    assertEquals(NOW, at("now"));
    assertEquals(1711700000L, at("1711700000"));
  }

  @Test
  void resolve_intervals_countBackFromNow() {
    assertEquals(NOW - 3 * 86400, at("3D"));
    assertEquals(NOW - 2 * 7 * 86400, at("2W"));
    assertEquals(NOW - 5 * 3600 - 30 * 60, at("5h30m"));
  }

  @Test
  void resolve_sessionsBack_countsFromCurrent() {
    assertEquals(1712221200L, at("0B"));
    assertEquals(1711700000L, at("2B"));
    assertEquals(1711700000L, at("9B"));
  }

  @Test
  void resolve_timeStringsAndDates() {
    assertEquals(1711962000L, at("2024-04-01T11:00:00+02:00"));
    assertEquals(1711962000L, at("2024-04-01T11:00:00"));
    assertEquals(1711922400L, at("2024-04-01"));
    assertEquals(1711922400L, at("04/01/2024"));
  }

  @Test
  void resolve_garbage_namesTheSpec() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> at("yesterday-ish"));
    assertEquals(true, e.getMessage().contains("'yesterday-ish'"));
  }
}
