package dev.rewind.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Hands a mail to the local MTA as {@code sendmail -t -oi}: recipients from the headers, a lone
 * dot is not the end. A program that does not finish within a minute is killed.
 */
final class SendmailTransport implements Notifier.Transport {
  private static final long TIMEOUT_SECONDS = 60;
  private final Path program;

  SendmailTransport(Path program) {
    this.program = program;
  }

  @Override
  public void deliver(MailMessage message) throws IOException {
    // output to a file, not a pipe: a hanging program must not block us past the timeout
    Path output = Files.createTempFile("rewind-sendmail-", ".out");
    Process p;
    try {
      p = new ProcessBuilder(program.toString(), "-t", "-oi").redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
    } catch (IOException e) {
      Files.deleteIfExists(output);
      throw new IOException("cannot run '" + program + "': " + e.getMessage(), e);
    }
    try {
      try (OutputStream in = p.getOutputStream()) {
        in.write(message.render("\n"));
      } catch (IOException e) {
        // the program exited early: its output and exit code below say why
      }
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException("'" + program + "' did not finish within " + TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() != 0) {
        String said = head(output);
        throw new IOException("'" + program + "' failed with exit code " + p.exitValue()
            + (said.isBlank() ? "" : ": " + said.strip().replace('\n', ' ')));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while sending mail");
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(output);
    }
  }

  private static String head(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(2048), StandardCharsets.UTF_8);
    }
  }
}
