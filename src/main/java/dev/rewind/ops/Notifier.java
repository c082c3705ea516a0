package dev.rewind.ops;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * Sends plain-text mails to the administrators, through the local {@code sendmail} interface
 * ({@code sendmail -t -oi}, which every MTA provides) or straight to an SMTP relay ({@code
 * smtp://host:port}, no TLS or authentication: meant for a relay on the machine or the LAN).
 * Immutable; each {@link #send} is one delivery attempt.
 */
public final class Notifier {
  /** Where the message goes: the MTA's submission program or an SMTP server. */
  interface Transport {
    void deliver(MailMessage message) throws IOException;
  }

  public static final Path DEFAULT_SENDMAIL = Path.of("/usr/sbin/sendmail");

  private final Transport transport;
  private final String from;
  private final List<String> to;
  private final Clock clock;

  private Notifier(Transport transport, String from, List<String> to, Clock clock) {
    this.transport = transport;
    this.from = from;
    this.to = List.copyOf(to);
    this.clock = clock;
    MailMessage.checkAddress(from, "From");
    this.to.forEach(a -> MailMessage.checkAddress(a, "To"));
  }

  /**
   * A notifier for the {@code mail_via} setting: {@code sendmail} (at {@link #DEFAULT_SENDMAIL}),
   * an absolute path of a sendmail-compatible program, or {@code smtp://host[:port]} (port 25 by
   * default).
   *
   * @throws IllegalArgumentException naming the setting when it is none of these
   */
  public static Notifier of(String via, String from, List<String> to, Clock clock) {
    return new Notifier(transport(via), from, to, clock);
  }

  private static Transport transport(String via) {
    if (via.equals("sendmail")) {
      return new SendmailTransport(DEFAULT_SENDMAIL);
    }
    if (via.startsWith("/")) {
      return new SendmailTransport(Path.of(via));
    }
    if (via.startsWith("smtp://")) {
      try {
        URI uri = new URI(via);
        if (uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
          throw new IllegalArgumentException("mail_via '" + via + "': expected smtp://host:port");
        }
        return new SmtpTransport(uri.getHost(), uri.getPort() < 0 ? 25 : uri.getPort());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("mail_via '" + via + "': " + e.getMessage(), e);
      }
    }
    throw new IllegalArgumentException("mail_via '" + via + "': expected sendmail, a program's path or smtp://host:port");
  }

  /**
   * Sends one mail to every recipient.
   *
   * @throws IOException when the program or the server refuses it, with their answer
   */
  public void send(String subject, String body) throws IOException {
    transport.deliver(new MailMessage(from, to, subject, body, ZonedDateTime.now(clock)));
  }
}
