package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed launcher run with the credentials the pull units give it, read from the unit
 * files and applied with {@code setpriv} (systemd is not PID 1 here): the local unit's ambient
 * {@code CAP_DAC_READ_SEARCH} lets the JVM read root's private files, with no new privileges
 * and nothing else in the bounding set; the remote unit's empty sets do not. The user is
 * {@code nobody} rather than backuphelper, which this machine need not have.
 */
class UnitCredentialsIT {
  private static final Path PROJECT = Path.of(System.getProperty("user.dir")).toAbsolutePath();

  @TempDir Path tmp;
  private Path launcher;
  private Path source;

  @BeforeEach
  void installAndMakeAPrivateTree() throws IOException {
    Tools.requireRoot();
    Tools.require("setpriv");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // nobody reaches the jar
    Path root = Files.createDirectories(tmp.resolve("root"));
    Proc.run(List.of("bash", PROJECT.resolve("mount-scripts/install").toString(), "--root", root.toString(),
        "--jar", RewindJar.jar().toString()), null, Map.of(), Duration.ofSeconds(120)).expect(0);
    launcher = root.resolve("usr/local/bin/rewind");

    source = Files.createDirectories(tmp.resolve("src"));
    Path secret = Files.createDirectories(source.resolve("root-only"));
    Files.writeString(secret.resolve("shadow"), "root's secret\n");
    Files.setPosixFilePermissions(secret.resolve("shadow"), PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rwx------"));
    Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void localUnitCredentials_readRootsPrivateFiles() throws IOException {
    Path repo = repoForNobody("local");
    Proc.Result r = backupAs(UnitFile.read(PROJECT.resolve("systemd/rewind-pull-local@.service")), repo);
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals("root's secret\n", Files.readString(repo.resolve("root-only/shadow")));
    assertEquals("600", Integer.toOctalString(
        (Integer) Files.getAttribute(repo.resolve("root-only/shadow"), "unix:mode") & 07777));
  }

  @Test
  void remoteUnitCredentials_cannotReadThem() throws IOException {
    Path repo = repoForNobody("remote");
    Proc.Result r = backupAs(UnitFile.read(PROJECT.resolve("systemd/rewind-pull@.service")), repo);
    assertTrue(r.exitCode() != 0, "read root's private tree without a capability: " + r.stderr());
    assertTrue(r.stderr().contains("Permission denied") || r.stderr().contains("permission denied"), r.stderr());
  }

  private Path repoForNobody(String name) throws IOException {
    Path repo = Files.createDirectories(tmp.resolve(name));
    Proc.run(List.of("chown", "nobody:nogroup", repo.toString())).expect(0);
    return repo;
  }

  /** {@code rewind backup SOURCE REPO} as nobody with UNIT's capability sets, no-new-privs and umask. */
  private Proc.Result backupAs(UnitFile unit, Path repo) {
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
    String caps = capabilities(unit.list("Service", "AmbientCapabilities"));
    String bounding = capabilities(unit.list("Service", "CapabilityBoundingSet"));
    cmd.add("--inh-caps=-all" + caps);
    cmd.add("--ambient-caps=-all" + caps);
    cmd.add("--bounding-set=-all" + bounding);
    if (unit.one("Service", "NoNewPrivileges").equals("yes")) {
      cmd.add("--no-new-privs");
    }
    cmd.addAll(List.of("--", "sh", "-c", "umask " + unit.one("Service", "UMask") + " && exec \"$0\" \"$@\"",
        launcher.toString(), "backup", source.toString(), repo.toString()));
    Map<String, String> env = Map.of("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin",
        "HOME", "/nonexistent", "LC_ALL", "C.UTF-8");
    return Proc.run(cmd, null, env, Duration.ofSeconds(120));
  }

  /** ",+dac_read_search..." for setpriv from systemd's CAP_ names. */
  private static String capabilities(List<String> names) {
    StringBuilder out = new StringBuilder();
    for (String n : names) {
      out.append(",+").append(n.toLowerCase().replaceFirst("^cap_", ""));
    }
    return out.toString();
  }
}
