package dev.rewind.history;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.delta.DeltaChain;
import dev.rewind.delta.DeltaPatcher;
import dev.rewind.posix.Posix;
import dev.rewind.repo.IncrementType;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Rebuilds the content of a regular file as of a session: from the mirror, or from the first
 * snapshot increment at or after that session, then down the chain of reverse deltas, newest
 * first. The result is checked against the recorded size and SHA-1. Thread-safe.
 */
public final class ContentReconstructor {
  private static final int BUFFER = 1 << 18;
  /** One copy buffer per thread: restores copy tens of thousands of files. */
  private static final ThreadLocal<byte[]> COPY_BUFFER = ThreadLocal.withInitial(() -> new byte[BUFFER]);
  /**
   * Delta literal bytes one rebuild may hold in memory while it composes a chain (mounts rebuild
   * several files at once). Edits of big files need a few KiB; a chain whose literals outgrow
   * this writes a version out to scratch, as every step did before.
   */
  private static final long LITERAL_BUDGET = Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 32);

  private final Repository repo;
  private final IncrementLookup increments;
  private final Scratch scratch;

  public ContentReconstructor(Repository repo, IncrementLookup increments, Scratch scratch) {
    this.repo = repo;
    this.increments = increments;
    this.scratch = scratch;
  }

  /** Writes the content of {@code meta} (a regular file) as of {@code time} to {@code out}. */
  public void copyTo(FileMeta meta, SessionTime time, OutputStream out) throws IOException {
    Checked checked = new Checked(out);
    try {
      rebuild(chain(meta, time), meta, checked);
    } catch (RepositoryException e) {
      throw e;
    } catch (IOException e) {
      throw new RepositoryException("cannot rebuild '" + meta.path() + "' at session " + time + ": "
          + e.getMessage(), e);
    }
    checked.verify(meta, time);
  }

  /**
   * Opens the mirror file of {@code meta} for reading when the mirror still holds exactly the
   * recorded version (a regular file of the recorded size and mtime, unchanged while it was
   * opened); returns null otherwise, e.g. while a backup is replacing it. Reads straight from the
   * mirror are not checked against the SHA-1: callers use this for versions whose increment chain
   * is empty, so the mirror is their content.
   */
  public FileChannel openMirrorVersion(FileMeta meta) throws IOException {
    byte[] path = repo.mirrorPath(meta);
    dev.rewind.posix.Stat before = Posix.lstatOrNull(path);
    if (!holds(before, meta)) {
      return null;
    }
    FileChannel ch;
    try {
      ch = Posix.openRead(path);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
    dev.rewind.posix.Stat after = Posix.lstatOrNull(path);
    if (!holds(after, meta) || after.inode() != before.inode() || after.dev() != before.dev()) {
      ch.close();
      return null;
    }
    return ch;
  }

  private static boolean holds(dev.rewind.posix.Stat st, FileMeta meta) {
    return st != null && st.type() == dev.rewind.core.FileType.REGULAR && st.size() == meta.size()
        && (meta.mtime() == null || st.mtimeSeconds() == meta.mtime());
  }

  /** The diffs from {@code time} upwards, ending with the snapshot that starts the chain, if any. */
  List<RepoFile> chain(FileMeta meta, SessionTime time) throws IOException {
    List<RepoFile> all = increments.of(meta);
    int from = 0;
    while (from < all.size() && all.get(from).name().time().compareTo(time) < 0) {
      from++;
    }
    int to = from;
    while (to < all.size() && all.get(to).name().type() == IncrementType.DIFF) {
      to++;
    }
    if (to < all.size()) {
      IncrementType stop = all.get(to).name().type();
      if (stop != IncrementType.SNAPSHOT) {
        throw new RepositoryException("inconsistent increments for '" + meta.path() + "' at session "
            + time + ": a regular file whose next version is '" + stop.suffix() + "' ("
            + all.get(to).display() + ")");
      }
      to++;
    }
    return all.subList(from, to);
  }

  private void rebuild(List<RepoFile> chain, FileMeta meta, OutputStream out) throws IOException {
    boolean fromSnapshot = !chain.isEmpty()
        && chain.get(chain.size() - 1).name().type() == IncrementType.SNAPSHOT;
    int diffs = fromSnapshot ? chain.size() - 1 : chain.size();
    if (diffs == 0) {
      try (InputStream in = fromSnapshot ? Repository.open(chain.get(0)) : openMirror(meta)) {
        copy(in, out);
      }
      return;
    }
    Scratch.Temp basis = null;
    FileChannel basisChannel = null;
    try {
      if (fromSnapshot) {
        basis = scratch.newFile();
        try (InputStream in = Repository.open(chain.get(diffs)); OutputStream o = Channels.newOutputStream(basis.channel())) {
          copy(in, o);
        }
        basisChannel = Posix.openRead(basis.path());
      } else {
        basisChannel = mirrorChannel(meta);
      }
      // The versions between the basis and the one asked for stay in memory as pieces of the
      // basis and of delta literals; one is written to scratch only when it outgrows the budget.
      DeltaChain version = DeltaChain.over(basisChannel.size(), LITERAL_BUDGET);
      for (int i = diffs - 1; i >= 0; i--) {
        RepoFile diff = chain.get(i);
        try {
          boolean composed;
          try (InputStream delta = Repository.open(diff)) {
            composed = version.apply(delta);
          }
          if (!composed) {
            Scratch.Temp next = scratch.newFile();
            try (InputStream delta = Repository.open(diff);
                OutputStream o = new java.io.BufferedOutputStream(Channels.newOutputStream(next.channel()), BUFFER)) {
              DeltaPatcher.apply(version.channel(basisChannel), delta, o);
            }
            basisChannel.close();
            if (basis != null) {
              basis.delete();
            }
            basis = next;
            basisChannel = Posix.openRead(next.path());
            version = DeltaChain.over(basisChannel.size(), LITERAL_BUDGET);
          }
        } catch (IOException e) {
          throw new RepositoryException("cannot apply increment '" + diff.display() + "': " + e.getMessage(), e);
        }
      }
      version.writeTo(basisChannel, out);
    } finally {
      if (basisChannel != null) {
        basisChannel.close();
      }
      if (basis != null) {
        basis.delete();
      }
    }
  }

  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = COPY_BUFFER.get();
    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
      out.write(buf, 0, n);
    }
  }

  private FileChannel mirrorChannel(FileMeta meta) throws IOException {
    byte[] path = repo.mirrorPath(meta);
    try {
      return Posix.openRead(path);
    } catch (IOException e) {
      throw new RepositoryException("missing or unreadable mirror file '" + Posix.display(path) + "': "
          + e.getMessage(), e);
    }
  }

  private InputStream openMirror(FileMeta meta) throws IOException {
    return Channels.newInputStream(mirrorChannel(meta));
  }

  /** Counts and hashes what passes through, so the result can be checked against metadata. */
  private static final class Checked extends FilterOutputStream {
    private final MessageDigest sha1;
    private long count;

    Checked(OutputStream out) {
      super(out);
      try {
        sha1 = MessageDigest.getInstance("SHA-1");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK always has SHA-1", e);
      }
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      sha1.update((byte) b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      sha1.update(b, off, len);
      count += len;
    }

    void verify(FileMeta meta, SessionTime time) throws RepositoryException {
      if (count != meta.size()) {
        throw new RepositoryException("rebuilt '" + meta.path() + "' at session " + time + " has "
            + count + " bytes, metadata says " + meta.size());
      }
      String digest = HexFormat.of().formatHex(sha1.digest());
      if (meta.sha1() != null && !meta.sha1().equalsIgnoreCase(digest)) {
        throw new RepositoryException("rebuilt '" + meta.path() + "' at session " + time
            + " does not match its recorded SHA-1 (" + digest + " instead of " + meta.sha1() + ")");
      }
    }
  }
}
