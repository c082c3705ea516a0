package dev.rewind.source.sftp;

/**
 * SFTP 3 carries times as unsigned 32-bit seconds. SSHJ reads them as a signed {@code int}, so
 * dates from 2038-01-19 on come out negative; this puts them back. Times after 2106-02-07 (and
 * before 1970) cannot be carried at all: the server sends them truncated to 32 bits.
 */
final class RemoteTimes {
  private RemoteTimes() {}

  /** The time SSHJ read as a signed 32-bit value, as the unsigned value the server sent. */
  static long unsigned(long sshjSeconds) {
    return sshjSeconds & 0xFFFF_FFFFL;
  }
}
