package dev.rewind.cli;

/** Process exit codes of {@code rewind}; scripts rely on them. */
final class ExitCode {
  static final int OK = 0;
  /** The command failed as a whole: bad repository, bad input, I/O failure. */
  static final int ERROR = 1;
  /** The command line itself was wrong. */
  static final int USAGE = 2;
  /** Partly done: some files failed (listed on stderr), everything else succeeded. */
  static final int PARTIAL = 4;
  /** A bug in Rewind. */
  static final int INTERNAL = 70;

  private ExitCode() {}
}
