package dev.rewind.source.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.SshTarget;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mount-scripts/rewind-target-setup} on this machine, with its own user and copy path
 * (through its environment overrides) so that it never touches the real {@code backuphelper}.
 */
@Tag("openssh")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TargetSetupIT {
  private static final String USER = "rewind-setup-it";

  @TempDir Path work;
  Path copy;
  Map<String, String> env;
  Path pub;

  @BeforeEach
  void prepare() throws IOException {
    Tools.requireRoot();
    Tools.require("ssh-keygen", "setcap", "getcap", "useradd", "userdel");
    copy = work.resolve("lib/sftp-server-ro");
    env = Map.of("REWIND_TARGET_USER", USER, "REWIND_TARGET_HOME", work.resolve("home").toString(),
        "REWIND_TARGET_COPY", copy.toString());
    Path key = work.resolve("id_ed25519");
    Proc.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())).expect(0);
    pub = Path.of(key + ".pub");
  }

  @AfterEach
  void cleanUp() {
    run("--uninstall");
    Proc.run(List.of("userdel", USER)); // in case a test failed before uninstalling
  }

  private Proc.Result run(String... args) {
    List<String> cmd = new ArrayList<>(List.of("bash", SshTarget.SETUP_SCRIPT.toString()));
    cmd.addAll(List.of(args));
    return Proc.run(cmd, null, env, Duration.ofSeconds(60));
  }

  private Path authorizedKeys() {
    return work.resolve("home/.ssh/authorized_keys");
  }

  @Test
  void install_twice_sameResultAndCheckPasses() throws IOException {
    run("--key", pub.toString(), "--from", "192.0.2.7").expect(0);
    String first = Files.readString(authorizedKeys());
    run("--key", pub.toString(), "--from", "192.0.2.7").expect(0);
    assertEquals(first, Files.readString(authorizedKeys()));
    assertEquals(1, first.lines().count());
    assertTrue(first.startsWith("restrict,from=\"192.0.2.7\",command=\"" + copy + " -R\" ssh-ed25519 "), first);

    assertEquals("root:" + USER + " 750", stat("%U:%G %a", copy));
    assertTrue(Proc.run(List.of("getcap", copy.toString())).expect(0).out().contains("cap_dac_read_search=ep"));
    assertEquals("root 644", stat("%U %a", authorizedKeys()));
    String passwd = Proc.run(List.of("getent", "passwd", USER)).expect(0).out().trim();
    assertTrue(passwd.endsWith(":/bin/sh"), passwd);
    assertEquals("*", Proc.run(List.of("getent", "shadow", USER)).expect(0).out().split(":")[1]);

    Proc.Result check = run("--check", "--key", pub.toString()).expect(0);
    assertTrue(check.out().startsWith("ok:"), check.out());
  }

  @Test
  void check_brokenTarget_namesEachProblemAndFails() throws IOException {
    run("--key", pub.toString(), "--from", "192.0.2.7").expect(0);
    Proc.run(List.of("setcap", "-r", copy.toString())).expect(0);
    Proc.run(List.of("chown", USER, authorizedKeys().toString())).expect(0);
    Files.writeString(authorizedKeys(), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL1AY87YfwTEreQkSOk6Fss9SHTsiAXE6nxYmdsUstxI free\n",
        java.nio.file.StandardOpenOption.APPEND);

    Proc.Result check = run("--check");
    assertEquals(1, check.exitCode(), check.out());
    assertTrue(check.out().contains("lacks cap_dac_read_search+ep"), check.out());
    assertTrue(check.out().contains("is not owned by root"), check.out());
    assertTrue(check.out().contains("has a line without restrict"), check.out());

    run("--key", pub.toString(), "--from", "192.0.2.7").expect(0); // repairs what it owns
    Proc.Result again = run("--check");
    assertEquals(1, again.exitCode(), "the foreign unrestricted key is still there: " + again.out());
    assertFalse(again.out().contains("lacks cap_dac_read_search"), again.out());
  }

  @Test
  void sshdConfig_matchBlockAddedOnceAndValid_uninstallRemovesEverything() throws IOException {
    Tools.require("sshd");
    Files.createDirectories(Path.of("/run/sshd")); // sshd -t wants its privilege-separation directory
    Path config = work.resolve("sshd_config");
    Path hostKey = work.resolve("hostkey");
    Proc.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString())).expect(0);
    String original = "Port 2\nHostKey " + hostKey + "\nUsePAM no\n";
    Files.writeString(config, original);
    run("--key", pub.toString(), "--from", "10.0.0.1", "--sshd-config", config.toString()).expect(0);
    run("--key", pub.toString(), "--from", "10.0.0.1", "--sshd-config", config.toString()).expect(0);
    String withBlock = Files.readString(config);
    assertEquals(1, withBlock.split("Match User " + USER, -1).length - 1, withBlock);
    assertTrue(withBlock.contains("ForceCommand " + copy + " -R"), withBlock);
    Proc.run(List.of("/usr/sbin/sshd", "-t", "-f", config.toString())).expect(0);
    run("--check", "--sshd-config", config.toString()).expect(0);

    run("--uninstall", "--sshd-config", config.toString()).expect(0);
    assertEquals(original, Files.readString(config));
    assertFalse(Files.exists(copy));
    assertEquals(2, Proc.run(List.of("getent", "passwd", USER)).exitCode(), "user removed");
    assertEquals(1, run("--check").exitCode());
  }

  @Test
  void sshdConfig_thatFailsTheCheck_leftUnchanged() throws IOException {
    Tools.require("sshd");
    Path config = work.resolve("sshd_config");
    String broken = "NoSuchDirective yes\n";
    Files.writeString(config, broken);
    Proc.Result r = run("--key", pub.toString(), "--from", "10.0.0.1", "--sshd-config", config.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.stderr().contains("fails 'sshd -t'; left unchanged"), r.stderr());
    assertEquals(broken, Files.readString(config));
  }

  @Test
  void badArguments_usageOrOneLineError() {
    assertEquals(2, run("--from", "1.2.3.4").exitCode());
    Proc.Result notAKey = run("--key", "/etc/hostname", "--from", "1.2.3.4");
    assertEquals(1, notAKey.exitCode());
    assertEquals("rewind-target-setup: '/etc/hostname' is not an SSH public key", notAKey.stderr().strip());
  }

  private static String stat(String format, Path p) {
    return Proc.run(List.of("stat", "-c", format, p.toString())).expect(0).out().trim();
  }
}
