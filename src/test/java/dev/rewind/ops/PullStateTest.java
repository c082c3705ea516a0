package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PullStateTest {
  @Test
  void parse_contractKeys_readsEveryField() throws IOException {
    PullState s = PullState.parse(List.of("last_attempt=1711962000", "last_success=", "last_result=failed",
        "last_error=ssh: a=b", "last_duration_ms=41000", "future_key=1"), "web1.state");
    assertEquals(new PullState(1711962000L, null, "failed", "ssh: a=b", 41000L), s);
    assertTrue(s.lastFailed());
  }

  @Test
  void parse_partial_isNotAFailure() throws IOException {
    assertTrue(!PullState.parse(List.of("last_result=partial"), "f").lastFailed());
    assertNull(PullState.parse(List.of("last_error="), "f").lastError());
  }

  @Test
  void parse_badNumber_namesFileAndLine() {
    IOException e = assertThrows(IOException.class,
        () -> PullState.parse(List.of("# pull state", "last_attempt=yesterday"), "/var/lib/rewind/web1.state"));
    assertEquals("/var/lib/rewind/web1.state:2: not a number: 'yesterday'", e.getMessage());
  }

  @Test
  void parse_lineWithoutEquals_namesFileAndLine() {
    IOException e = assertThrows(IOException.class, () -> PullState.parse(List.of("garbage"), "s"));
    assertEquals("s:1: expected key=value", e.getMessage());
  }
}
