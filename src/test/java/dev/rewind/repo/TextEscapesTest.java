package dev.rewind.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextEscapesTest {
  @Test
  void quotePath_onlyNewlineAndBackslash() {
    byte[] raw = "a\\b\nc d=\t".getBytes(StandardCharsets.UTF_8);
    byte[] quoted = TextEscapes.quotePath(raw);
    assertEquals("a\\\\b\\nc d=\t", new String(quoted, StandardCharsets.UTF_8));
    assertArrayEquals(raw, TextEscapes.unquotePath(quoted, 0, quoted.length));
  }

  @Test
  void quoteAcl_octalForSpaceEqualsBackslashAndHighBytes() {
    byte[] raw = "user.odd name=x".getBytes(StandardCharsets.UTF_8);
    byte[] quoted = TextEscapes.quoteAcl(raw);
    assertEquals("user.odd\\040name\\075x", new String(quoted, StandardCharsets.US_ASCII));
    assertArrayEquals(raw, TextEscapes.unquoteAcl(quoted, 0, quoted.length));
    byte[] high = {(byte) 0xc3, (byte) 0xbc};
    assertEquals("\\303\\274", new String(TextEscapes.quoteAcl(high), StandardCharsets.US_ASCII));
  }

  @Test
  void unquoteAcl_backslashWithoutThreeOctalDigits_keptAsIs() {
    byte[] s = "a\\9b\\07".getBytes(StandardCharsets.US_ASCII);
    assertEquals("a\\9b\\07", new String(TextEscapes.unquoteAcl(s, 0, s.length), StandardCharsets.US_ASCII));
  }
}
