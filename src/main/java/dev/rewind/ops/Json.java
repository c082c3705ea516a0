package dev.rewind.ops;

/** A minimal JSON writer for flat machine output: strings escaped per RFC 8259. */
final class Json {
  private final StringBuilder out = new StringBuilder();
  private boolean needComma;

  Json begin(char bracket) {
    comma();
    out.append(bracket);
    needComma = false;
    return this;
  }

  Json end(char bracket) {
    out.append(bracket);
    needComma = true;
    return this;
  }

  Json key(String name) {
    comma();
    string(name);
    out.append(':');
    needComma = false;
    return this;
  }

  Json value(String s) {
    comma();
    if (s == null) {
      out.append("null");
    } else {
      string(s);
    }
    needComma = true;
    return this;
  }

  Json value(Long n) {
    comma();
    out.append(n == null ? "null" : n.toString());
    needComma = true;
    return this;
  }

  Json value(boolean b) {
    comma();
    out.append(b);
    needComma = true;
    return this;
  }

  private void comma() {
    if (needComma) {
      out.append(',');
      needComma = false;
    }
  }

  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
