package dev.rewind.backup;

import dev.rewind.core.RepositoryException;

/**
 * Another process is working on the repository: its lock is held, or an rdiff-backup without
 * locking is still writing a session. The message names the repository and the holder.
 */
public final class RepositoryLockedException extends RepositoryException {
  private final transient LockHolder holder;

  RepositoryLockedException(String message, LockHolder holder) {
    super(message);
    this.holder = holder;
  }

  /** What is known about the process that holds the repository. */
  public LockHolder holder() {
    return holder;
  }
}
