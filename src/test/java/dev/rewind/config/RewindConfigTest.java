package dev.rewind.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewindConfigTest {
  @TempDir Path dir;

  private void write(String name, String... lines) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, String.join("\n", lines) + "\n");
  }

  private RewindConfig load() throws IOException {
    return RewindConfig.load(dir, "backupserver");
  }

  private String error(String file, String... lines) throws IOException {
    write(file, lines);
    return assertThrows(ConfigException.class, this::load).getMessage();
  }

  @Test
  void emptyDirectory_givesEveryDefault_andNoHosts() throws IOException {
    RewindConfig c = load();
    GlobalConfig g = c.global();
    assertEquals(Path.of("/srv/rewind"), g.repositoryRoot());
    assertEquals(Path.of("/var/lib/rewind"), g.stateDir());
    assertEquals(2, g.parallel());
    assertEquals(dir.resolve("id_ed25519"), g.key());
    assertEquals(dir.resolve("known_hosts"), g.knownHosts());
    assertEquals("backuphelper", g.user());
    assertEquals("30D", g.retention());
    assertEquals(GlobalConfig.DEFAULT_EXCLUDES, g.excludes());
    assertEquals(Optional.empty(), g.mailTo());
    assertEquals("rewind@backupserver", g.mailFrom());
    assertEquals("sendmail", g.mailVia());
    assertEquals(GlobalConfig.MailOn.FAILURE, g.mailOn());
    assertEquals(Duration.ofDays(2), g.staleAfter());
    assertEquals(Duration.ofMinutes(2), g.sshTimeout());
    assertEquals(List.of(), c.hosts());
  }

  @Test
  void globalKeys_commentsAndBlankLines_areRead() throws IOException {
    write("rewind.conf", "# where repositories live", "", "repository_root = /backup/", "state_dir=/var/lib/rw",
        "  parallel =  5  ", "key = keys/id", "known_hosts = /etc/ssh/kh", "user = pull", "retention = 12W",
        "exclude = /proc", "exclude = **/*.tmp", "mail_to = a@example.org, b@example.org", "mail_from = me@example.org",
        "mail_via = smtp://mail.example.org:25", "mail_on = always", "stale_after = 36h", "ssh_timeout = 30s");
    GlobalConfig g = load().global();
    assertEquals(Path.of("/backup"), g.repositoryRoot());
    assertEquals(Path.of("/var/lib/rw"), g.stateDir());
    assertEquals(5, g.parallel());
    assertEquals(dir.resolve("keys/id"), g.key(), "a relative key is relative to the configuration directory");
    assertEquals(Path.of("/etc/ssh/kh"), g.knownHosts());
    assertEquals("pull", g.user());
    assertEquals("12W", g.retention());
    assertEquals(List.of("/proc", "**/*.tmp"), g.excludes(), "given excludes replace the default list");
    assertEquals(Optional.of("a@example.org, b@example.org"), g.mailTo());
    assertEquals("me@example.org", g.mailFrom());
    assertEquals("smtp://mail.example.org:25", g.mailVia());
    assertEquals(GlobalConfig.MailOn.ALWAYS, g.mailOn());
    assertEquals(Duration.ofHours(36), g.staleAfter());
    assertEquals(Duration.ofSeconds(30), g.sshTimeout());
  }

  @Test
  void host_withoutKeys_takesGlobalDefaults_andRepositoryUnderTheRoot() throws IOException {
    write("rewind.conf", "repository_root = /srv/backups", "user = pull", "retention = 10B");
    write("hosts.d/web1.conf", "# nothing set");
    HostConfig h = load().host("web1");
    assertEquals("web1", h.name());
    assertEquals("web1", h.address(), "the address defaults to the host's name");
    assertFalse(h.isLocal());
    assertEquals(22, h.port());
    assertEquals("pull", h.user());
    assertEquals(dir.resolve("id_ed25519"), h.key());
    assertEquals(List.of("/"), h.paths());
    assertEquals(List.of(), h.includes());
    assertEquals(GlobalConfig.DEFAULT_EXCLUDES, h.excludes());
    assertEquals("10B", h.retention());
    assertEquals(Path.of("/srv/backups/web1"), h.repository());
    assertTrue(h.enabled());
    assertEquals(dir.resolve("hosts.d/web1.conf"), h.file());
  }

  @Test
  void host_keys_overrideAndAddToGlobals() throws IOException {
    write("rewind.conf", "exclude = /proc");
    write("hosts.d/db.example.org.conf", "address = 10.0.0.7", "port = 2222", "user = bk", "key = /root/k",
        "path = /etc/", "path = //home", "exclude = /home/*/.cache", "include = /home/*/.cache/keep",
        "retention = 2D", "repository = /data/db", "enabled = no");
    HostConfig h = load().host("db.example.org");
    assertEquals("10.0.0.7", h.address());
    assertEquals(2222, h.port());
    assertEquals("bk", h.user());
    assertEquals(Path.of("/root/k"), h.key());
    assertEquals(List.of("/etc", "/home"), h.paths());
    assertEquals(List.of("/proc", "/home/*/.cache"), h.excludes(), "host excludes add to the global ones");
    assertEquals(List.of("/home/*/.cache/keep"), h.includes());
    assertEquals("2D", h.retention());
    assertEquals(Path.of("/data/db"), h.repository());
    assertFalse(h.enabled());
  }

  @Test
  void hosts_areSortedByName_andLeftoverFilesIgnored() throws IOException {
    write("hosts.d/web2.conf", "address = local");
    write("hosts.d/web1.conf", "address = local", "repository = /srv/other");
    write("hosts.d/web1.conf~", "garbage");
    write("hosts.d/web1.conf.dpkg-old", "garbage");
    write("hosts.d/.web3.conf.swp", "garbage");
    write("hosts.d/README", "garbage");
    RewindConfig c = load();
    assertEquals(List.of("web1", "web2"), c.hosts().stream().map(HostConfig::name).toList());
    assertTrue(c.host("web2").isLocal());
  }

  @Test
  void unknownKey_namesFileLineAndKey() throws IOException {
    String file = dir.resolve("hosts.d/web1.conf").toString();
    assertEquals(file + ":3: unknown key 'adress'", error("hosts.d/web1.conf", "# web", "port = 22", "adress = x"));
  }

  @Test
  void globalKeyInHostFile_isUnknown() throws IOException {
    assertEquals(dir.resolve("hosts.d/a.conf") + ":1: unknown key 'parallel'", error("hosts.d/a.conf", "parallel = 3"));
  }

  @Test
  void lineWithoutEquals_isRefused() throws IOException {
    assertEquals(dir.resolve("rewind.conf") + ":2: expected 'key = value', found 'parallel 3'",
        error("rewind.conf", "", "parallel 3"));
  }

  @Test
  void emptyValue_isRefused() throws IOException {
    assertEquals(dir.resolve("rewind.conf") + ":1: no value for 'user'", error("rewind.conf", "user ="));
  }

  @Test
  void duplicateSingleKey_namesBothLines() throws IOException {
    assertEquals(dir.resolve("hosts.d/h.conf") + ":4: 'port' given twice (also on line 1); it takes one value",
        error("hosts.d/h.conf", "port = 22", "path = /a", "path = /b", "port = 23"));
  }

  @Test
  void badPort_isRefused() throws IOException {
    assertEquals(dir.resolve("hosts.d/h.conf") + ":1: bad value for 'port': '99999' is not a port number (1 to 65535)",
        error("hosts.d/h.conf", "port = 99999"));
    assertTrue(error("hosts.d/h.conf", "port = ssh").endsWith(":1: bad value for 'port': 'ssh' is not a port number"));
  }

  @Test
  void badRetention_isRefused() throws IOException {
    String m = error("hosts.d/h.conf", "", "retention = 30 days");
    assertTrue(m.startsWith(dir.resolve("hosts.d/h.conf") + ":2: bad value for 'retention': '30 days' is not a TIME"), m);
    assertTrue(error("rewind.conf", "retention = 2024-01-01").contains(":1: bad value for 'retention'"));
  }

  @Test
  void otherBadValues_areRefusedWithTheirKey() throws IOException {
    assertTrue(error("rewind.conf", "parallel = 0").endsWith(":1: bad value for 'parallel': '0' must be at least 1"));
    assertTrue(error("rewind.conf", "mail_on = sometimes").contains("bad value for 'mail_on'"));
    assertTrue(error("rewind.conf", "mail_via = ftp://x").contains("bad value for 'mail_via'"));
    assertTrue(error("rewind.conf", "mail_to = nobody").contains("bad value for 'mail_to'"));
    assertTrue(error("rewind.conf", "stale_after = 3B").contains("bad value for 'stale_after'"));
    assertTrue(error("rewind.conf", "ssh_timeout = 0s").contains("bad value for 'ssh_timeout'"));
    assertTrue(error("rewind.conf", "repository_root = srv").contains("bad value for 'repository_root': 'srv' is not an absolute path"));
    Files.delete(dir.resolve("rewind.conf"));
    assertTrue(error("hosts.d/h.conf", "enabled = maybe").contains("bad value for 'enabled': 'maybe' is neither yes nor no"));
    assertTrue(error("hosts.d/h.conf", "path = etc").contains("bad value for 'path'"));
    assertTrue(error("hosts.d/h.conf", "exclude = *.tmp").contains("bad value for 'exclude'"));
    assertTrue(error("hosts.d/h.conf", "address = a b").contains("bad value for 'address'"));
    assertTrue(error("hosts.d/h.conf", "user = a/b").contains("bad value for 'user'"));
  }

  @Test
  void unsafeHostFileName_isRefused() throws IOException {
    assertEquals(dir.resolve("hosts.d/web 1.conf") + ": 'web 1' is not a usable host name (letters, digits, '.', '-',"
        + " '_'; starting with a letter or digit)", error("hosts.d/web 1.conf", "address = local"));
    Files.delete(dir.resolve("hosts.d/web 1.conf"));
    assertTrue(error("hosts.d/-x.conf", "").contains("'-x' is not a usable host name"));
  }

  @Test
  void twoHostsOnOneRepository_areRefused() throws IOException {
    write("hosts.d/a.conf", "repository = /srv/rewind/b");
    String m = error("hosts.d/b.conf", "address = local");
    assertTrue(m.startsWith(dir.resolve("hosts.d/b.conf") + ": repository /srv/rewind/b is also the repository of host 'a'"), m);
  }

  @Test
  void notUtf8_isRefused() throws IOException {
    Files.createDirectories(dir.resolve("hosts.d"));
    Files.write(dir.resolve("hosts.d/h.conf"), new byte[] {'p', 'a', 't', 'h', '=', '/', (byte) 0xff});
    assertEquals(dir.resolve("hosts.d/h.conf") + ": not UTF-8 text", assertThrows(ConfigException.class, this::load).getMessage());
  }

  @Test
  void unknownHost_namesItAndTheConfigDirectory() throws IOException {
    write("hosts.d/web1.conf", "address = local");
    RewindConfig c = load();
    assertEquals("unknown host 'web9': there is no " + dir.resolve("hosts.d/web9.conf") + " (known: web1)",
        assertThrows(IllegalArgumentException.class, () -> c.host("web9")).getMessage());
    String slash = assertThrows(IllegalArgumentException.class, () -> c.host("../web1")).getMessage();
    assertTrue(slash.startsWith("unknown host '../web1': there is no " + dir.resolve("hosts.d")), slash);
  }

  @Test
  void missingDirectory_isNamed() {
    Path missing = dir.resolve("nope");
    assertEquals(missing + ": no such configuration directory (give --config DIR or set REWIND_CONFIG)",
        assertThrows(ConfigException.class, () -> RewindConfig.load(missing, "h")).getMessage());
  }
}
