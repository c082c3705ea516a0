package dev.rewind.source.sftp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;

/**
 * A server's public host key as OpenSSH writes it: its type ({@code ssh-ed25519}) and the
 * base64 of its wire form. Immutable.
 */
public record HostKey(String type, String base64) {
  static HostKey of(PublicKey key) {
    byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    return new HostKey(KeyType.fromKey(key).toString(), Base64.getEncoder().encodeToString(blob));
  }

  /** The key itself, for SSHJ's known_hosts check. */
  PublicKey publicKey() throws java.io.IOException {
    try {
      return new Buffer.PlainBuffer(Base64.getDecoder().decode(base64)).readPublicKey();
    } catch (Buffer.BufferException | IllegalArgumentException e) {
      throw new java.io.IOException("malformed " + type + " host key", e);
    }
  }

  /** OpenSSH's fingerprint, {@code SHA256:} and the unpadded base64 of the key's SHA-256. */
  public String fingerprint() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64));
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  /** {@code ssh-ed25519 SHA256:...}, for messages. */
  public String describe() {
    return type + " " + fingerprint();
  }

  /** The known_hosts line for this key on {@code host} and {@code port}. */
  String knownHostsLine(String host, int port) {
    return KnownHosts.hostField(host, port) + " " + type + " " + base64;
  }

  byte[] lineBytes(String host, int port) {
    return (knownHostsLine(host, port) + "\n").getBytes(StandardCharsets.US_ASCII);
  }
}
