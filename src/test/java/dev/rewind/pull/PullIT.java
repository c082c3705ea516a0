package dev.rewind.pull;

import static dev.rewind.testing.TreeSnapshot.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SmtpSink;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.TreeSnapshot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rewind --config DIR pull} as users run it (the packaged jar) over {@code address =
 * local} hosts, with the real rdiff-backup 2.x verifying and restoring what it wrote.
 */
@Tag("interop")
class PullIT {
  private static final String TZ = "UTC";
  private static final long T1 = 1_780_000_000L; // 2026-05-28T20:26:40Z
  private static final long DAY = 86_400L;
  private static RdiffBackup rdiff;

  @TempDir Path work;
  private Path conf;
  private TreeBuilder alpha;
  private TreeBuilder beta1;
  private TreeBuilder beta2;

  @BeforeAll
  static void tools() {
    Tools.require("rdiff-backup", "flock");
    RewindJar.jar();
    rdiff = RdiffBackup.withTz(TZ);
  }

  /** alpha: one path with an exclude; beta: two paths with an exclude; gamma: a path that does not exist. */
  @BeforeEach
  void config() throws IOException {
    conf = work.resolve("conf");
    Files.createDirectories(conf.resolve("hosts.d"));
    Files.createDirectories(work.resolve("src"));
    write("rewind.conf", "# test setup", "repository_root = " + work.resolve("repos"), "state_dir = " + work.resolve("state"),
        "parallel = 2", "exclude = /proc", "exclude = **/*.tmp");
    alpha = TreeBuilder.at(work.resolve("src/alpha"), T1 - 1000).dir("etc").file("etc/hosts", "127.0.0.1 localhost\n")
        .file("etc/x.tmp", "scratch").dir("cache").file("cache/big", "cached").symlink("link", "etc/hosts");
    beta1 = TreeBuilder.at(work.resolve("src/beta1"), T1 - 1000).file("a", "beta one").dir("sub").file("sub/b", "bee");
    beta2 = TreeBuilder.at(work.resolve("src/beta2"), T1 - 1000).file("c", "beta two").dir("logs").file("logs/l", "log");
    write("hosts.d/alpha.conf", "address = local", "path = " + work.resolve("src/alpha"),
        "exclude = " + work.resolve("src/alpha/cache"), "retention = 2D");
    write("hosts.d/beta.conf", "address = local", "path = " + work.resolve("src/beta1"), "path = " + work.resolve("src/beta2"),
        "exclude = " + work.resolve("src/beta2/logs"));
    write("hosts.d/gamma.conf", "address = local", "path = " + work.resolve("src/nonexistent"));
  }

  private void write(String name, String... lines) throws IOException {
    Files.writeString(conf.resolve(name), String.join("\n", lines) + "\n");
  }

  private Proc.Result pull(long now, String... args) {
    List<String> all = new ArrayList<>(List.of("--current-time", Long.toString(now), "--config", conf.toString(), "pull"));
    all.addAll(Arrays.asList(args));
    return RewindJar.run(TZ, all.toArray(String[]::new));
  }

  private static List<String> lines(Proc.Result r, String prefix) {
    return r.out().lines().filter(l -> l.startsWith(prefix)).toList();
  }

  private Path repo(String host) {
    return work.resolve("repos").resolve(host);
  }

  @Test
  void pullAll_goodHostsOk_missingPathFails_andRdiffBackupRestoresTheSources() throws IOException {
    Proc.Result r = pull(T1, "--all");

    assertEquals(1, r.exitCode(), r.out() + r.stderr());
    String alphaLine = lines(r, "alpha: ").get(1);
    assertTrue(alphaLine.matches("alpha: ok, session 2026-05-28T20:26:40Z, 4 files, 20 bytes changed, \\d+ s"), r.out());
    assertEquals(1, lines(r, "beta: ok, session 2026-05-28T20:26:40Z, ").size(), r.out());
    List<String> gamma = lines(r, "gamma: FAILED: ");
    assertEquals(1, gamma.size(), r.out());
    assertTrue(gamma.get(0).contains(work.resolve("src/nonexistent").toString()), gamma.get(0));
    assertTrue(r.out().endsWith("3 hosts: 2 ok, 1 failed\n"), r.out());
    assertEquals("", r.stderr());

    rdiff.verify(repo("alpha"));
    rdiff.verify(repo("beta"));
    Files.createDirectories(work.resolve("restored"));
    Path alphaBack = work.resolve("restored/alpha");
    rdiff.restoreAt(repo("alpha"), "now", alphaBack);
    assertSameTree(TreeSnapshot.capture(alpha.root()).without("cache").without("etc/x.tmp".getBytes(StandardCharsets.UTF_8)),
        TreeSnapshot.capture(alphaBack), "alpha restored by rdiff-backup");
    Path betaBack = work.resolve("restored/beta");
    rdiff.restoreAt(repo("beta"), "now", betaBack);
    String below = work.resolve("src").toString().substring(1);
    assertSameTree(TreeSnapshot.capture(beta1.root()), TreeSnapshot.capture(betaBack.resolve(below + "/beta1")), "beta1");
    assertSameTree(TreeSnapshot.capture(beta2.root()).without("logs"),
        TreeSnapshot.capture(betaBack.resolve(below + "/beta2")), "beta2 without its excluded logs");
    assertEquals(List.of("beta1", "beta2"), names(betaBack.resolve(below)), "only the configured paths");

    assertState("alpha", T1, OptionalLong.of(T1), "ok", "");
    assertState("gamma", T1, OptionalLong.empty(), "failed", gamma.get(0).substring("gamma: FAILED: ".length()));
    assertEquals("rwx------", mode(work.resolve("state")));
    assertEquals("rwx------", mode(repo("alpha")));
    assertEquals("rwx------", mode(work.resolve("repos")));
  }

