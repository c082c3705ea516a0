package dev.rewind.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd on 127.0.0.1 for tests, prepared as a Rewind target: its own config, host
 * key and PID file on a free port (never the system sshd), and the real user {@code
 * backuphelper} set up by {@code mount-scripts/rewind-target-setup} with a fresh client key.
 * {@link #close} stops the daemon and removes the keys it authorized. Needs root.
 */
public final class SshTarget implements AutoCloseable {
  public static final String USER = "backuphelper";
  public static final Path SETUP_SCRIPT = Path.of("mount-scripts/rewind-target-setup").toAbsolutePath();
  private static final Path SSHD = Path.of("/usr/sbin/sshd");
  private static final Duration STEP = Duration.ofSeconds(30);

  private final Path dir;
  private final int port;
  private final Process sshd;
  private final Path clientKey;
  private final List<String> authorizedBlobs = new ArrayList<>();

  private SshTarget(Path dir, int port, Process sshd, Path clientKey) {
    this.dir = dir;
    this.port = port;
    this.sshd = sshd;
    this.clientKey = clientKey;
  }

  /** Starts a target whose files live in {@code dir} (created if needed). */
  public static SshTarget start(Path dir) throws IOException {
    return start(dir, List.of());
  }

  /** As {@link #start(Path)}, with {@code extraConfig} lines (e.g. {@code MaxSessions 1}) at the end of sshd_config. */
  public static SshTarget start(Path dir, List<String> extraConfig) throws IOException {
    Tools.requireRoot();
    Tools.require("sshd", "ssh", "ssh-keygen", "setcap", "getcap", "useradd");
    Files.createDirectories(dir);
    Path clientKey = keygen(dir.resolve("id_ed25519"));
    Path hostKey = keygen(dir.resolve("ssh_host_ed25519_key"));
    setup("--key", clientKey + ".pub", "--from", "127.0.0.1");
    Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege-separation directory
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      Path config = writeConfig(dir, port, hostKey, extraConfig);
      Proc.run(List.of(SSHD.toString(), "-t", "-f", config.toString()), null, Map.of(), STEP).expect(0);
      Process p = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
      if (waitForPort(p, port)) {
        SshTarget t = new SshTarget(dir, port, p, clientKey);
        t.authorizedBlobs.add(blob(Path.of(clientKey + ".pub")));
        return t;
      }
      stop(p);
      if (attempt == 3) {
        fail("sshd did not start on port " + port + ":\n" + Files.readString(dir.resolve("sshd.log")));
      }
    }
  }

  /** Runs {@code rewind-target-setup ARGS} as root; fails the test unless it exits 0. */
  public static Proc.Result setup(String... args) {
    List<String> cmd = new ArrayList<>(List.of("bash", SETUP_SCRIPT.toString()));
    cmd.addAll(List.of(args));
    return Proc.run(cmd, null, Map.of(), STEP).expect(0);
  }

  public int port() {
    return port;
  }

  public String host() {
    return "127.0.0.1";
  }

  /** The client's private key, authorized for {@code backuphelper} (read-only sftp-server). */
  public Path clientKey() {
    return clientKey;
  }

  /** {@code sftp://backuphelper@127.0.0.1:PORT} followed by {@code path}. */
  public String url(String absolutePath) {
    return "sftp://" + USER + "@" + host() + ":" + port + absolutePath;
  }

  /** A known_hosts file that holds this daemon's host key (written on each call). */
  public Path knownHosts() throws IOException {
    Path file = dir.resolve("known_hosts");
    String key = Files.readString(dir.resolve("ssh_host_ed25519_key.pub")).trim().split("\\s+", 3)[1];
    Files.writeString(file, "[" + host() + "]:" + port + " ssh-ed25519 " + key + "\n");
    return file;
  }

  /**
   * A second key, authorized with its own forced {@code command} (e.g. the plain sftp-server
   * without the capability); removed again by {@link #close}.
   */
  public Path extraKey(String name, String command) throws IOException {
    Path key = keygen(dir.resolve(name));
    String blob = blob(Path.of(key + ".pub"));
    Path keys = Path.of(homeOfUser(), ".ssh", "authorized_keys");
    Files.writeString(keys, "restrict,from=\"127.0.0.1\",command=\"" + command + "\" " + blob + " test\n",
        java.nio.file.StandardOpenOption.APPEND);
    authorizedBlobs.add(blob);
    return key;
  }

  /** Runs the OpenSSH client as {@code backuphelper} with {@code key}; never asks anything. */
  public Proc.Result ssh(Path key, String... remoteArgs) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", String.valueOf(port), "-i", key.toString(),
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=" + knownHosts(),
        "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10", USER + "@" + host()));
    cmd.addAll(List.of(remoteArgs));
    return Proc.run(cmd, null, Map.of(), STEP);
  }

  /** Kills the sshd processes serving connections (not the listening daemon). */
  public int killSessions() {
    List<ProcessHandle> children = sshd.toHandle().children().toList();
    for (ProcessHandle h : children) {
      h.descendants().forEach(ProcessHandle::destroyForcibly);
      h.destroyForcibly();
    }
    return children.size();
  }

  /**
   * The sftp-server processes serving this daemon's connections now (found in its process tree,
   * so never another daemon's), e.g. to stop them with SIGSTOP as a server that stops answering.
   */
  public List<Long> sftpServers() {
    return sshd.toHandle().descendants()
        .filter(h -> h.info().command().map(c -> c.contains("sftp-server")).orElse(false))
        .map(ProcessHandle::pid).toList();
  }

  /** Sends {@code signal} (e.g. {@code STOP}, {@code CONT}) to {@code pids}; a process gone meanwhile is no error. */
  public static void signal(String signal, List<Long> pids) {
    if (pids.isEmpty()) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal));
    pids.forEach(p -> cmd.add(String.valueOf(p)));
    Proc.run(cmd, null, Map.of(), STEP);
  }

  /** The number of connections being served right now. */
  public long sessions() {
    return sshd.toHandle().children().count();
  }

  @Override
  public void close() throws IOException {
    stop(sshd);
    Path keys = Path.of(homeOfUser(), ".ssh", "authorized_keys");
    if (Files.exists(keys)) {
      List<String> kept = new ArrayList<>();
      for (String line : Files.readAllLines(keys, StandardCharsets.ISO_8859_1)) {
        if (authorizedBlobs.stream().noneMatch(line::contains)) {
          kept.add(line);
        }
      }
      Files.write(keys, kept, StandardCharsets.ISO_8859_1);
    }
  }

  private static void stop(Process p) {
    p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  private static Path keygen(Path key) throws IOException {
    Files.deleteIfExists(key);
    Files.deleteIfExists(Path.of(key + ".pub"));
    Proc.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "rewind-test", "-f", key.toString()),
        null, Map.of(), STEP).expect(0);
    return key;
  }

  private static String blob(Path pub) throws IOException {
    String[] parts = Files.readString(pub).trim().split("\\s+");
    return parts[0] + " " + parts[1];
  }

  private static String homeOfUser() {
    String line = Proc.run(List.of("getent", "passwd", USER)).expect(0).out().trim();
    return line.split(":")[5];
  }

  private static Path writeConfig(Path dir, int port, Path hostKey, List<String> extraConfig) throws IOException {
    Path config = dir.resolve("sshd_config");
    List<String> lines = new ArrayList<>(List.of(
        "Port " + port,
        "ListenAddress 127.0.0.1",
        "HostKey " + hostKey,
        "PidFile " + dir.resolve("sshd.pid"),
        "UsePAM no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin no",
        "AllowUsers " + USER,
        "StrictModes yes",
        "LogLevel VERBOSE",
        "MaxStartups 50",
        "Subsystem sftp /usr/lib/openssh/sftp-server"));
    lines.addAll(extraConfig);
    lines.add("");
    Files.writeString(config, String.join("\n", lines));
    return config;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static boolean waitForPort(Process p, int port) {
    long deadline = System.nanoTime() + STEP.toNanos();
    while (System.nanoTime() < deadline && p.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        return true;
      } catch (IOException notYet) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return false;
  }

  /** For messages: the daemon's log so far. */
  public String log() {
    try {
      return Files.readString(dir.resolve("sshd.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
