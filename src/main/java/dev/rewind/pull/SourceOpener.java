package dev.rewind.pull;

import dev.rewind.config.HostConfig;
import dev.rewind.source.SourceTree;
import dev.rewind.source.local.LocalTree;
import dev.rewind.source.sftp.SftpAddress;
import dev.rewind.source.sftp.SftpTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** Opens the tree a host's backup reads; owned by {@code pull}, implemented per kind of address. */
public interface SourceOpener {
  /**
   * Opens {@code root} (an absolute directory, UTF-8) on {@code host}.
   *
   * @throws IOException saying why the host or the directory cannot be reached
   */
  SourceTree open(HostConfig host, String root) throws IOException;

  /**
   * Remote hosts over SFTP as {@code user@address:port} with the host's key, host keys checked
   * against {@code knownHosts} (an unknown or changed key is refused); a request unanswered for
   * {@code requestTimeout} loses the connection.
   */
  static SourceOpener sftp(Path knownHosts, Duration requestTimeout) {
    return (host, root) -> SftpTree.open(
        SftpAddress.of(host.user(), host.address(), host.port(), root.getBytes(StandardCharsets.UTF_8)), host.key(), knownHosts,
        SftpTree.DEFAULT_CONNECTIONS, requestTimeout);
  }

  /** {@code address = local} hosts from this machine's files, every other host through {@code remote}. */
  static SourceOpener localOr(SourceOpener remote) {
    return (host, root) -> host.isLocal() ? openLocal(root) : remote.open(host, root);
  }

  private static SourceTree openLocal(String root) throws IOException {
    LocalTree tree = new LocalTree(root.getBytes(StandardCharsets.UTF_8));
    tree.stat(dev.rewind.core.RelPath.ROOT); // a missing source directory fails here, before the repository is touched
    return tree;
  }
}
