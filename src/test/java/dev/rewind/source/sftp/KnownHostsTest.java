package dev.rewind.source.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownHostsTest {
  /** Two ed25519 keys made with ssh-keygen; the fingerprint is what {@code ssh-keygen -lf} printed for the first. */
  private static final HostKey FIRST = new HostKey("ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIA6B90xjnJMs7fSIFHhlfgaT11HYlv5JwU8k+5dhrsCA");
  private static final HostKey SECOND = new HostKey("ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIHCeUcy+rkbUt1ebA6FZ8rVfwKTkeDebnuD/H8qcM6mG");

  @TempDir Path dir;

  @Test
  void fingerprint_sameAsSshKeygen() {
    assertEquals("SHA256:DFoQb3VRs1nOaPdi9E/z/PYZBgXw3b8tC7ztR84o/us", FIRST.fingerprint());
  }

  @Test
  void record_newFile_createdWorldReadableWithBracketedPort() throws IOException {
    Path file = dir.resolve("sub/known_hosts");
    KnownHosts hosts = new KnownHosts(file);
    assertEquals(KnownHosts.Status.UNKNOWN, hosts.check("web1", 2222, FIRST));
    hosts.record("web1", 2222, FIRST);
    assertEquals(List.of("[web1]:2222 ssh-ed25519 " + FIRST.base64()), Files.readAllLines(file));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(KnownHosts.Status.TRUSTED, hosts.check("web1", 2222, FIRST));
    assertEquals(KnownHosts.Status.UNKNOWN, hosts.check("web1", 22, FIRST), "another port is another host");
  }

  @Test
  void record_changedKey_replacesOnlyThatHostsLine() throws IOException {
    Path file = dir.resolve("known_hosts");
    Files.writeString(file, "# kept\nweb1 ssh-ed25519 " + FIRST.base64() + "\ndb1 ssh-ed25519 " + FIRST.base64() + "\n");
    KnownHosts hosts = new KnownHosts(file);
    assertEquals(KnownHosts.Status.CHANGED, hosts.check("web1", 22, SECOND));
    hosts.record("web1", 22, SECOND);
    assertEquals(List.of("# kept", "db1 ssh-ed25519 " + FIRST.base64(), "web1 ssh-ed25519 " + SECOND.base64()),
        Files.readAllLines(file));
    assertEquals(KnownHosts.Status.TRUSTED, hosts.check("web1", 22, SECOND));
    assertEquals(KnownHosts.Status.TRUSTED, hosts.check("db1", 22, FIRST));
  }
}
