package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rewind.testing.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scratch file-system root for {@code systemd-analyze --root=DIR}: this machine's own units
 * (sysinit.target and the rest, which every unit depends on) copied under {@code usr/lib/systemd/system},
 * the units under test in {@code etc/systemd/system}, and whatever their {@code ExecStart=} needs.
 * With {@code --root}, systemd resolves unit files and executables inside DIR, so the real unit
 * files are checked unedited and without touching this machine's {@code /usr/local}.
 */
final class SystemdRoot {
  static final Path PROJECT_UNITS = Path.of(System.getProperty("user.dir"), "systemd").toAbsolutePath();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern SECURITY_ROW = Pattern.compile("\"set\":(true|false),\"name\":\"((?:[^\"\\\\]|\\\\.)*)\"");

  final Path dir;

  private SystemdRoot(Path dir) {
    this.dir = dir;
  }

  /** DIR with this machine's own units added (DIR may already hold an installed Rewind). */
  static SystemdRoot around(Path dir) throws IOException {
    Path lib = dir.resolve("usr/lib/systemd");
    Files.createDirectories(lib);
    if (!Files.exists(lib.resolve("system"))) {
      Proc.run(List.of("cp", "-a", "/usr/lib/systemd/system", lib.toString()), null, Map.of(), TIMEOUT).expect(0);
      // masked units (links to /dev/null) are not needed, and a link out of a @TempDir makes JUnit warn
      Proc.run(List.of("find", lib.toString(), "-lname", "/*", "-delete"), null, Map.of(), TIMEOUT).expect(0);
    }
    Files.createDirectories(dir.resolve("etc/systemd/system"));
    return new SystemdRoot(dir);
  }

  /** DIR with the project's units copied byte for byte and a stand-in /usr/local/bin/rewind. */
  static SystemdRoot withProjectUnits(Path dir) throws IOException {
    SystemdRoot root = around(dir);
    Proc.run(List.of("cp", "-a", PROJECT_UNITS + "/.", root.unitDir().toString()), null, Map.of(), TIMEOUT).expect(0);
    Path bin = Files.createDirectories(dir.resolve("usr/local/bin")).resolve("rewind");
    Files.writeString(bin, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    return root;
  }

  Path unitDir() {
    return dir.resolve("etc/systemd/system");
  }

  /** {@code systemd-analyze verify --man=no --root=DIR UNIT...}. */
  Proc.Result verify(String... units) {
    List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no", "--root=" + dir));
    cmd.addAll(List.of(units));
    return Proc.run(cmd, null, Map.of("SYSTEMD_LOG_COLOR", "0"), TIMEOUT);
  }

  /** Asserts that UNIT verifies with exit code 0 and no output at all (the exit code alone lies). */
  void assertVerifiesCleanly(String unit) {
    Proc.Result r = verify(unit);
    assertEquals(0, r.exitCode(), unit + ": systemd-analyze verify failed: " + r.out() + r.stderr());
    assertEquals("", r.out() + r.stderr(), unit + ": systemd-analyze verify said something");
  }

  /** systemd's own security review of UNIT: check name (e.g. {@code NoNewPrivileges=}) -> passed. */
  Map<String, Boolean> security(String unit) {
    Proc.Result r = Proc.run(List.of("systemd-analyze", "security", "--offline=true", "--root=" + dir,
        "--json=short", unit), null, Map.of(), TIMEOUT).expect(0);
    Map<String, Boolean> rows = new LinkedHashMap<>();
    Matcher m = SECURITY_ROW.matcher(r.out());
    while (m.find()) {
      rows.put(m.group(2).replace("\\\\", "\\"), Boolean.parseBoolean(m.group(1)));
    }
    if (rows.isEmpty()) {
      throw new AssertionError(unit + ": no rows in systemd-analyze security output: " + r.out() + r.stderr());
    }
    return rows;
  }
}
