package dev.rewind.backup;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.posix.Posix;
import dev.rewind.repo.IncrementName;
import dev.rewind.repo.IncrementType;
import dev.rewind.repo.MetadataReader;
import dev.rewind.repo.MetadataWriter;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import dev.rewind.repo.SideFileWriter;
import dev.rewind.repo.Xattr;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * The per-session files of the data directory that a backup writes while it walks the tree:
 * the new metadata snapshot, the reverse metadata diff for the previous session, and the xattr
 * and ACL snapshots. Everything goes to temporary names first; {@link #publish} renames them in
 * the order regress expects (new snapshot, side files, then the previous snapshot becomes a
 * diff).
 */
final class SessionFiles {
  /** rdiff-backup keeps a full snapshot when the 8 metadata files before it are diffs. */
  private static final int MAX_DIFF_RUN = 8;

  private final Repository repo;
  private final SessionTime time;
  private final SessionTime previous;
  private final Stream snapshot;
  private final Stream diff;
  private final Stream xattrs;
  private final Stream acls;
  /**
   * The previous session's compressed snapshot while every record so far is the same as its
   * record at the same position (then none is written yet: {@link #sameRecords} counts them);
   * null from the first difference on, or when there is no such snapshot. A session in which
   * nothing changed thus copies the previous snapshot's file instead of formatting and
   * compressing megabytes of identical text; at the first difference the records before it are
   * copied from the previous snapshot's text, and the session goes on as usual.
   */
  private RepoFile sameAsSnapshot;
  private long sameRecords;

  SessionFiles(Repository repo, SessionTime time, SessionTime previous) throws IOException {
    this.repo = repo;
    this.time = time;
    this.previous = previous;
    this.snapshot = new Stream("mirror_metadata", time, IncrementType.SNAPSHOT);
    this.diff = previous == null ? null : new Stream("mirror_metadata", previous, IncrementType.DIFF);
    this.xattrs = new Stream("extended_attributes", time, IncrementType.SNAPSHOT);
    this.acls = new Stream("access_control_lists", time, IncrementType.SNAPSHOT);
    RepoFile previousMetadata = previous == null ? null : repo.sessionFile("mirror_metadata", previous);
    if (previousMetadata != null && previousMetadata.name().type() == IncrementType.SNAPSHOT
        && previousMetadata.name().compressed()) {
      this.sameAsSnapshot = previousMetadata;
    }
  }

  /**
   * Records an entry of the new session (called in index order). {@code asBefore}: the previous
   * session has this very record here (the same fields, and every earlier record matched one).
   */
  void entry(FileMeta meta, List<Xattr> entryXattrs, List<String> acl, boolean asBefore) throws IOException {
    if (sameAsSnapshot != null && asBefore) {
      sameRecords++;
    } else {
      differs();
      snapshot.out().write(MetadataWriter.record(meta));
    }
    if (!entryXattrs.isEmpty()) {
      SideFileWriter.writeXattrs(xattrs.out(), meta.path(), entryXattrs);
    }
    if (!acl.isEmpty()) {
      SideFileWriter.writeAcl(acls.out(), meta.path(), acl);
    }
  }

  /** Records the previous session's version of a path that differs (in index order). */
  void previousVersion(byte[] recordText) throws IOException {
    differs();
    diff.out().write(recordText);
  }

  /** The new snapshot is no longer the previous one: writes the records that were the same. */
  private void differs() throws IOException {
    if (sameAsSnapshot == null) {
      return;
    }
    RepoFile previousSnapshot = sameAsSnapshot;
    sameAsSnapshot = null;
    if (sameRecords > 0) {
      copyRecords(Repository.open(previousSnapshot), sameRecords, snapshot.out(), previousSnapshot);
    }
  }

  /**
   * Closes the streams and renames every file into place; the marker is the caller's job.
   *
   * @param previousRecords how many records the previous session's metadata had (the walk read
   *     them all): a snapshot whose records were all the same is copied only if that is all of them
   */
  void publish(long previousRecords) throws IOException {
    if (sameAsSnapshot != null && sameRecords != previousRecords) {
      differs(); // cannot happen when every old record was matched or diffed; never copy then
    }
    if (sameAsSnapshot != null) {
      snapshot.publishCopyOf(sameAsSnapshot);
    } else {
      snapshot.publish(true);
    }
    xattrs.publish(false);
    acls.publish(false);
    if (diff == null) {
      return;
    }
    RepoFile oldSnapshot = repo.sessionFile("mirror_metadata", previous);
    if (oldSnapshot != null && oldSnapshot.name().type() == IncrementType.SNAPSHOT && keepSnapshot(previous)) {
      diff.discard();
      return;
    }
    diff.publish(false);
    if (oldSnapshot != null && oldSnapshot.name().type() == IncrementType.SNAPSHOT) {
      Posix.unlink(oldSnapshot.path());
      CrashPoints.reach("previous snapshot removed");
    }
  }

  /** Removes the temporary files after a failure. */
  void abandon() {
    for (Stream s : new Stream[] {snapshot, diff, xattrs, acls}) {
      if (s != null) {
        s.discard();
      }
    }
  }

  private boolean keepSnapshot(SessionTime previous) {
    List<RepoFile> older = new ArrayList<>();
    for (RepoFile f : repo.metadataFiles()) {
      if (f.name().time().compareTo(previous) < 0) {
        older.add(f);
      }
    }
    if (older.size() < MAX_DIFF_RUN) {
      return false;
    }
    for (RepoFile f : older.subList(older.size() - MAX_DIFF_RUN, older.size())) {
      if (f.name().type() != IncrementType.DIFF) {
        return false;
      }
    }
    return true;
  }

  /** One gzip file being written under a temporary name; empty ones become plain 0-byte files. */
  private final class Stream {
    private final String base;
    private final SessionTime at;
    private final IncrementType type;
    private final byte[] temp;
    private final FileChannel channel;
    private final CountingGzip gzip;
    private final OutputStream out;

    Stream(String base, SessionTime at, IncrementType type) throws IOException {
      this.base = base;
      this.at = at;
      this.type = type;
      this.temp = dataPath(("rdiff-backup.tmp." + base + "." + type.suffix() + "." + ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII));
      MirrorWriter.deleteQuietly(temp);
      this.channel = Posix.createNew(temp, 0600);
      // Records are small: buffer above the deflater so it runs on large chunks.
      this.gzip = new CountingGzip(RepositoryWriteException.guard(Channels.newOutputStream(channel), repo.root(),
          "metadata file " + base));
      this.out = new BufferedOutputStream(gzip, 1 << 16);
    }

    OutputStream out() {
      return out;
    }

    void publish(boolean alwaysGzip) throws IOException {
      out.close();
      boolean empty = gzip.count == 0 && !alwaysGzip;
      byte[] target = dataPath(IncrementName.format(base.getBytes(StandardCharsets.US_ASCII), at, type, !empty));
      if (empty) {
        MirrorWriter.deleteQuietly(temp);
        Posix.createNew(target, 0600).close();
      } else {
        Posix.fsync(temp);
        CrashPoints.reach("metadata written " + base);
        Posix.rename(temp, target);
      }
      CrashPoints.reach("metadata published " + base + " " + type.suffix());
    }

    /** Publishes a copy of {@code source} (a compressed file) instead of what was written. */
    void publishCopyOf(RepoFile source) throws IOException {
      discard();
      try (InputStream from = Channels.newInputStream(Posix.openRead(source.path()));
          OutputStream to = RepositoryWriteException.guard(Channels.newOutputStream(Posix.createNew(temp, 0600)),
              repo.root(), "metadata file " + base)) {
        from.transferTo(to);
      }
      Posix.fsync(temp);
      CrashPoints.reach("metadata written " + base);
      Posix.rename(temp, dataPath(IncrementName.format(base.getBytes(StandardCharsets.US_ASCII), at, type, true)));
      CrashPoints.reach("metadata published " + base + " " + type.suffix());
    }

    void discard() {
      try {
        out.close();
      } catch (IOException e) {
        // the file is deleted anyway
      }
      MirrorWriter.deleteQuietly(temp);
    }
  }

  /** Copies the first {@code records} records of a metadata text, byte for byte; closes {@code in}. */
  static void copyRecords(InputStream in, long records, OutputStream out, RepoFile source) throws IOException {
    try (MetadataReader text = new MetadataReader(in, source.display())) {
      long copied = text.copyRecords(records, out);
      if (copied < records) {
        throw new RepositoryException("'" + source.display() + "' has " + copied + " records, fewer than the "
            + records + " this session found the same as before: the metadata changed while the backup ran?");
      }
    }
  }


  private byte[] dataPath(byte[] unquotedName) {
    return repo.dataPath(unquotedName);
  }

  /** A gzip stream that knows whether anything was written to it. */
  private static final class CountingGzip extends OutputStream {
    private final GZIPOutputStream gz;
    private long count;
    private boolean closed;

    CountingGzip(OutputStream raw) throws IOException {
      this.gz = new GZIPOutputStream(raw, 1 << 16) {
        {
          // The fastest level: every session rewrites the whole metadata (megabytes of text for
          // a big tree), level 6 took about twice the CPU and saved about 10% of a small file.
          def.setLevel(java.util.zip.Deflater.BEST_SPEED);
        }
      };
    }

    @Override
    public void write(int b) throws IOException {
      gz.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      gz.write(b, off, len);
      count += len;
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        gz.close();
      }
    }
  }
}
