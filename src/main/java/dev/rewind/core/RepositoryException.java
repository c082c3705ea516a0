package dev.rewind.core;

import java.io.IOException;

/**
 * A repository is unusable or a part of it is damaged. The message names the file (and the
 * session where one is involved) so that it can be shown to the user as a one-line error.
 */
public class RepositoryException extends IOException {
  public RepositoryException(String message) {
    super(message);
  }

  public RepositoryException(String message, Throwable cause) {
    super(message, cause);
  }
}
