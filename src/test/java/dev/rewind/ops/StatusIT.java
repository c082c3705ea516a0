package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code rewind status} on a repository root written by rdiff-backup and Rewind: the figures
 * against independent oracles ({@code du -sb}, the session times used, the statistics
 * rdiff-backup wrote), the JSON parsed by a real JSON parser (Python's), and the exit code a
 * monitor relies on.
 */
class StatusIT {
  private static Path dir;
  private static Fleet fleet;
  /** An hour after db's last session: fresh unless the threshold is tiny. */
  private static final long NOW = Fleet.T1 + 2 * Fleet.DAY + 3600;

  @BeforeAll
  static void build() throws IOException {
    RewindJar.jar();
    dir = Files.createTempDirectory("rewind-status-");
    fleet = Fleet.build(dir);
  }

  @AfterAll
  static void clean() throws IOException {
    if (dir != null) {
      TreeBuilder.deleteRecursively(dir);
    }
  }

  @Test
  void status_allFresh_exitsZeroWithOneRowPerHost() throws IOException {
    Files.deleteIfExists(PullState.file(fleet.stateDir, "db"));
    Proc.Result r = fleet.rewind(NOW, "status", "--stale-after", "3D");
    assertEquals(0, r.exitCode(), r.out() + r.stderr());
    List<String> lines = r.out().lines().toList();
    assertEquals(4, lines.size(), r.out()); // header + 3 hosts
    assertTrue(lines.get(0).startsWith("HOST"), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("web1 +ok +2024-04-03T09:00:00Z +1h00m +3 +2024-04-01T09:00:00Z .*")), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("db +ok +2024-04-02T09:00:00Z +1d01h +2 +2024-04-01T09:00:00Z .*")), r.out());
  }

  @Test
  void status_staleHost_exitsOneNamingHostAndAge() throws IOException {
    Files.deleteIfExists(PullState.file(fleet.stateDir, "db"));
    Proc.Result r = fleet.rewind(NOW, "status", "--stale-after", "1D");
    assertEquals(1, r.exitCode(), r.out() + r.stderr());
    assertTrue(r.out().contains("db: ALARM: last session 2024-04-02T09:00:00Z is 1d01h old (limit 1d00h)"), r.out());
    assertFalse(r.out().contains("web1: ALARM"), r.out());
  }

  @Test
  void status_withoutOptions_takesRootStateDirAndStaleAfterFromTheConfiguration() throws IOException {
    Files.deleteIfExists(PullState.file(fleet.stateDir, "db"));
    Path conf = dir.resolve("conf");
    Files.createDirectories(conf);
    Files.writeString(conf.resolve("rewind.conf"), String.join("\n", "repository_root = " + fleet.root,
        "state_dir = " + fleet.stateDir, "stale_after = 1D", ""));
    Proc.Result r = RewindJar.run("UTC", "--current-time", Long.toString(NOW), "--config", conf.toString(), "status");
    assertEquals(1, r.exitCode(), r.out() + r.stderr());
    assertTrue(r.out().contains("db: ALARM: last session 2024-04-02T09:00:00Z is 1d01h old (limit 1d00h)"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("web1 ")), r.out());
  }

  @Test
  void status_failedPull_exitsOneWithTheError() throws IOException {
    fleet.state("db", "last_attempt=" + (NOW - 600), "last_success=" + (Fleet.T1 + Fleet.DAY),
        "last_result=failed", "last_error=ssh: connect to host db port 22: Connection refused", "last_duration_ms=1200");
    Proc.Result r = fleet.rewind(NOW, "status", "--stale-after", "3D");
    assertEquals(1, r.exitCode(), r.out() + r.stderr());
    assertTrue(r.out().contains("db: ALARM: last pull failed: ssh: connect to host db port 22: Connection refused"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("db +ALARM .* failed 10m ago")), r.out());
  }

  @Test
  void status_damagedStateFile_isThatHostsAlarmOnly() throws IOException {
    Files.deleteIfExists(PullState.file(fleet.stateDir, "db"));
    fleet.state("web1", "last_attempt=yesterday");
    Proc.Result r;
    try {
      r = fleet.rewind(NOW, "status", "--stale-after", "3D");
    } finally {
      Files.delete(PullState.file(fleet.stateDir, "web1"));
    }
    assertEquals(1, r.exitCode(), r.out() + r.stderr());
    assertTrue(r.out().contains("web1: ALARM: " + PullState.file(fleet.stateDir, "web1") + ":1: not a number: 'yesterday'"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("db +ok .*")), r.out());
  }

  @Test
  void statusJson_parsedByPython_matchesOracles() throws IOException {
    fleet.state("db", "last_attempt=" + (NOW - 600), "last_success=", "last_result=failed", "last_error=\"quoted\" \\ and tab\there");
    fleet.state("ghost", "last_attempt=" + (NOW - 60), "last_result=failed", "last_error=no route to host");
    Proc.Result r;
    try {
      r = fleet.rewind(NOW, "status", "--json");
    } finally {
      Files.delete(PullState.file(fleet.stateDir, "ghost")); // the other tests know three hosts
    }
    assertEquals(1, r.exitCode(), r.stderr());
    Path json = dir.resolve("status.json");
    Files.write(json, r.stdout());
    Map<String, String> py = python(json, String.join("\n",
        "import json, sys",
        "d = json.load(open(sys.argv[1]))",
        "h = {x['host']: x for x in d['hosts']}",
        "print('hosts=' + ','.join(sorted(h)))",
        "print('ok=%s' % d['ok'])",
        "w = h['web1']",
        "print('web1=%d %d %d %s' % (w['sessions'], w['last_session_epoch'], w['repository_bytes'], w['ok']))",
        "print('web1changed=' + ','.join(str(s['changed_bytes']) for s in w['history']))",
        "print('web1last=%d' % w['history'][-1]['repository_bytes'])",
        "print('dberror=' + h['db']['last_pull']['error'])",
        "print('ghost=%s %d %s' % (h['ghost']['ok'], h['ghost']['sessions'], h['ghost']['alarms'][0]))"));
    assertEquals("<b>&\"x' o,db,ghost,web1", py.get("hosts"));
    assertEquals("False", py.get("ok"));
    long du = Long.parseLong(Proc.run(List.of("du", "-sb", fleet.root.resolve("web1").toString())).expect(0).out().split("\t")[0]);
    assertEquals("3 " + (Fleet.T1 + 2 * Fleet.DAY) + " " + du + " True", py.get("web1"));
    assertEquals("10004," + Fleet.WEB1_SESSION2_CHANGED + ",0", py.get("web1changed")); // b.txt is 4 bytes
    assertEquals(Long.toString(du), py.get("web1last"));
    assertEquals("\"quoted\" \\ and tab\there", py.get("dberror"));
    assertEquals("False 0 no repository at '" + fleet.root.toAbsolutePath().resolve("ghost") + "'", py.get("ghost"));
  }

  @Test
  void status_badThreshold_oneLineErrorNonZero() {
    Proc.Result r = fleet.rewind(NOW, "status", "--stale-after", "two days");
    assertTrue(r.exitCode() != 0);
    assertEquals(1, r.stderr().lines().count(), r.stderr());
    assertTrue(r.stderr().contains("--stale-after 'two days'"), r.stderr());
  }

  @Test
  void status_missingRoot_oneLineErrorNamingIt() {
    Proc.Result r = RewindJar.run("UTC", "status", "--root", dir.resolve("nope").toString(), "--state-dir", dir.toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.stderr().lines().count(), r.stderr());
    assertTrue(r.stderr().contains(dir.resolve("nope").toString()), r.stderr());
  }

  @Test
  void status_rootIsOneRepositoryWithAnUnfinishedSession_listsItWithAnAlarm() throws IOException {
    Path root = dir.resolve("single");
    Path src = dir.resolve("src-single");
    TreeBuilder.at(src, Fleet.T1).file("f", "f\n");
    Fleet.rewindBackup(src, root, Fleet.T1);
    // a second marker: a backup that died before it finished, as rdiff-backup leaves it
    Files.writeString(root.resolve("rdiff-backup-data/current_mirror.2024-04-02T09:00:00Z.data"), "PID 999999\n");
    Proc.Result r = RewindJar.run("UTC", "--current-time", Long.toString(Fleet.T1 + 3600), "status",
        "--root", root.toString(), "--state-dir", dir.resolve("no-state").toString());
    assertEquals(1, r.exitCode(), r.out() + r.stderr());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("single +ALARM +2024-04-01T09:00:00Z +1h00m +1 .*")), r.out());
    assertTrue(r.out().contains("single: ALARM: '" + root.toAbsolutePath() + "' has an unfinished backup session"), r.out());
  }

  /** Journald-friendly logs: a backup whose output is not a terminal draws no progress bar. */
  @Test
  void backup_notOnATerminal_printsWholeLinesOnly() throws IOException {
    Path src = dir.resolve("src-log");
    TreeBuilder.at(src, Fleet.T1).randomFile("f", 1 << 20, 9);
    Proc.Result r = Fleet.rewindBackup(src, dir.resolve("repo-log"), Fleet.T1);
    String all = r.out() + r.stderr();
    assertFalse(all.contains("\r"), all);
    assertTrue(r.out().lines().allMatch(l -> l.startsWith("rewind: ")), r.out());
  }

  private static Map<String, String> python(Path json, String script) {
    Proc.Result r = Proc.run(List.of("/usr/bin/python3", "-c", script, json.toString()), null, Map.of(),
        Duration.ofSeconds(60)).expect(0);
    Map<String, String> out = new java.util.HashMap<>();
    for (String line : new String(r.stdout(), StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      out.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return out;
  }
}
