package dev.rewind.cli;

import dev.rewind.source.sftp.HostKey;
import dev.rewind.source.sftp.KnownHosts;
import java.io.Console;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rewind trust [--known-hosts FILE] [--port N] [--yes] HOST}: the one explicit step that
 * adds a host key to Rewind's known_hosts, after showing its fingerprint.
 */
@Command(name = "trust", mixinStandardHelpOptions = true,
    description = {"Show a host's SSH key fingerprint and record the key as trusted.",
        "Compare the fingerprint with the host's own ('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' there)",
        "before saying yes. Backups refuse hosts whose key is unknown or changed."})
final class TrustCommand implements Callable<Integer> {
  @Option(names = "--known-hosts", paramLabel = "FILE",
      description = "The known_hosts file to add to (default: ${REWIND_CONFIG:-/etc/rewind}/known_hosts).")
  Path knownHosts;

  @Option(names = {"-p", "--port"}, paramLabel = "N", description = "SSH port (default 22).")
  int port = 22;

  @Option(names = {"-y", "--yes"}, description = "Record the key without asking (for scripts).")
  boolean yes;

  @Parameters(index = "0", paramLabel = "HOST", description = "Host name or address, as used in backups.")
  String host;

  @Override
  public Integer call() throws IOException {
    KnownHosts file = new KnownHosts(knownHosts == null ? defaultKnownHosts() : knownHosts);
    HostKey key = KnownHosts.scan(host, port);
    String where = host + (port == 22 ? "" : " port " + port);
    System.out.println(where + " offers " + key.describe());
    KnownHosts.Status status = file.check(host, port, key);
    if (status == KnownHosts.Status.TRUSTED) {
      System.out.println("already trusted in '" + file.file() + "'");
      return ExitCode.OK;
    }
    if (status == KnownHosts.Status.CHANGED) {
      System.out.println("WARNING: '" + file.file() + "' holds a DIFFERENT key for " + where
          + "; trusting replaces it. Make sure the host was really reinstalled or re-keyed.");
    }
    if (!yes && !confirm(where)) {
      System.err.println("rewind: not trusted: nothing recorded for " + where);
      return ExitCode.ERROR;
    }
    file.record(host, port, key);
    System.out.println("recorded " + key.describe() + " for " + where + " in '" + file.file() + "'");
    return ExitCode.OK;
  }

  private static boolean confirm(String where) throws IOException {
    Console console = System.console();
    if (console == null) {
      throw new IOException("cannot ask whether to trust " + where + ": not on a terminal (check the fingerprint, then use --yes)");
    }
    String answer = console.readLine("Trust this key and record it? [y/N] ");
    return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
  }

  /** Rewind's configuration directory: {@code $REWIND_CONFIG}, else {@code /etc/rewind}. */
  static Path configDir() {
    String env = System.getenv("REWIND_CONFIG");
    return Path.of(env == null || env.isEmpty() ? "/etc/rewind" : env);
  }

  static Path defaultKnownHosts() {
    return configDir().resolve("known_hosts");
  }

  static Path defaultKey() {
    return configDir().resolve("id_ed25519");
  }
}
