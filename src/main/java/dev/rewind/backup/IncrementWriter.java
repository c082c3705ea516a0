package dev.rewind.backup;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RelPath;
import dev.rewind.core.SessionTime;
import dev.rewind.delta.DeltaEncoder;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.FilenameQuoting;
import dev.rewind.repo.IncrementName;
import dev.rewind.repo.IncrementType;
import dev.rewind.repo.Repository;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the reverse increments of one incremental session, all named with the previous
 * session's time: "did not exist", "was a directory", full snapshots and reverse deltas (basis
 * = new content, output = old content). Each increment is flushed to disk before the caller
 * changes the mirror, which is what lets regress undo an interrupted session.
 */
final class IncrementWriter {
  private static final int BUFFER = 1 << 18;

  private final Repository repo;
  private final FilenameQuoting quoting;
  private final SessionTime previous;
  private final CompressionRule compression;
  private final SessionStats stats;
  private final boolean root;
  private final Set<RelPath> madeDirs = java.util.concurrent.ConcurrentHashMap.newKeySet();

  IncrementWriter(Repository repo, SessionTime previous, CompressionRule compression, SessionStats stats, boolean root) {
    this.repo = repo;
    this.quoting = repo.quoting();
    this.previous = previous;
    this.compression = compression;
    this.stats = stats;
    this.root = root;
  }

  void missing(FileMeta entry) throws IOException {
    empty(entry, IncrementType.MISSING);
  }

  void directory(FileMeta entry) throws IOException {
    empty(entry, IncrementType.DIR);
  }

  private void empty(FileMeta entry, IncrementType type) throws IOException {
    byte[] path = pathFor(entry, type, false);
    if (Posix.lstatOrNull(path) != null) {
      return; // written already in this session (e.g. a parent marked twice)
    }
    Posix.createNew(path, 0600).close();
    synchronized (stats) {
      stats.incrementFiles++;
    }
    CrashPoints.reach("increment " + type.suffix());
  }

  /** The old content of a regular file, copied (and compressed) from the mirror. */
  void snapshot(FileMeta old, byte[] mirrorFile) throws IOException {
    boolean gz = compression.compress(old.path());
    byte[] path = pathFor(old, IncrementType.SNAPSHOT, gz);
    try (FileChannel out = Posix.createNew(path, 0600);
        InputStream in = Channels.newInputStream(Posix.openRead(mirrorFile))) {
      OutputStream o = wrap(out, gz, old);
      in.transferTo(o);
      o.close();
      count(path);
    }
    CrashPoints.reach("increment snapshot");
  }

  /** A special file's old state as a node of its kind (an empty file where that is impossible). */
  void specialSnapshot(FileMeta old) throws IOException {
    byte[] path = pathFor(old, IncrementType.SNAPSHOT, false);
    switch (old.type()) {
      case SYMLINK -> Posix.symlink(old.symlinkTarget(), path);
      case FIFO -> Posix.mknod(path, Stat.S_IFIFO | 0600, 0, 0);
      case SOCKET -> Posix.mknod(path, Stat.S_IFSOCK | 0600, 0, 0);
      case DEVICE -> {
        if (root) {
          Posix.mknod(path, (old.device().block() ? Stat.S_IFBLK : Stat.S_IFCHR) | 0600,
              old.device().major(), old.device().minor());
        } else {
          Posix.createNew(path, 0600).close();
        }
      }
      default -> throw new IllegalArgumentException("not a special file: " + old);
    }
    synchronized (stats) {
      stats.incrementFiles++;
    }
    CrashPoints.reach("increment special snapshot");
  }

  /** The reverse delta that rebuilds the old mirror content from the new content. */
  byte[] diff(FileMeta old, byte[] oldMirrorFile, byte[] newContent) throws IOException {
    boolean gz = compression.compress(old.path());
    byte[] path = pathFor(old, IncrementType.DIFF, gz);
    try (FileChannel out = Posix.createNew(path, 0600);
        FileChannel newer = Posix.openRead(newContent);
        FileChannel older = Posix.openRead(oldMirrorFile)) {
      OutputStream o = wrap(out, gz, old);
      DeltaEncoder.encodeReverse(newer, older, o);
      o.close();
      count(path);
    } catch (IOException e) {
      MirrorWriter.deleteQuietly(path);
      throw e;
    }
    CrashPoints.reach("increment diff");
    return path;
  }

  private void count(byte[] path) throws IOException {
    long size = Posix.lstat(path).size();
    synchronized (stats) { // diffs are written by several workers
      stats.incrementFiles++;
      stats.incrementFileSize += size;
    }
  }

  /** A stream to the increment that is flushed to disk when closed; closing it keeps the channel's fd. */
  private OutputStream wrap(FileChannel ch, boolean gz, FileMeta entry) throws IOException {
    OutputStream raw = new java.io.FilterOutputStream(Channels.newOutputStream(ch)) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
        ch.force(true);
      }
    };
    OutputStream buffered = new BufferedOutputStream(
        RepositoryWriteException.guard(raw, repo.root(), "increment of " + entry.path()), BUFFER);
    return gz ? new GZIPOutputStream(buffered, BUFFER) : buffered;
  }

  /** Where the increment of {@code entry} of the given type goes (directories made as needed). */
  byte[] pathFor(FileMeta entry, IncrementType type, boolean gz) throws IOException {
    RelPath p = entry.path();
    if (p.isRoot()) {
      return join(repo.dataDir(), IncrementName.format(bytes("increments"), previous, type, gz));
    }
    Integer alt = entry.alternateIncrementName() != null ? entry.alternateIncrementName() : entry.alternateMirrorName();
    if (alt != null) {
      byte[] dir = join(repo.dataDir(), bytes("long_filename_data"));
      mkdirs(dir);
      return join(dir, IncrementName.format(bytes(alt.toString()), previous, type, gz));
    }
    RelPath parent = p.parent();
    byte[] dir = repo.incrementsDirOf(parent);
    if (!madeDirs.contains(parent)) {
      mkdirs(dir); // safe to race: another worker may be making the same directory
      madeDirs.add(parent); // only once it exists, or a second worker would skip it too early
    }
    return join(dir, IncrementName.format(p.name(), previous, type, gz));
  }

  private byte[] join(byte[] dir, byte[] unquotedName) {
    return Posix.join(dir, quoting.quote(unquotedName));
  }

  /** Creates {@code dir} and its missing parents with mode 0700. */
  static void mkdirs(byte[] dir) throws IOException {
    if (Posix.lstatOrNull(dir) != null) {
      return;
    }
    int slash = dir.length - 1;
    while (slash > 0 && dir[slash] != '/') {
      slash--;
    }
    if (slash > 0) {
      mkdirs(java.util.Arrays.copyOf(dir, slash));
    }
    try {
      Posix.mkdir(dir, 0700);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // made concurrently or a moment ago: fine
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
