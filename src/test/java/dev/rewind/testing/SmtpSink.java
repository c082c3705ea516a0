package dev.rewind.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real SMTP server for tests: Python's {@code smtpd} (Debian 12's python3 3.11) on a free
 * loopback port, storing each accepted message as {@code N.mail} (envelope sender, envelope
 * recipients, a blank line, then the data exactly as received) in a directory. Closing stops it.
 */
public final class SmtpSink implements AutoCloseable {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final String SERVER = String.join("\n",
      "import smtpd, asyncore, sys, os, warnings",
      "warnings.simplefilter('ignore')",
      "out = sys.argv[2]",
      "class Sink(smtpd.SMTPServer):",
      "    def process_message(self, peer, mailfrom, rcpttos, data, **kw):",
      "        n = len(os.listdir(out))",
      "        with open(os.path.join(out, '%d.tmp' % n), 'wb') as f:",
      "            f.write(mailfrom.encode() + b'\\n' + ' '.join(rcpttos).encode() + b'\\n\\n' + data)",
      "        os.rename(os.path.join(out, '%d.tmp' % n), os.path.join(out, '%d.mail' % n))",
      "Sink(('127.0.0.1', int(sys.argv[1])), None, decode_data=False)",
      "asyncore.loop()");

  public final int port;
  private final Path dir;
  private final Process process;

  private SmtpSink(int port, Path dir, Process process) {
    this.port = port;
    this.dir = dir;
    this.process = process;
  }

  /** Starts a server storing into {@code dir} and waits until it accepts connections. */
  public static SmtpSink start(Path dir) throws IOException, InterruptedException {
    if (!Files.isExecutable(PYTHON)) {
      Tools.require("/usr/bin/python3"); // skips, or fails in CI
    }
    Files.createDirectories(dir);
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Process p = new ProcessBuilder(PYTHON.toString(), "-c", SERVER, Integer.toString(port), dir.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile()).start();
    SmtpSink sink = new SmtpSink(port, dir, p);
    for (int attempt = 0; ; attempt++) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        return sink;
      } catch (IOException notYet) {
        if (!p.isAlive() || attempt > 100) {
          sink.close();
          fail("smtpd did not start: " + Files.readString(dir.resolveSibling(dir.getFileName() + ".log")));
        }
        Thread.sleep(100);
      }
    }
  }

  /** The messages received so far, in order. */
  public List<String> messages() {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> mails = new ArrayList<>(files.filter(f -> f.toString().endsWith(".mail")).sorted().toList());
      List<String> out = new ArrayList<>();
      for (Path m : mails) {
        out.add(Files.readString(m, StandardCharsets.UTF_8));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
