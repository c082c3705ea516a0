package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The units in {@code systemd/}, checked by the real {@code systemd-analyze} (offline, in a
 * scratch root: no systemd needs to run) and by reading them: they load without a single
 * complaint, name only capabilities that exist, and grant what the design says and no more.
 */
class SystemdUnitsTest {
  private static final String PULL = "rewind-pull@.service";
  private static final String PULL_LOCAL = "rewind-pull-local@.service";
  private static final String PULL_ALL = "rewind-pull-all.service";
  private static final String MOUNT = "backups.mount";
  private static final String POWEROFF = "rewind-pull-all.service.d/poweroff.conf.example";
  private static final List<String> UNITS = List.of(PULL, "rewind-pull@.timer", PULL_LOCAL,
      "rewind-pull-local@.timer", PULL_ALL, "rewind-pull-all.timer", MOUNT);
  /** Settings that give a service a mount namespace of its own (a FUSE mount made there stays there). */
  private static final Set<String> NAMESPACING = Set.of("ProtectSystem", "ProtectHome", "PrivateTmp",
      "PrivateDevices", "PrivateMounts", "ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths", "ExecPaths",
      "NoExecPaths", "TemporaryFileSystem", "BindPaths", "BindReadOnlyPaths", "ProtectKernelTunables",
      "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectProc", "ProcSubset",
      "RootDirectory", "RootImage", "MountAPIVFS", "PrivateNetwork", "PrivateUsers", "ProtectHostname",
      "ProtectClock", "LogsDirectory", "StateDirectory", "CacheDirectory", "RuntimeDirectory");

  @TempDir Path tmp;
  private SystemdRoot root;

  @BeforeEach
  void scratchRoot() throws IOException {
    Tools.require("systemd-analyze");
    root = SystemdRoot.withProjectUnits(tmp.resolve("root"));
  }

