package dev.rewind.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class TimeStringsTest {
  @Test
  void format_berlinAcrossDst_usesOffsetInForceAtThatInstant() {
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    assertEquals("2024-03-29T09:13:20+01:00", TimeStrings.format(1711700000L, berlin, false));
    assertEquals("2024-04-01T11:00:00+02:00", TimeStrings.format(1711962000L, berlin, false));
  }

  @Test
  void format_utc_writesZ() {
    assertEquals("2024-03-29T08:13:20Z", TimeStrings.format(1711700000L, ZoneId.of("UTC"), false));
  }

  @Test
  void format_compatible_usesDashes() {
    assertEquals("2024-04-01T11-00-00+02-00",
        TimeStrings.format(1711962000L, ZoneId.of("Europe/Berlin"), true));
  }

  @Test
  void format_negativeHalfHourOffset_reproducesRdiffBackupQuirk() {
    assertEquals("2024-03-29T05:43:20-03:30",
        TimeStrings.format(1711700000L, ZoneId.of("America/St_Johns"), false));
  }

  @Test
  void parse_negativeHalfHourQuirk_roundTrips() {
    assertEquals(1711700000L, TimeStrings.parseOrNull("2024-03-29T05:43:20-03:30"));
  }

  @Test
  void parse_allSpellings_giveSameEpoch() {
    assertEquals(1711962000L, TimeStrings.parseOrNull("2024-04-01T11:00:00+02:00"));
    assertEquals(1711962000L, TimeStrings.parseOrNull("2024-04-01T11-00-00+02-00"));
    assertEquals(1711962000L, TimeStrings.parseOrNull("2024-04-01T09:00:00Z"));
    assertEquals(1711962000L, TimeStrings.parseOrNull("2024-04-01T14:30:00+05:30"));
  }

  @Test
  void parse_outOfRangeOrGarbage_isNull() {
    assertNull(TimeStrings.parseOrNull("1899-04-01T11:00:00Z"));
    assertNull(TimeStrings.parseOrNull("2024-13-01T11:00:00Z"));
    assertNull(TimeStrings.parseOrNull("2024-04-01T11:00:00"));
    assertNull(TimeStrings.parseOrNull("2024-04-01T11:00:00+0200"));
    assertNull(TimeStrings.parseOrNull("hello"));
  }
}
