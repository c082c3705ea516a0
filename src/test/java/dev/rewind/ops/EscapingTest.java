package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Untrusted names and errors in HTML, JSON and the terminal table. */
class EscapingTest {
  @Test
  void html_markupCharacters_becomeEntities() {
    assertEquals("&lt;b&gt;&amp;&quot;x&#39; \uFFFD", Html.escape("<b>&\"x' \u0001"));
  }

  @Test
  void json_controlAndNonAscii_areEscaped() {
    String s = new Json().begin('[').value("a\"b\\c\nd\te\u0001\u00e9").value((String) null).value(7L).value(true).end(']').toString();
    assertEquals("[\"a\\\"b\\\\c\\nd\\te\\u0001\\u00e9\",null,7,true]", s);
  }

  @Test
  void table_controlCharacters_areShownNotObeyed() {
    assertEquals("web\\x0a1\\x1b[2J", StatusOutput.printable("web\n1\u001b[2J"));
  }
}
