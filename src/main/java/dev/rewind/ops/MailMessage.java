package dev.rewind.ops;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A plain-text mail: headers (with a UTF-8 subject encoded as RFC 2047 when it is not ASCII)
 * and an 8-bit UTF-8 body, rendered with LF line ends ({@code sendmail}) or CRLF (SMTP).
 */
record MailMessage(String from, List<String> to, String subject, String body, ZonedDateTime date) {
  MailMessage {
    to = List.copyOf(to);
    checkAddress(from, "From");
    if (to.isEmpty()) {
      throw new IllegalArgumentException("a mail needs at least one recipient");
    }
    to.forEach(a -> checkAddress(a, "To"));
  }

  /** An address as the envelope and headers carry it: no spaces, brackets or line breaks. */
  static void checkAddress(String address, String field) {
    if (address == null || address.isEmpty() || !address.matches("[^\\s<>,;\"()\\\\]+")) {
      throw new IllegalArgumentException("bad " + field + " address '" + address + "'");
    }
  }

  /** The whole message with {@code eol} line ends. */
  byte[] render(String eol) {
    StringBuilder m = new StringBuilder();
    m.append("From: ").append(from).append(eol);
    m.append("To: ").append(String.join(", ", to)).append(eol);
    m.append("Subject: ").append(encodedSubject()).append(eol);
    m.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(date)).append(eol);
    m.append("Message-ID: <").append(UUID.randomUUID()).append('.').append(domainOf(from)).append('>').append(eol);
    m.append("MIME-Version: 1.0").append(eol);
    m.append("Content-Type: text/plain; charset=UTF-8").append(eol);
    m.append("Content-Transfer-Encoding: 8bit").append(eol);
    m.append("Auto-Submitted: auto-generated").append(eol).append(eol);
    for (String line : body.split("\r?\n", -1)) {
      m.append(line).append(eol);
    }
    return m.toString().getBytes(StandardCharsets.UTF_8);
  }

  private String encodedSubject() {
    String oneLine = subject.replaceAll("[\\r\\n]+", " ");
    if (oneLine.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      return oneLine;
    }
    return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(oneLine.getBytes(StandardCharsets.UTF_8)) + "?=";
  }

  private static String domainOf(String address) {
    int at = address.lastIndexOf('@');
    return at < 0 ? "localhost" : address.substring(at + 1);
  }
}
