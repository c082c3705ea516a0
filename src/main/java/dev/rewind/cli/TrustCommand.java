package dev.rewind.cli;

import dev.rewind.config.GlobalConfig;
import dev.rewind.config.HostConfig;
import dev.rewind.config.RewindConfig;
import dev.rewind.source.sftp.HostKey;
import dev.rewind.source.sftp.KnownHosts;
import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code rewind trust [--known-hosts FILE] [--port N] [--yes] HOST}: the one explicit step that
 * adds a host key to Rewind's known_hosts, after showing its fingerprint.
 */
@Command(name = "trust", mixinStandardHelpOptions = true,
    description = {"Show a host's SSH key fingerprint and record the key as trusted.",
        "Compare the fingerprint with the host's own ('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' there)",
        "before saying yes. Backups refuse hosts whose key is unknown or changed."})
final class TrustCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--known-hosts", paramLabel = "FILE",
      description = "The known_hosts file to add to (default: known_hosts of rewind.conf, else CONFIG_DIR/known_hosts).")
  Path knownHosts;

  @Option(names = {"-p", "--port"}, paramLabel = "N",
      description = "SSH port (default: the host's port in hosts.d, else 22).")
  Integer port;

  @Option(names = {"-y", "--yes"}, description = "Record the key without asking (for scripts).")
  boolean yes;

  @Parameters(index = "0", paramLabel = "HOST",
      description = "A host of hosts.d (its address and port are used), or a host name or address as used in backups.")
  String name;

  @Override
  public Integer call() throws IOException {
    Path dir = main.configDir();
    RewindConfig config = Files.isRegularFile(dir.resolve("rewind.conf")) ? RewindConfig.load(dir) : null;
    HostConfig configured = config != null && config.hasHost(name) ? config.host(name) : null;
    String host = configured != null ? configured.address() : name;
    int port = this.port != null ? this.port : configured != null ? configured.port() : 22;
    KnownHosts file = new KnownHosts(knownHosts != null ? knownHosts
        : config != null ? config.global().knownHosts() : SshFiles.of(dir).knownHosts());
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

  /** The SSH key and known_hosts file a command uses when no option names them. */
  record SshFiles(Path key, Path knownHosts) {
    /** rewind.conf's {@code key} and {@code known_hosts} (read once), else CONFIG_DIR/id_ed25519 and known_hosts. */
    static SshFiles of(Path configDir) throws IOException {
      if (Files.isRegularFile(configDir.resolve("rewind.conf"))) {
        GlobalConfig g = RewindConfig.load(configDir).global();
        return new SshFiles(g.key(), g.knownHosts());
      }
      return new SshFiles(configDir.resolve("id_ed25519"), configDir.resolve("known_hosts"));
    }
  }
}
