package dev.rewind.source.sftp;

import java.util.List;
import org.junit.jupiter.api.Tag;

/** The scenarios against an sshd with its default limits: each file is read on a channel of its own. */
@Tag("openssh")
@Tag("interop")
class SftpOwnChannelsIT extends SftpServerScenarios {
  @Override
  List<String> sshdConfig() {
    return List.of();
  }
}
