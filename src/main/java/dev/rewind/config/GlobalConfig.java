package dev.rewind.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The settings of {@code DIR/rewind.conf}, every default resolved.
 *
 * @param dir the configuration directory
 * @param repositoryRoot where host repositories live unless a host names its own
 * @param stateDir where {@code <host>.state} files are written
 * @param parallel how many hosts are pulled at once
 * @param key the SSH private key
 * @param knownHosts the known_hosts file checked against host keys
 * @param user the SSH user on targets
 * @param retention how long sessions are kept ({@code 30D}, or {@code 10B} for a count)
 * @param excludes globs excluded on every host
 * @param mailTo where reports go (empty: no mail)
 * @param mailFrom the sender of reports
 * @param mailVia {@code sendmail} or {@code smtp://host:port}
 * @param mailOn when to send reports
 * @param staleAfter after how long without success {@code status} calls a host stale
 * @param sshTimeout how long a request to a host may go unanswered before its connection counts
 *     as lost (the pull of that host stops; the next one rolls the session back)
 */
public record GlobalConfig(Path dir, Path repositoryRoot, Path stateDir, int parallel, Path key, Path knownHosts,
    String user, String retention, List<String> excludes, Optional<String> mailTo, String mailFrom, String mailVia,
    MailOn mailOn, Duration staleAfter, Duration sshTimeout) {

  /** Excluded on every host when {@code rewind.conf} names no {@code exclude}. */
  public static final List<String> DEFAULT_EXCLUDES = List.of("/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp",
      "/mnt", "/media", "/lost+found", "/var/cache/apt/archives");

  /** As {@code rewind backup --ssh-timeout}'s default: long enough for a busy host's slowest disk. */
  public static final Duration DEFAULT_SSH_TIMEOUT = Duration.ofMinutes(2);

  static final Set<String> SINGLE_KEYS = Set.of("repository_root", "state_dir", "parallel", "key", "known_hosts",
      "user", "retention", "mail_to", "mail_from", "mail_via", "mail_on", "stale_after", "ssh_timeout");
  static final Set<String> LIST_KEYS = Set.of("exclude");

  /** When a report is mailed. */
  public enum MailOn {
    FAILURE,
    ALWAYS
  }

  public GlobalConfig {
    excludes = List.copyOf(excludes);
  }

  /** Reads {@code dir/rewind.conf}; an absent file means all defaults. */
  static GlobalConfig read(Path dir, String localHostname) throws IOException {
    Path file = dir.resolve("rewind.conf");
    ConfFile f = Files.exists(file) ? ConfFile.read(file, SINGLE_KEYS, LIST_KEYS) : ConfFile.empty(file);
    List<String> excludes = f.all("exclude", Values::glob);
    return new GlobalConfig(dir,
        f.get("repository_root", Values::absolutePath, Path.of("/srv/rewind")),
        f.get("state_dir", Values::absolutePath, Path.of("/var/lib/rewind")),
        f.get("parallel", Values::positive, 2),
        f.get("key", v -> Values.pathIn(dir, v), dir.resolve("id_ed25519")),
        f.get("known_hosts", v -> Values.pathIn(dir, v), dir.resolve("known_hosts")),
        f.get("user", Values::user, "backuphelper"),
        f.get("retention", Values::retention, "30D"),
        excludes.isEmpty() ? DEFAULT_EXCLUDES : excludes,
        Optional.ofNullable(f.get("mail_to", GlobalConfig::mailTo, null)),
        f.get("mail_from", Values::mailAddress, "rewind@" + localHostname),
        f.get("mail_via", Values::mailVia, "sendmail"),
        f.get("mail_on", GlobalConfig::mailOn, MailOn.FAILURE),
        f.get("stale_after", Values::interval, Duration.ofDays(2)),
        f.get("ssh_timeout", GlobalConfig::sshTimeout, DEFAULT_SSH_TIMEOUT));
  }

  private static Duration sshTimeout(String v) {
    Duration d = Values.interval(v);
    if (d.toSeconds() < 1) {
      throw new IllegalArgumentException("'" + v + "' is shorter than a second");
    }
    return d;
  }

  /** One address or several separated by commas. */
  private static String mailTo(String v) {
    for (String a : v.split(",")) {
      Values.mailAddress(a.strip());
    }
    return v;
  }

  private static MailOn mailOn(String v) {
    return switch (v) {
      case "failure" -> MailOn.FAILURE;
      case "always" -> MailOn.ALWAYS;
      default -> throw new IllegalArgumentException("'" + v + "' is neither 'failure' nor 'always'");
    };
  }
}
