package dev.rewind.ops;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal SMTP client (RFC 5321) for a local or LAN relay: EHLO (HELO if refused), MAIL FROM,
 * RCPT TO per recipient, DATA with dot-stuffing, QUIT. No TLS, no authentication. Every reply
 * is checked; a refusal becomes an {@link IOException} quoting the server.
 */
final class SmtpTransport implements Notifier.Transport {
  private static final int TIMEOUT_MILLIS = 30_000;
  private final String host;
  private final int port;

  SmtpTransport(String host, int port) {
    this.host = host;
    this.port = port;
  }

  @Override
  public void deliver(MailMessage message) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      Session s = new Session(new BufferedInputStream(socket.getInputStream()), socket.getOutputStream());
      s.expect(220, null);
      String me = localName();
      if (s.command("EHLO " + me) / 100 != 2) {
        s.expect(250, "HELO " + me);
      }
      s.expect(250, "MAIL FROM:<" + message.from() + ">");
      for (String rcpt : message.to()) {
        int code = s.command("RCPT TO:<" + rcpt + ">");
        if (code != 250 && code != 251) {
          throw s.refused("RCPT TO:<" + rcpt + ">");
        }
      }
      s.expect(354, "DATA");
      s.data(message.render("\r\n"));
      s.expect(250, null);
      s.quit();
    } catch (java.net.SocketTimeoutException e) {
      throw new IOException("SMTP server " + host + ":" + port + " did not answer within " + TIMEOUT_MILLIS / 1000 + " s", e);
    } catch (java.net.ConnectException e) {
      throw new IOException("cannot connect to SMTP server " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  private static String localName() {
    try {
      return InetAddress.getLocalHost().getCanonicalHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** One conversation: commands out, (multi-line) replies in. */
  private final class Session {
    private final InputStream in;
    private final OutputStream out;
    private String lastReply = "";

    Session(InputStream in, OutputStream out) {
      this.in = in;
      this.out = out;
    }

    /** Sends {@code command} (none when null) and returns the reply code. */
    int command(String command) throws IOException {
      if (command != null) {
        out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      return reply();
    }

    void expect(int code, String command) throws IOException {
      if (command(command) != code) {
        throw refused(command == null ? "the greeting or the message" : command);
      }
    }

    /** Says goodbye; the mail is already accepted, so a server that hangs up first is fine. */
    void quit() {
      try {
        command("QUIT");
      } catch (IOException e) {
        // accepted is accepted
      }
    }

    IOException refused(String what) {
      return new IOException("SMTP server " + host + ":" + port + " refused " + what + ": " + lastReply);
    }

    /** The message, every line that starts with a dot doubled, then the lone dot. */
    void data(byte[] message) throws IOException {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(message.length + 64);
      boolean lineStart = true;
      for (byte b : message) {
        if (lineStart && b == '.') {
          buf.write('.');
        }
        buf.write(b);
        lineStart = b == '\n';
      }
      buf.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(buf.toByteArray());
      out.flush();
    }

    private int reply() throws IOException {
      StringBuilder all = new StringBuilder();
      while (true) {
        String line = readLine();
        if (line.length() < 3 || !line.substring(0, 3).matches("\\d{3}")) {
          throw new IOException("SMTP server " + host + ":" + port + " sent a malformed reply: '" + line + "'");
        }
        all.append(all.length() == 0 ? "" : " ").append(line);
        if (line.length() == 3 || line.charAt(3) != '-') {
          lastReply = all.toString();
          return Integer.parseInt(line.substring(0, 3));
        }
      }
    }

    private String readLine() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("SMTP server " + host + ":" + port + " closed the connection");
        }
        if (line.size() < 4096) {
          line.write(b);
        }
      }
      return line.toString(StandardCharsets.UTF_8).stripTrailing();
    }
  }
}