  @Test
  void failedHost_resultMailedThroughSmtp_okRunNotMailed() throws Exception {
    try (SmtpSink smtp = SmtpSink.start(work.resolve("mail"))) {
      Files.writeString(conf.resolve("rewind.conf"), String.join("\n", "mail_to = ops@example.org, oncall@example.org",
          "mail_from = rewind@backup.example.org", "mail_via = smtp://127.0.0.1:" + smtp.port, ""),
          java.nio.file.StandardOpenOption.APPEND);
      assertEquals(0, pull(T1, "alpha").exitCode());
      assertEquals(List.of(), smtp.messages(), "no mail when every host is ok (mail_on = failure)");

      Proc.Result r = pull(T1 + DAY, "--all");
      assertEquals(1, r.exitCode(), r.out() + r.stderr());
      assertEquals(1, smtp.messages().size(), r.stderr());
      String mail = smtp.messages().get(0);
      assertTrue(mail.startsWith("rewind@backup.example.org\nops@example.org oncall@example.org\n"), mail);
      assertTrue(mail.contains("Subject: rewind pull on "), mail);
      assertTrue(mail.contains(lines(r, "gamma: FAILED: ").get(0)), "the failure line is in the mail: " + mail);
      assertTrue(mail.contains("3 hosts: 2 ok, 1 failed"), mail);
    }
  }

  @Test
  void secondPull_makesASecondSession_andRetentionRemovesWhatIsOlderThanIt() throws IOException {
    assertEquals(0, pull(T1, "alpha", "beta").exitCode());
    alpha.write("etc/hosts", "changed\n");
    beta1.write("a", "beta one, changed");
    Proc.Result second = pull(T1 + 2 * DAY, "alpha", "beta");
    assertEquals(0, second.exitCode(), second.out() + second.stderr());
    assertTrue(second.out().endsWith("2 hosts: 2 ok, 0 failed\n"), second.out());
    assertEquals(List.of(T1, T1 + 2 * DAY), rdiff.listIncrementsParsable(repo("alpha")));
    assertEquals(List.of(T1, T1 + 2 * DAY), rdiff.listIncrementsParsable(repo("beta")));

    alpha.write("etc/hosts", "changed again\n");
    beta1.write("a", "beta one, changed again");
    Proc.Result third = pull(T1 + 3 * DAY, "alpha", "beta");
    assertEquals(0, third.exitCode(), third.out() + third.stderr());
    assertTrue(lines(third, "alpha: ok").get(0).endsWith(", removed 1 old session"), third.out());
    assertEquals(List.of(T1 + 2 * DAY, T1 + 3 * DAY), rdiff.listIncrementsParsable(repo("alpha")), "retention 2D");
    assertEquals(List.of(T1, T1 + 2 * DAY, T1 + 3 * DAY), rdiff.listIncrementsParsable(repo("beta")), "default 30D");
    rdiff.verify(repo("alpha"));
    Path back = work.resolve("restored");
    rdiff.restoreAt(repo("alpha"), Long.toString(T1 + 2 * DAY), back);
    assertEquals("changed\n", Files.readString(back.resolve("etc/hosts")), "the session after the cutoff still restores");
    assertState("alpha", T1 + 3 * DAY, OptionalLong.of(T1 + 3 * DAY), "ok", "");
  }