  @Test
  void everyUnitFileIsCovered() throws IOException {
    List<String> present = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SystemdRoot.PROJECT_UNITS)) {
      files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
          .forEach(f -> present.add(SystemdRoot.PROJECT_UNITS.relativize(f).toString()));
    }
    List<String> covered = new ArrayList<>(UNITS);
    covered.add(POWEROFF);
    assertEquals(new TreeSet<>(covered), new TreeSet<>(present), "a unit in systemd/ that no test checks");
  }

  @Test
  void everyUnitVerifiesWithoutAnyOutput() {
    for (String unit : UNITS) {
      root.assertVerifiesCleanly(unit.replace("@.", "@web1."));
    }
  }

  @Test
  void poweroffDropInVerifiesOnceEnabled_andIsSystemdsOwnAction() throws IOException {
    Path dropIn = root.unitDir().resolve(POWEROFF);
    Files.copy(dropIn, dropIn.resolveSibling("poweroff.conf"));
    root.assertVerifiesCleanly(PULL_ALL);

    UnitFile poweroff = UnitFile.read(SystemdRoot.PROJECT_UNITS.resolve(POWEROFF));
    assertEquals("poweroff", poweroff.one("Unit", "SuccessAction"));
    assertEquals("poweroff", poweroff.one("Unit", "FailureAction"));
    assertEquals(2, poweroff.assignments().size(), "the drop-in does nothing else");
  }

  @Test
  void theVerifierInThisScratchRootReportsMistakes() throws IOException {
    // Without this, a root where systemd-analyze silently loaded nothing would pass every unit.
    Path broken = root.unitDir().resolve("broken@.service");
    Files.writeString(broken, "[Service]\nExecStart=/usr/local/bin/rewind pull %i\nCapabilityBoundingSet=\n"
        + "ProtectSytem=strict\n");
    assertNotEquals("", root.verify("broken@web1.service").stderr(), "a misspelled key passed");
    Files.createDirectories(root.unitDir().resolve("rewind-pull-all.service.d"));
    Files.writeString(root.unitDir().resolve("rewind-pull-all.service.d/bad.conf"), "[Unit]\nSuccessAction=poweroof\n");
    assertTrue(root.verify(PULL_ALL).stderr().contains("bad.conf"), "a bad drop-in passed");
    Files.writeString(root.unitDir().resolve("missing@.service"), "[Service]\nExecStart=/usr/local/bin/rewnd %i\n");
    Proc.Result missing = root.verify("missing@web1.service");
    assertTrue(missing.exitCode() != 0 || !missing.stderr().isEmpty(), "a missing ExecStart binary passed");
  }

  @Test
  void capabilityNamesExist_bySystemdAndByTheKernelLibrary() {
    Tools.require("capsh");
    Set<String> known = systemdCapabilities();
    assertTrue(known.contains("cap_dac_read_search") && known.size() > 30, "systemd-analyze capability: " + known);
    assertFalse(known.contains("cap_dac_read_serach"));
    Pattern cap = Pattern.compile("\\bCAP_[A-Z_]+\\b", Pattern.CASE_INSENSITIVE);
    int seen = 0;
    for (String unit : UNITS) {
      for (UnitFile.Assignment a : UnitFile.read(SystemdRoot.PROJECT_UNITS.resolve(unit)).assignments()) {
        Matcher m = cap.matcher(a.value());
        while (m.find()) {
          String name = m.group().toLowerCase();
          String where = unit + ":" + a.line() + ": " + m.group();
          assertTrue(known.contains(name), where + " is not a capability systemd knows");
          Proc.Result supports = Proc.run(List.of("capsh", "--supports=" + name), null, Map.of(), Duration.ofSeconds(10));
          assertEquals(0, supports.exitCode(), where + " is not known to libcap/the kernel: " + supports.stderr());
          seen++;
        }
      }
    }
    assertEquals(2, seen, "CAP_ names in the units (the local unit's ambient and bounding sets)");
  }

  @Test
  void remotePullUnits_runUnprivilegedWithoutAnyCapability() {
    for (String unit : List.of(PULL, PULL_ALL)) {
      UnitFile u = unit(unit);
      assertCommonPullHardening(u);
      assertEquals(List.of(""), u.all("Service", "CapabilityBoundingSet"), unit + ": bounding set must be empty");
      assertEquals(List.of(""), u.all("Service", "AmbientCapabilities"), unit + ": ambient set must be empty");
      assertEquals("yes", u.one("Service", "ProtectHome"), unit);
      Map<String, Boolean> review = root.security(unit.replace("@.", "@web1."));
      review.forEach((check, passed) -> {
        if (check.startsWith("CapabilityBoundingSet=") || check.equals("AmbientCapabilities=")) {
          assertTrue(passed, unit + ": systemd-analyze security: " + check + " not passed");
        }
      });
      assertSecurityPassed(unit, review, "NoNewPrivileges=", "User=/DynamicUser=", "ProtectSystem=", "PrivateTmp=",
          "ProtectHome=", "PrivateDevices=", "RestrictSUIDSGID=", "ProtectKernelModules=");
    }
    assertEquals("/usr/local/bin/rewind pull %i", unit(PULL).one("Service", "ExecStart"));
    assertEquals("/usr/local/bin/rewind pull --all", unit(PULL_ALL).one("Service", "ExecStart"));
  }

  @Test
  void localPullUnit_getsOnlyAmbientDacReadSearch_andSeesHomeReadOnly() {
    UnitFile u = unit(PULL_LOCAL);
    assertCommonPullHardening(u);
    assertEquals(List.of("CAP_DAC_READ_SEARCH"), u.list("Service", "AmbientCapabilities"));
    assertEquals(List.of("CAP_DAC_READ_SEARCH"), u.list("Service", "CapabilityBoundingSet"));
    assertEquals("read-only", u.one("Service", "ProtectHome"), "ProtectHome=yes would hide /home from the backup");
    assertEquals("/usr/local/bin/rewind pull %i", u.one("Service", "ExecStart"));
    assertTrue(u.list("Service", "InaccessiblePaths").contains("-/backups"), "the history mount must stay out");
    Map<String, Boolean> review = root.security("rewind-pull-local@server1.service");
    assertFalse(review.get("AmbientCapabilities="), "systemd sees no ambient capability");
    assertFalse(review.get("CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)"));
    review.forEach((check, passed) -> {
      if (check.startsWith("CapabilityBoundingSet=") && !check.contains("DAC_")) {
        assertTrue(passed, PULL_LOCAL + ": " + check + " not passed: only CAP_DAC_READ_SEARCH may be left");
      }
    });
    assertSecurityPassed(PULL_LOCAL, review, "NoNewPrivileges=", "User=/DynamicUser=", "ProtectSystem=", "PrivateTmp=");
  }

  @Test
  void mountUnit_usesTheMountHelper_andNoPrivateMountNamespace() {
    UnitFile u = unit(MOUNT);
    assertEquals("/srv/rewind", u.one("Mount", "What"));
    assertEquals("/backups", u.one("Mount", "Where"));
    assertEquals("fuse.rewind", u.one("Mount", "Type"), "mount(8) then runs /sbin/mount.fuse.rewind");
    List<String> options = List.of(u.one("Mount", "Options").split(","));
    assertTrue(options.containsAll(List.of("ro", "allow_other", "nofail")), "options " + options);
    for (UnitFile.Assignment a : u.assignments()) {
      assertFalse(NAMESPACING.contains(a.key()), MOUNT + ":" + a.line() + ": " + a.key()
          + "= would hide the FUSE mount in a private mount namespace");
    }
    assertEquals(List.of("multi-user.target"), u.list("Install", "WantedBy"));
  }

  @Test
  void timers_areDailyAndPersistent_withValidCalendarsAndDelays() {
    for (String timer : List.of("rewind-pull@.timer", "rewind-pull-local@.timer", "rewind-pull-all.timer")) {
      UnitFile u = unit(timer);
      String calendar = u.one("Timer", "OnCalendar");
      Proc.Result parsed = analyze("calendar", calendar);
      assertEquals(0, parsed.exitCode(), timer + ": OnCalendar=" + calendar + ": " + parsed.stderr());
      assertTrue(parsed.out().contains("Normalized form: *-*-* "), timer + ": not daily: " + parsed.out());
      assertEquals("true", u.one("Timer", "Persistent"), timer);
      String delay = u.one("Timer", "RandomizedDelaySec");
      Proc.Result span = analyze("timespan", delay);
      assertEquals(0, span.exitCode(), timer + ": RandomizedDelaySec=" + delay + ": " + span.stderr());
      assertEquals(List.of("timers.target"), u.list("Install", "WantedBy"), timer);
      String service = timer.replace(".timer", ".service");
      assertTrue(Files.isRegularFile(SystemdRoot.PROJECT_UNITS.resolve(service)), timer + " starts " + service);
    }
  }

  @Test
  void nothingRunsPrivilegedHelpers() throws IOException {
    for (String unit : UNITS) {
      String text = Files.readString(SystemdRoot.PROJECT_UNITS.resolve(unit));
      String commands = String.join("\n", UnitFile.read(SystemdRoot.PROJECT_UNITS.resolve(unit)).assignments().stream()
          .filter(a -> a.key().startsWith("Exec")).map(UnitFile.Assignment::value).toList());
      assertFalse(commands.matches("(?s).*\\b(sudo|systemctl|su|pkexec)\\b.*"), unit + ": " + commands);
      assertFalse(text.contains("ExecStartPost"), unit);
    }
  }

  private void assertCommonPullHardening(UnitFile u) {
    String n = u.name();
    assertEquals("oneshot", u.one("Service", "Type"), n);
    assertEquals("backuphelper", u.one("Service", "User"), n);
    assertEquals("yes", u.one("Service", "NoNewPrivileges"), n);
    assertEquals("strict", u.one("Service", "ProtectSystem"), n);
    assertEquals(List.of("/srv/rewind", "/var/lib/rewind"), u.list("Service", "ReadWritePaths"), n);
    assertEquals("yes", u.one("Service", "PrivateTmp"), n);
    assertEquals("0077", u.one("Service", "UMask"), n);
    assertEquals("idle", u.one("Service", "IOSchedulingClass"), n);
    assertEquals("idle", u.one("Service", "CPUSchedulingPolicy"), n);
  }

  private static void assertSecurityPassed(String unit, Map<String, Boolean> review, String... checks) {
    for (String check : checks) {
      assertEquals(Boolean.TRUE, review.get(check), unit + ": systemd-analyze security: " + check);
    }
  }

  private static UnitFile unit(String name) {
    return UnitFile.read(SystemdRoot.PROJECT_UNITS.resolve(name));
  }

  private static Proc.Result analyze(String... args) {
    List<String> cmd = new ArrayList<>(List.of("systemd-analyze"));
    cmd.addAll(List.of(args));
    return Proc.run(cmd, null, Map.of("TZ", "UTC"), Duration.ofSeconds(30));
  }

  /** Lower-case capability names from {@code systemd-analyze capability}. */
  private static Set<String> systemdCapabilities() {
    Proc.Result r = analyze("capability").expect(0);
    Set<String> names = new TreeSet<>();
    for (String line : r.out().split("\n")) {
      String first = line.strip().split("\\s+")[0];
      if (first.startsWith("cap_")) {
        names.add(first);
      }
    }
    return names;
  }
}
