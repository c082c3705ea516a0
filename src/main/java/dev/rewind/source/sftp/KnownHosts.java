package dev.rewind.source.sftp;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

/**
 * An OpenSSH {@code known_hosts} file: the only authority on which host keys Rewind accepts. A
 * host whose key is missing, or differs from the recorded one, is refused; nothing is ever
 * added except by {@link #record} (which {@code rewind trust} calls after showing the key).
 */
public final class KnownHosts {
  private final Path file;

  public KnownHosts(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /** How OpenSSH names a host in known_hosts: {@code host}, or {@code [host]:port} off port 22. */
  static String hostField(String host, int port) {
    return port == SftpAddress.DEFAULT_PORT ? host : "[" + host + "]:" + port;
  }

  /**
   * A verifier for one connection that refuses unknown and changed keys and remembers why, so
   * that {@link #refusal} can say so in one line.
   */
  Verifier verifier() throws IOException {
    return new Verifier(content());
  }

  /** What this file says about {@code key} for {@code host}. */
  public enum Status { TRUSTED, UNKNOWN, CHANGED }

  public Status check(String host, int port, HostKey key) throws IOException {
    Verifier v = verifier();
    if (v.verify(host, port, key.publicKey())) {
      return Status.TRUSTED;
    }
    return v.findExistingAlgorithms(host, port).isEmpty() ? Status.UNKNOWN : Status.CHANGED;
  }

  /**
   * The key {@code host} offers, fetched with an SSH handshake and nothing else (no login);
   * nothing is checked or recorded.
   */
  public static HostKey scan(String host, int port) throws IOException {
    HostKey[] seen = new HostKey[1];
    try (net.schmizz.sshj.SSHClient ssh = new net.schmizz.sshj.SSHClient()) {
      ssh.setConnectTimeout(15_000);
      ssh.addHostKeyVerifier(new HostKeyVerifier() {
        @Override
        public boolean verify(String h, int p, PublicKey key) {
          seen[0] = HostKey.of(key);
          return true; // only to read the key: the connection is closed right away
        }

        @Override
        public List<String> findExistingAlgorithms(String h, int p) {
          return List.of();
        }
      });
      ssh.connect(host, port);
    } catch (IOException e) {
      if (seen[0] == null) {
        throw new IOException("cannot get the host key of " + host + " port " + port + ": " + SftpConnection.message(e), e);
      }
    }
    return seen[0];
  }

  /**
   * Records {@code key} for {@code host}: any plain line naming exactly this host and port with a
   * key of the same type is replaced; the file is rewritten atomically (created 0644 if absent).
   */
  public void record(String host, int port, HostKey key) throws IOException {
    String field = hostField(host, port);
    List<String> kept = new ArrayList<>();
    for (String line : content().split("\n", -1)) {
      String[] parts = line.trim().split("\\s+");
      boolean same = parts.length >= 2 && parts[1].equals(key.type())
          && Arrays.asList(parts[0].split(",")).contains(field);
      if (!same && !line.isEmpty()) {
        kept.add(line);
      }
    }
    kept.add(key.knownHostsLine(host, port));
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".known_hosts", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
    try {
      Files.write(tmp, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.ISO_8859_1));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private String content() throws IOException {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      return "";
    }
  }

  /** Checks one connection's host key; after a refusal, {@link #refusal} explains it. */
  final class Verifier implements HostKeyVerifier {
    private final OpenSSHKnownHosts known;
    private volatile String refusal;

    Verifier(String content) throws IOException {
      this.known = new OpenSSHKnownHosts(new StringReader(content)) {
        @Override
        protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
          return false;
        }

        @Override
        protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
          return false;
        }
      };
    }

    @Override
    public boolean verify(String host, int port, PublicKey key) {
      if (known.verify(host, port, key)) {
        return true;
      }
      HostKey seen = HostKey.of(key);
      String trust = "rewind trust --known-hosts " + file + (port == SftpAddress.DEFAULT_PORT ? "" : " --port " + port) + " " + host;
      boolean changed = !known.findExistingAlgorithms(host, port).isEmpty(); // the host is known, this key is not
      refusal = changed
          ? "host key of " + host + " port " + port + " has CHANGED to " + seen.describe() + ", which differs from '"
              + file + "'; refusing to connect (if the change is expected, check the fingerprint and run: " + trust + ")"
          : "host key of " + host + " port " + port + " is unknown (" + seen.describe() + " is not in '" + file
              + "'); refusing to connect (check the fingerprint and run: " + trust + ")";
      return false;
    }

    @Override
    public List<String> findExistingAlgorithms(String host, int port) {
      return known.findExistingAlgorithms(host, port);
    }

    /** Why the key was refused, or null if it was not. */
    String refusal() {
      return refusal;
    }
  }
}
