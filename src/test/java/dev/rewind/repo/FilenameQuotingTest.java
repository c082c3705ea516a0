package dev.rewind.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FilenameQuotingTest {
  private final FilenameQuoting upper = FilenameQuoting.fromClass("A-Z".getBytes(StandardCharsets.US_ASCII));

  private String q(String s) {
    return new String(upper.quote(s.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Test
  void quote_upperCaseClass_matchesRdiffBackupExamples() {
    assertEquals(";085pper.;084;088;084", q("Upper.TXT"));
    assertEquals("semi;059colon.txt", q("semi;colon.txt"));
    assertEquals("current_mirror.2024-04-04;08411:00:00+02:00.data", q("current_mirror.2024-04-04T11:00:00+02:00.data"));
  }

  @Test
  void unquote_reversesQuote_forEveryByte() {
    byte[] all = new byte[255];
    for (int i = 0; i < 255; i++) {
      all[i] = (byte) (i + 1);
    }
    FilenameQuoting wide = FilenameQuoting.fromClass(new byte[] {0x01, '-', 0x1f, 0x7f, '-', (byte) 0xff, '\\', '\\'});
    assertArrayEquals(all, wide.unquote(wide.quote(all)));
    assertArrayEquals(all, upper.unquote(upper.quote(all)));
  }

  @Test
  void fromClass_colon_forcesCompatibleTimestamps() {
    assertTrue(FilenameQuoting.fromClass(":".getBytes()).forcesCompatibleTimestamps());
    assertFalse(upper.forcesCompatibleTimestamps());
    assertFalse(FilenameQuoting.NONE.isActive());
  }
}
