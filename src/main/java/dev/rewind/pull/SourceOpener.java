package dev.rewind.pull;

import dev.rewind.config.HostConfig;
import dev.rewind.source.SourceTree;
import dev.rewind.source.local.LocalTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Opens the tree a host's backup reads; owned by {@code pull}, implemented per kind of address. */
public interface SourceOpener {
  /**
   * Opens {@code root} (an absolute directory, UTF-8) on {@code host}.
   *
   * @throws IOException saying why the host or the directory cannot be reached
   */
  SourceTree open(HostConfig host, String root) throws IOException;

  /** Refuses every host: this build has no SFTP client. */
  SourceOpener NO_SFTP = (host, root) -> {
    throw new IOException("cannot pull from " + host.address() + ": SFTP is not available in this build"
        + " (only 'address = local' hosts can be pulled)");
  };

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
