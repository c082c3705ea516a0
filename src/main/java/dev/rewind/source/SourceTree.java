package dev.rewind.source;

import dev.rewind.core.RelPath;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A read-only view of the tree to back up (a local directory, or a host over SFTP). Paths are
 * relative to the tree's root; names are bytes.
 *
 * <p>An {@link IOException} concerns one entry: the backup records it and goes on. A tree that
 * cannot be read any more at all (a lost connection) throws {@link java.io.UncheckedIOException}
 * from any call, including reads of a stream it opened, and the backup session ends there.
 */
public interface SourceTree extends Closeable {
  /** A short description for messages, e.g. the directory or {@code sftp://host/path}. */
  String describe();

  /** The attributes of one entry (never following a symlink). */
  SourceEntry stat(RelPath path) throws IOException;

  /** The entries of a directory, sorted in index order (unsigned bytes). */
  List<SourceEntry> list(RelPath dir) throws IOException;

  /** Opens a regular file for reading. */
  InputStream open(RelPath path) throws IOException;

  @Override
  default void close() throws IOException {}
}
