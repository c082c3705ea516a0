package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SmtpSink;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Notifier} against a real SMTP server (Python's smtpd), directly over SMTP and through
 * the sendmail interface of a real MTA client (msmtp, which relays to the same server).
 */
class NotifierIT {
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1711962000), ZoneOffset.UTC);
  private static final String BODY = "web1: FAILED: ssh: connection refused\n.\n.hidden line\nnon-ASCII: caf\u00e9\n";

  @TempDir Path tmp;

  @Test
  void smtp_relay_receivesEnvelopeHeadersAndBodyIntact() throws Exception {
    try (SmtpSink sink = SmtpSink.start(tmp.resolve("mail"))) {
      Notifier.of("smtp://127.0.0.1:" + sink.port, "rewind@backup.example", List.of("ops@example.org", "root@example.org"), CLOCK)
          .send("Rewind: 1 of 3 hosts FAILED \u2013 web1", BODY);
      List<String> mails = sink.messages();
      assertEquals(1, mails.size());
      String m = mails.get(0);
      assertTrue(m.startsWith("rewind@backup.example\nops@example.org root@example.org\n\n"), m);
      // smtpd hands over the data with LF line ends
      assertTrue(m.contains("\nFrom: rewind@backup.example\n"), m);
      assertTrue(m.contains("\nTo: ops@example.org, root@example.org\n"), m);
      assertTrue(m.contains("\nSubject: =?UTF-8?B?UmV3aW5kOiAxIG9mIDMgaG9zdHMgRkFJTEVEIOKAkyB3ZWIx?=\n"), m); // '\u2013' is not ASCII
      assertTrue(m.contains("\nDate: Mon, 1 Apr 2024 09:00:00 GMT\n"), m);
      // dot-stuffing undone by the server: the lone dot did not end the message early
      assertTrue(m.stripTrailing().endsWith("\n\nweb1: FAILED: ssh: connection refused\n.\n.hidden line\nnon-ASCII: caf\u00e9"), m);
    }
  }

  @Test
  void smtp_nothingListening_failsNamingTheServer() throws IOException {
    int port = unusedPort();
    Notifier n = Notifier.of("smtp://127.0.0.1:" + port, "rewind@h", List.of("root@h"), CLOCK);
    IOException e = assertThrows(IOException.class, () -> n.send("s", "b"));
    assertTrue(e.getMessage().contains("cannot connect to SMTP server 127.0.0.1:" + port), e.getMessage());
  }

  @Test
  void sendmail_msmtp_deliversThroughTheMta() throws Exception {
    Tools.require("msmtp");
    try (SmtpSink sink = SmtpSink.start(tmp.resolve("mail"))) {
      Path sendmail = msmtpAsSendmail(sink.port);
      Notifier.of(sendmail.toString(), "rewind@backup.example", List.of("ops@example.org"), CLOCK).send("Rewind: all ok", BODY);
      List<String> mails = sink.messages();
      assertEquals(1, mails.size());
      String m = mails.get(0);
      assertTrue(m.startsWith("rewind@backup.example\nops@example.org\n\n"), m);
      assertTrue(m.contains("Subject: Rewind: all ok"), m);
      assertTrue(m.contains("\n\nweb1: FAILED: ssh: connection refused\n.\n.hidden line\n"), m);
    }
  }

  @Test
  void sendmail_mtaRefuses_failsWithItsExitCodeAndMessage() throws Exception {
    Tools.require("msmtp");
    Notifier n = Notifier.of(msmtpAsSendmail(unusedPort()).toString(), "rewind@h", List.of("root@h"), CLOCK);
    IOException e = assertThrows(IOException.class, () -> n.send("s", "b"));
    assertTrue(e.getMessage().contains("failed with exit code"), e.getMessage());
    assertTrue(e.getMessage().contains("msmtp"), e.getMessage());
  }

  @Test
  void notifyTest_cli_sendsOverSmtp() throws Exception {
    RewindJar.jar();
    try (SmtpSink sink = SmtpSink.start(tmp.resolve("mail"))) {
      Proc.Result r = RewindJar.run("UTC", "notify-test", "--to", "admin@example.org", "--from", "rewind@example.org",
          "--via", "smtp://127.0.0.1:" + sink.port);
      assertEquals(0, r.exitCode(), r.stderr());
      assertEquals(1, sink.messages().size());
      assertTrue(sink.messages().get(0).contains("Subject: Rewind test mail"));
    }
  }

  @Test
  void badSetting_isRefusedNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Notifier.of("smtps://relay:465", "rewind@h", List.of("root@h"), CLOCK));
    assertTrue(e.getMessage().contains("mail_via 'smtps://relay:465'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Notifier.of("sendmail", "a b@h", List.of("root@h"), CLOCK));
    assertThrows(IllegalArgumentException.class, () -> Notifier.of("sendmail", "rewind@h", List.of("root@h\nBcc: x@y"), CLOCK));
  }

  /** A loopback port nobody listens on (it was free a moment ago). */
  private static int unusedPort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }

  /** A sendmail-compatible program: msmtp told where the relay is, everything else from the caller. */
  private Path msmtpAsSendmail(int port) throws IOException {
    Path script = tmp.resolve("sendmail");
    Files.writeString(script, "#!/bin/sh\nexec msmtp --host=127.0.0.1 --port=" + port
        + " --read-envelope-from \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }
}
