package dev.rewind.source.sftp;

import java.io.IOException;

/** A host's key is not in the known_hosts file, or differs from the one recorded there. */
public final class HostKeyException extends IOException {
  private static final long serialVersionUID = 1L;

  HostKeyException(String message) {
    super(message);
  }
}
