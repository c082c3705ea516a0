package dev.rewind.source.sftp;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The SSH connection to the host broke during a session. Unchecked on purpose: a backup walk
 * records a failing file and goes on, but after this nothing more can be read, so the session
 * must stop (the next one regresses the repository).
 */
public final class SftpConnectionLostException extends UncheckedIOException {
  private static final long serialVersionUID = 1L;

  SftpConnectionLostException(String message, IOException cause) {
    super(message, new IOException(message, cause)); // the cause carries the message to one-line reporters
  }

  private SftpConnectionLostException(SftpConnectionLostException first) {
    super(first.getMessage(), first.getCause());
  }

  /**
   * A new exception for the same loss, to throw from one more place: one instance thrown on
   * several threads (or twice in one try-with-resources, where Java adds it to itself as
   * suppressed and fails) gets mixed stack traces and suppressed lists.
   */
  SftpConnectionLostException again() {
    return new SftpConnectionLostException(this);
  }
}
