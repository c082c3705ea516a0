package dev.rewind.source.sftp;

import dev.rewind.testing.TreeBuilder;
import java.nio.file.Path;

/** The entries both SFTP integration tests read: what SFTP carries, in its awkward forms. */
final class SftpSample {
  /** Not UTF-8, with a newline. */
  static final byte[] ODD_NAME = TreeBuilder.raw("raw\u00ff\u00fe\nname");

  private SftpSample() {}

  /** A root-only file and directory, a FIFO, a symlink, an owner without names, an odd name. */
  static TreeBuilder build(Path src, long mtime) {
    return TreeBuilder.at(src, mtime)
        .file(TreeBuilder.raw("secret"), "root only\n".getBytes(), 0600)
        .dir(TreeBuilder.raw("private"), 0700)
        .file(TreeBuilder.raw("private/key"), "inside a 0700 dir\n".getBytes(), 0600)
        .fifo("pipe")
        .symlink("link", "private/key")
        .file(ODD_NAME, "odd name\n".getBytes(), 0644)
        .file("odd-owner", "nobody knows\n")
        .chown("odd-owner", 12345, 54321);
  }
}
