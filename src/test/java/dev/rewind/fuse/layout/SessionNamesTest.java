package dev.rewind.fuse.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.SessionTime;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionNamesTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static SessionTime t(long epoch) {
    return new SessionTime(epoch, "spelling-" + epoch);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static List<String> names(SessionNames n) {
    return n.names().stream().map(x -> new String(x, StandardCharsets.US_ASCII)).toList();
  }

  @Test
  void names_twoSessionsOneDay_dayIsTheLastOfThem() {
    // 2024-03-29 09:13:20 and 21:00:00 Berlin (+01:00), then 2024-04-01 11:00 (+02:00, DST)
    SessionNames n = SessionNames.of(List.of(t(1711700000L), t(1711742400L), t(1711962000L)), BERLIN);
    assertEquals(List.of("2024-03-29", "2024-03-29T09:13:20+01:00", "2024-03-29T21:00:00+01:00",
        "2024-04-01", "2024-04-01T11:00:00+02:00", "latest"), names(n));
    assertEquals(new SessionNames.Named(SessionNames.Kind.DAY, t(1711742400L)), n.resolve(b("2024-03-29")));
    assertEquals(SessionNames.Kind.TIMESTAMP, n.resolve(b("2024-03-29T09:13:20+01:00")).kind());
    assertEquals(1711700000L, n.resolve(b("2024-03-29T09:13:20+01:00")).session().epochSecond());
    assertEquals(new SessionNames.Named(SessionNames.Kind.LATEST, t(1711962000L)), n.resolve(SessionNames.LATEST));
    assertArrayEquals(b("2024-04-01T11:00:00+02:00"), n.latestTarget());
  }

  @Test
  void names_dependOnTheZone() {
    SessionNames utc = SessionNames.of(List.of(t(1711742400L)), ZoneId.of("UTC"));
    assertEquals(List.of("2024-03-29", "2024-03-29T20:00:00Z", "latest"), names(utc));
    SessionNames tokyo = SessionNames.of(List.of(t(1711742400L)), ZoneId.of("Asia/Tokyo"));
    assertEquals(List.of("2024-03-30", "2024-03-30T05:00:00+09:00", "latest"), names(tokyo));
  }

  @Test
  void names_dstFallBackHourTwice_bothSessionsHaveDistinctNames() {
    // 2024-10-27 02:30 Berlin happens twice: first +02:00, then +01:00
    SessionNames n = SessionNames.of(List.of(t(1729989000L), t(1729992600L)), BERLIN);
    assertEquals(List.of("2024-10-27", "2024-10-27T02:30:00+01:00", "2024-10-27T02:30:00+02:00", "latest"), names(n));
    assertEquals(1729992600L, n.resolve(b("2024-10-27")).session().epochSecond());
  }

  @Test
  void resolve_unknownOrNonAsciiName_isNull() {
    SessionNames n = SessionNames.of(List.of(t(1711700000L)), BERLIN);
    assertNull(n.resolve(b("2024-03-30")));
    assertNull(n.resolve(b("2024-03-29T09:13:20Z")));
    assertNull(n.resolve(new byte[] {(byte) 0xff}));
    assertNull(n.resolve(b("")));
  }

  @Test
  void of_noSessions_onlyEmptyListing() {
    SessionNames n = SessionNames.of(List.of(), BERLIN);
    assertTrue(n.isEmpty());
    assertEquals(List.of(), names(n));
    assertNull(n.latestTarget());
    assertNull(n.resolve(SessionNames.LATEST));
  }

  @Test
  void of_unsortedSessions_rejected() {
    assertThrows(IllegalArgumentException.class, () -> SessionNames.of(List.of(t(2), t(1)), BERLIN));
    assertThrows(IllegalArgumentException.class, () -> SessionNames.of(List.of(t(2), t(2)), BERLIN));
  }

  @Test
  void timestamp_preEpochAndFarFuture_formatted() {
    SessionNames n = SessionNames.of(List.of(t(-86400L), t(5_000_000_000L)), ZoneId.of("UTC"));
    assertEquals(List.of("1969-12-31", "1969-12-31T00:00:00Z", "2128-06-11", "2128-06-11T08:53:20Z", "latest"), names(n));
  }
}
