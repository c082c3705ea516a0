package dev.rewind.cli;

import dev.rewind.ops.Notifier;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rewind notify-test --to ADDR [--from ADDR] [--via sendmail|PROGRAM|smtp://HOST:PORT]}. */
@Command(name = "notify-test", mixinStandardHelpOptions = true,
    description = "Send a test mail the way failure notifications are sent, to check the mail set-up.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the MTA or the SMTP server accepted the mail", "1:it was refused (its answer on stderr)",
        "2:bad command line"})
final class NotifyTestCommand implements Callable<Integer> {
  @Option(names = "--to", paramLabel = "ADDR", required = true, description = "Recipient (repeatable).")
  List<String> to;

  @Option(names = "--from", paramLabel = "ADDR", description = "Sender address (default: rewind@<this host's name>).")
  String from;

  @Option(names = "--via", paramLabel = "HOW", defaultValue = "sendmail",
      description = "sendmail (/usr/sbin/sendmail -t -oi), the path of a sendmail-compatible program, or"
          + " smtp://HOST:PORT (default: ${DEFAULT-VALUE}).")
  String via;

  @Override
  public Integer call() throws IOException {
    String sender = from != null ? from : "rewind@" + InetAddress.getLocalHost().getHostName();
    Notifier.of(via, sender, to, Clock.systemDefaultZone())
        .send("Rewind test mail", "This is a test mail from rewind notify-test.\nNotifications reach you.\n");
    System.out.println("rewind: test mail to " + String.join(", ", to) + " accepted via " + via);
    return ExitCode.OK;
  }
}