  @Test
  void parallelOne_pullsOneHostAfterTheOther() throws IOException {
    write("hosts.d/gamma.conf", "address = local", "path = " + work.resolve("src/beta1"));
    Proc.Result r = pull(T1, "--all", "--parallel", "1");
    assertEquals(0, r.exitCode(), r.out() + r.stderr());
    List<String> out = r.out().lines().toList();
    assertEquals(7, out.size(), r.out());
    for (int i = 0; i < 6; i += 2) {
      String host = out.get(i).substring(0, out.get(i).indexOf(':'));
      assertTrue(out.get(i).startsWith(host + ": started, "), r.out());
      assertTrue(out.get(i + 1).startsWith(host + ": ok, "), "each host ends before the next starts:\n" + r.out());
    }
  }

  @Test
  void lockHeldByAnotherProcess_failsOnlyThatHost() throws Exception {
    assertEquals(0, pull(T1, "alpha", "beta").exitCode());
    Path lockYml = repo("alpha").resolve("rdiff-backup-data/lock.yml");
    Process holder = new ProcessBuilder("flock", "-n", lockYml.toString(), "-c", "echo held; exec sleep 60").start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertEquals("held", out.readLine(), "flock took the lock");
      alpha.write("etc/hosts", "changed\n");
      Proc.Result r = pull(T1 + DAY, "alpha", "beta");
      assertEquals(1, r.exitCode(), r.out() + r.stderr());
      List<String> failed = lines(r, "alpha: FAILED: ");
      assertEquals(1, failed.size(), r.out());
      assertTrue(failed.get(0).contains("is locked by pid " + holder.pid()), failed.get(0));
      assertEquals(1, lines(r, "beta: ok, ").size(), r.out());
    } finally {
      List<ProcessHandle> all = new ArrayList<>(holder.descendants().toList());
      all.add(holder.toHandle());
      all.forEach(ProcessHandle::destroyForcibly);
      holder.waitFor(10, TimeUnit.SECONDS);
    }
    assertEquals(List.of(T1), rdiff.listIncrementsParsable(repo("alpha")), "the locked repository was not touched");
  }

  @Test
  void configError_namesFileLineAndKey_andNothingIsPulled() throws IOException {
    write("hosts.d/beta.conf", "address = local", "", "adress = 10.0.0.1");
    Proc.Result r = pull(T1, "--all");
    assertEquals(1, r.exitCode());
    assertEquals("rewind: error: " + conf.resolve("hosts.d/beta.conf") + ":3: unknown key 'adress'\n", r.stderr());
    assertEquals("", r.out());
    assertTrue(Files.notExists(work.resolve("repos")));
  }

  @Test
  void unknownHost_isNamedWithTheConfigDirectory() {
    Proc.Result r = pull(T1, "alpha", "web9");
    assertEquals(1, r.exitCode());
    assertEquals("rewind: error: unknown host 'web9': there is no " + conf.resolve("hosts.d/web9.conf")
        + " (known: alpha, beta, gamma)\n", r.stderr());
  }

  @Test
  void rewindConfigVariable_namesTheDirectory_andConfigOptionWinsOverIt() {
    List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dfile.encoding=ISO-8859-1", "-jar", RewindJar.jar().toString(), "--current-time", Long.toString(T1));
    List<String> viaEnv = new ArrayList<>(java);
    viaEnv.addAll(List.of("pull", "alpha"));
    Proc.Result r = Proc.run(viaEnv, null, Map.of("TZ", TZ, "REWIND_CONFIG", conf.toString()), Duration.ofSeconds(120));
    assertEquals(0, r.exitCode(), r.out() + r.stderr());
    assertTrue(r.out().endsWith("1 host: 1 ok, 0 failed\n"), r.out());

    Path missing = work.resolve("missing");
    r = Proc.run(viaEnv, null, Map.of("TZ", TZ, "REWIND_CONFIG", missing.toString()), Duration.ofSeconds(120));
    assertEquals(1, r.exitCode());
    assertEquals("rewind: error: " + missing + ": no such configuration directory (give --config DIR or set"
        + " REWIND_CONFIG)\n", r.stderr());

    List<String> withOption = new ArrayList<>(java);
    withOption.addAll(List.of("--config", conf.toString(), "pull", "beta"));
    r = Proc.run(withOption, null, Map.of("TZ", TZ, "REWIND_CONFIG", missing.toString()), Duration.ofSeconds(120));
    assertEquals(0, r.exitCode(), r.out() + r.stderr());
  }

  private void assertState(String host, long attempt, OptionalLong success, String result, String error) throws IOException {
    Path file = work.resolve("state/" + host + ".state");
    assertEquals("rw-------", mode(file));
    List<String> lines = Files.readAllLines(file);
    assertEquals(List.of("last_attempt=" + attempt, "last_success=" + (success.isPresent() ? success.getAsLong() : ""),
        "last_result=" + result, "last_error=" + error), lines.subList(0, 4));
    assertTrue(lines.get(4).matches("last_duration_ms=\\d+"), lines.toString());
    assertEquals(5, lines.size());
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static List<String> names(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
