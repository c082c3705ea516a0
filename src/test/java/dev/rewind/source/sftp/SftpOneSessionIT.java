package dev.rewind.source.sftp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

/**
 * The scenarios against an sshd that allows one session per connection ({@code MaxSessions 1}):
 * the server refuses the channels of their own that files are read on, and every file is read
 * on the connection's main SFTP channel instead.
 */
@Tag("openssh")
@Tag("interop")
class SftpOneSessionIT extends SftpServerScenarios {
  @Override
  List<String> sshdConfig() {
    return List.of("MaxSessions 1");
  }

  /** Runs before the target stops: the scenarios did take the fallback, not channels of their own. */
  @AfterAll
  void secondSessionsWereRefused() {
    assertTrue(target.log().contains("no more sessions"), "sshd never refused a second session:\n" + target.log());
  }
}
