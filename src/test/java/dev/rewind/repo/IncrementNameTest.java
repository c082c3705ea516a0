package dev.rewind.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IncrementNameTest {
  private static IncrementName parse(String s) {
    return IncrementName.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void parse_compressedDiff_splitsFromTheRight() {
    IncrementName n = parse("big.bin.2024-04-01T11:00:00+02:00.diff.gz");
    assertArrayEquals("big.bin".getBytes(), n.base());
    assertEquals(1711962000L, n.time().epochSecond());
    assertEquals(IncrementType.DIFF, n.type());
    assertTrue(n.compressed());
  }

  @Test
  void parse_baseThatLooksLikeAnIncrement_keepsWholeBase() {
    IncrementName n = parse("fake.2020-01-01T00:00:00Z.missing.2024-04-01T11:00:00+02:00.diff.gz");
    assertArrayEquals("fake.2020-01-01T00:00:00Z.missing".getBytes(), n.base());
  }

  @Test
  void parse_plainMarker_notCompressed() {
    IncrementName n = parse("current_mirror.2024-04-04T11:00:00+02:00.data");
    assertTrue(n.baseIs("current_mirror"));
    assertFalse(n.compressed());
    assertEquals(IncrementType.DATA, n.type());
  }

  @Test
  void parse_notIncrements_areNull() {
    assertNull(parse("plain.txt"));
    assertNull(parse("x.2024-04-01T11:00:00+02:00.bogus"));
    assertNull(parse("x.notatime.diff"));
    assertNull(parse(".2024-04-01T11:00:00+02:00.diff"));
    assertNull(parse("rdiff-backup.tmp.3"));
  }

  @Test
  void format_roundTripsThroughParse() {
    IncrementName n = parse("a.b.2024-04-01T11:00:00+02:00.snapshot.gz");
    byte[] again = IncrementName.format(n.base(), n.time(), n.type(), n.compressed());
    assertEquals("a.b.2024-04-01T11:00:00+02:00.snapshot.gz", new String(again, StandardCharsets.UTF_8));
  }
}
