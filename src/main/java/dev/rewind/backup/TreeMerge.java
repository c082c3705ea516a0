package dev.rewind.backup;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.history.MetadataChain;
import dev.rewind.posix.AclCodec;
import dev.rewind.posix.Accounts;
import dev.rewind.repo.MetadataWriter;
import dev.rewind.repo.Xattr;
import dev.rewind.source.SourceEntry;
import dev.rewind.source.SourceTree;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Walks the source tree and the previous session's metadata side by side, in index order, and
 * for every path decides what changed: unchanged entries are carried over without reading
 * them; for the rest it writes the increment first and then changes the mirror. Records of the
 * new session and the reverse diff are emitted as it goes. One instance per session.
 *
 * <p>Regular-file content (copy, hash, reverse delta, rename) is written by a small worker pool
 * so that both cores work; everything else happens on the walking thread. The records those
 * writes produce are queued as {@link Emission}s and run on the walking thread strictly in index
 * order, so the metadata files come out exactly as from a sequential walk. A directory's
 * attributes are set only after the writes inside it have finished.
 */
final class TreeMerge {
  private static final byte[] DATA_DIR = "rdiff-backup-data".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final SourceTree source;
  private final byte[] sourceRoot;
  private final BackupOptions options;
  private final MetadataChain old;
  private final Map<RelPath, List<Xattr>> oldXattrs;
  private final Map<RelPath, List<String>> oldAcls;
  private final MirrorWriter mirror;
  private final IncrementWriter increments;
  private final SessionFiles files;
  private final SessionStats stats;
  private final Progress progress;
  private final List<String> errors;
  private final LongNames longNames;
  private final Map<String, CompletableFuture<HardLink>> hardLinks = new HashMap<>();
  private final ArrayDeque<CompletableFuture<Emission>> pending = new ArrayDeque<>();
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private ExecutorService workers;
  private SourceLister lister;
  private final Map<RelPath, Boolean> scanned = new HashMap<>();
  private final Accounts accounts = new Accounts();
  private final Deque<Frame> frames = new ArrayDeque<>();
  private FileMeta oldNext;
  private long oldTaken;
  private RelPath lastEmitted;
  private long rootDevice;

  private static final int WORKERS = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
  private static final int MAX_IN_FLIGHT = 64;
  private static final int MAX_PENDING = 10_000;

  private record HardLink(byte[] mirrorPath, String sha1, long size) {}

  /** Output work (metadata records, bookkeeping) that must run on the walking thread, in order. */
  private interface Emission {
    void run() throws IOException;
  }

  /**
   * What a worker's regular-file write produced: the record, the failure of this one file, or
   * {@code sourceLost}: the source cannot be read any more (a source tree throws {@link
   * java.io.UncheckedIOException} for that, e.g. a lost SSH connection), which ends the session
   * as it does when the walking thread meets it.
   */
  private record Written(FileMeta meta, IOException failure, java.io.UncheckedIOException sourceLost) {}

  /** A directory on the walk's current path; {@code existedBefore} if it was a directory then. */
  private static final class Frame {
    final FileMeta oldMeta;
    final List<CompletableFuture<Emission>> writes = new ArrayList<>();
    boolean incremented;

    Frame(FileMeta oldMeta) {
      this.oldMeta = oldMeta;
    }
  }

  TreeMerge(SourceTree source, byte[] sourceRoot, BackupOptions options, MetadataChain old,
      Map<RelPath, List<Xattr>> oldXattrs, Map<RelPath, List<String>> oldAcls, MirrorWriter mirror,
      IncrementWriter increments, SessionFiles files, SessionStats stats, Progress progress, List<String> errors,
      LongNames longNames) {
    this.source = source;
    this.sourceRoot = sourceRoot;
    this.options = options;
    this.old = old;
    this.oldXattrs = oldXattrs;
    this.oldAcls = oldAcls;
    this.mirror = mirror;
    this.increments = increments;
    this.files = files;
    this.stats = stats;
    this.progress = progress;
    this.errors = errors;
    this.longNames = longNames;
  }

  /** Runs the whole walk from the root. */
  void run() throws IOException {
    oldNext = old == null ? null : old.next();
    FileMeta oldRoot = takeOldIf(RelPath.ROOT);
    SourceEntry newRoot = source.stat(RelPath.ROOT);
    rootDevice = newRoot.device();
    if (newRoot.meta().type() != FileType.DIRECTORY) {
      throw new IOException("source '" + source.describe() + "' is not a directory");
    }
    workers = Executors.newFixedThreadPool(WORKERS, r -> {
      Thread t = new Thread(r, "rewind-writer");
      t.setDaemon(true);
      return t;
    });
    lister = new SourceLister(source);
    try {
      process(oldRoot, newRoot);
      drain(true);
    } finally {
      lister.close();
      workers.shutdownNow();
    }
  }

  /** Queues output work behind everything queued before it. */
  private void enqueue(Emission e) throws IOException {
    pending.add(CompletableFuture.completedFuture(e));
    drain(false);
  }

  /** Runs queued output work in order: what is ready, or everything when {@code all}. */
  private void drain(boolean all) throws IOException {
    while (!pending.isEmpty() && (all || pending.peek().isDone() || pending.size() > MAX_PENDING)) {
      pending.poll().join().run();
    }
  }

  private FileMeta takeOldIf(RelPath path) throws IOException {
    if (oldNext != null && oldNext.path().equals(path)) {
      FileMeta m = oldNext;
      oldNext = old.next();
      oldTaken++;
      return m;
    }
    return null;
  }

  /** How many records of the previous session the walk has taken (all of them, once it ran). */
  long previousRecords() {
    return oldTaken;
  }

  private void walkChildren(RelPath dir, boolean oldIsDir, boolean newIsDir) throws IOException {
    List<SourceEntry> fresh = newIsDir ? listSource(dir) : List.of();
    if (fresh == null) {
      carryOldSubtree(dir);
      return;
    }
    for (SourceEntry e : fresh) {
      if (e.meta().type() == FileType.DIRECTORY) {
        lister.readAhead(e.path());
      }
    }
    int i = 0;
    while (true) {
      FileMeta o = oldIsDir && oldNext != null && dir.equals(oldNext.path().parent()) ? oldNext : null;
      SourceEntry n = i < fresh.size() ? fresh.get(i) : null;
      if (o == null && n == null) {
        return;
      }
      int cmp = o == null ? 1 : n == null ? -1 : o.path().compareTo(n.path());
      FileMeta oldEntry = cmp <= 0 ? takeOldIf(o.path()) : null;
      SourceEntry newEntry = cmp >= 0 ? fresh.get(i++) : null;
      process(oldEntry, newEntry);
    }
  }

  /** The selected children of a source directory, or null when it cannot be listed. */
  private List<SourceEntry> listSource(RelPath dir) {
    List<SourceEntry> all;
    try {
      all = lister.list(dir);
    } catch (IOException e) {
      error("ListError", dir, e);
      return null;
    }
    List<SourceEntry> out = new ArrayList<>(all.size());
    for (SourceEntry e : all) {
      if (dir.isRoot() && Arrays.equals(e.path().name(), DATA_DIR)) {
        continue;
      }
      if (selected(e)) {
        out.add(e);
      }
    }
    return out;
  }

  /**
   * Whether the rules back up an entry. A directory they only scan is backed up when something
   * below it is (rdiff-backup delays such a directory until a child is selected); the answer is
   * remembered, as the walk asks again when it gets there.
   */
  private boolean selected(SourceEntry e) {
    Selection.Verdict v = options.selection().verdict(e.path().under(sourceRoot), e.device() != rootDevice);
    return v == Selection.Verdict.INCLUDE
        || (v == Selection.Verdict.SCAN && e.meta().type() == FileType.DIRECTORY && selectsSomethingBelow(e.path()));
  }

  private boolean selectsSomethingBelow(RelPath dir) {
    Boolean known = scanned.get(dir);
    if (known != null) {
      return known;
    }
    boolean found = false;
    try {
      for (SourceEntry child : source.list(dir)) {
        if (selected(child)) {
          found = true;
          break;
        }
      }
    } catch (IOException e) {
      found = false; // an unreadable directory contributes nothing; the walk will not enter it
    }
    scanned.put(dir, found);
    return found;
  }

  /** Keeps the previous session's records for a subtree that could not be read this time. */
  private void carryOldSubtree(RelPath dir) throws IOException {
    while (oldNext != null && dir.contains(oldNext.path()) && !dir.equals(oldNext.path())) {
      FileMeta m = oldNext;
      oldNext = old.next();
      oldTaken++;
      enqueue(() -> files.entry(m, xattrsOf(m.path()), aclOf(m.path()), true));
    }
  }

  private void process(FileMeta o, SourceEntry n) throws IOException {
    try {
      if (n == null) {
        deleted(o);
      } else if (o == null) {
        created(n);
      } else if (ChangeDetector.unchanged(o, xattrsOf(o.path()), aclOf(o.path()), n.meta(), n.xattrs(), n.acl())) {
        unchanged(o, n);
      } else {
        changed(o, n);
      }
    } catch (RepositoryWriteException e) {
      throw e; // the repository is full (or failing): the session cannot go on
    } catch (IOException e) {
      RelPath p = n != null ? n.path() : o.path();
      error("UpdateError", p, e);
      if (o != null && !p.equals(lastEmitted) && n != null) {
        keepOld(o);
      }
    }
  }

  private void unchanged(FileMeta o, SourceEntry n) throws IOException {
    FileMeta carried = carry(n.meta(), o, o.sha1());
    countSource(carried);
    if (carried.isHardLinked()) {
      hardLinks.putIfAbsent(carried.hardLinkKey(), CompletableFuture.completedFuture(
          new HardLink(mirror.path(carried.path()), carried.sha1(), carried.size())));
    }
    emit(o, carried, n);
    if (o.type() == FileType.DIRECTORY) {
      descend(o, n, true, true);
    }
    enqueue(() -> progress.entry(carried.path(), 0));
  }

  private void created(SourceEntry n) throws IOException {
    FileMeta m = longNames.withAlternateNameIfNeeded(n.meta());
    if (increments != null) {
      markParentsChanged();
      increments.missing(m);
    }
    if (m.type() == FileType.REGULAR) {
      writeRegularLater(m, n, false, w -> {
        if (w != null) {
          stats.newFiles++;
          stats.newFileSize += w.size();
          countSource(w);
          emitNow(null, w, n);
        }
      });
      return;
    }
    FileMeta written = writeMirror(m, n, false);
    if (written == null) {
      return;
    }
    stats.newFiles++;
    stats.newFileSize += written.type() == FileType.REGULAR ? written.size() : 0;
    countSource(written);
    emit(null, written, n);
    if (m.type() == FileType.DIRECTORY) {
      descend(null, n, false, false);
    }
  }

  private void deleted(FileMeta old) throws IOException {
    FileMeta o = longNames.withAlternateNameIfNeeded(old); // a record from a writer that gave none
    markParentsChanged();
    stats.deletedFiles++;
    stats.deletedFileSize += o.type() == FileType.REGULAR ? o.size() : 0;
    enqueue(() -> files.previousVersion(MetadataWriter.record(o)));
    if (o.type() == FileType.DIRECTORY) {
      increments.directory(o);
      frames.push(new Frame(o));
      frames.peek().incremented = true;
      walkChildren(o.path(), true, false);
      frames.pop();
    } else {
      snapshotOld(o);
    }
    mirror.remove(o.path());
  }

  private void changed(FileMeta old, SourceEntry n) throws IOException {
    FileMeta o = longNames.withAlternateNameIfNeeded(old); // a record from a writer that gave none
    markParentsChanged();
    FileMeta m = n.meta();
    if (o.type() == FileType.DIRECTORY) {
      increments.directory(o);
      if (m.type() == FileType.DIRECTORY) {
        FileMeta carried = carry(m, o, null);
        countSource(carried);
        emit(o, carried, n);
        descend(o, n, true, false);
        return;
      }
      // The diff must list the old directory before its children, which are deleted first.
      enqueue(() -> files.previousVersion(MetadataWriter.record(o)));
      frames.push(new Frame(o));
      frames.peek().incremented = true;
      walkChildren(o.path(), true, false);
      frames.pop();
      mirror.remove(o.path());
      Then record = w -> {
        if (w != null) {
          stats.changedFiles++;
          countSource(w);
          files.entry(w, n.xattrs(), n.acl(), false);
        }
      };
      if (m.type() == FileType.REGULAR) {
        writeRegularLater(carry(m, o, null), n, false, record);
      } else {
        FileMeta written = writeMirror(carry(m, o, null), n, false);
        lastEmitted = m.path();
        enqueue(() -> record.accept(written));
      }
      return;
    } else if (m.type() != FileType.REGULAR || o.type() != FileType.REGULAR) {
      snapshotOld(o);
      if (m.type() == FileType.DIRECTORY) {
        mirror.remove(o.path());
      }
    }
    if (m.type() == FileType.REGULAR) {
      writeRegularLater(carry(m, o, null), n, o.type() == FileType.REGULAR, w -> {
        if (w == null) {
          files.entry(o, xattrsOf(o.path()), aclOf(o.path()), true); // o is not a directory here
          return;
        }
        stats.changedFiles++;
        stats.changedSourceSize += w.size();
        stats.changedMirrorSize += o.type() == FileType.REGULAR ? o.size() : 0;
        countSource(w);
        emitNow(o, w, n);
      });
      return;
    }
    FileMeta written = writeMirror(carry(m, o, null), n, false);
    if (written == null) {
      keepOld(o);
      return;
    }
    stats.changedFiles++;
    stats.changedSourceSize += written.type() == FileType.REGULAR ? written.size() : 0;
    stats.changedMirrorSize += o.type() == FileType.REGULAR ? o.size() : 0;
    countSource(written);
    emit(o, written, n);
    if (m.type() == FileType.DIRECTORY) {
      descend(null, n, false, false);
    }
  }

  /** The previous version of a non-directory as a snapshot increment (content or node). */
  private void snapshotOld(FileMeta o) throws IOException {
    if (o.type() == FileType.REGULAR) {
      increments.snapshot(o, mirror.path(o.path()));
    } else {
      increments.specialSnapshot(o);
    }
  }

  /**
   * Writes the new state of an entry into the mirror (for a changed regular file, the reverse
   * delta first). Returns the record to store, or null when the source could not be read.
   */
  private FileMeta writeMirror(FileMeta m, SourceEntry n, boolean replacingRegular) throws IOException {
    switch (m.type()) {
      case DIRECTORY -> {
        mirror.directory(m);
        return m;
      }
      case REGULAR -> throw new IllegalStateException("regular files are written by writeRegularLater");
      default -> {
        mirror.special(m, mirrorXattrs(n));
        return m;
      }
    }
  }

  /** What to do with a regular file's new record (null: it could not be written). */
  private interface Then {
    void accept(FileMeta written) throws IOException;
  }

  /**
   * Hands a regular file's write to the workers and queues what follows it. Hard links wait
   * for their group's first file, which was handed over before them.
   */
  private void writeRegularLater(FileMeta m, SourceEntry n, boolean replacing, Then then) throws IOException {
    CompletableFuture<HardLink> first = m.isHardLinked() ? hardLinks.get(m.hardLinkKey()) : null;
    CompletableFuture<HardLink> mine = m.isHardLinked() && first == null ? new CompletableFuture<>() : null;
    if (mine != null) {
      hardLinks.put(m.hardLinkKey(), mine);
    }
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("backup interrupted");
    }
    CompletableFuture<Emission> work = CompletableFuture.supplyAsync(() -> {
      Written w;
      try {
        w = new Written(writeRegular(m, n, replacing, first == null ? null : first.join()), null, null);
      } catch (IOException e) {
        w = new Written(null, e, null);
      } catch (java.io.UncheckedIOException e) {
        w = new Written(null, null, e);
      } catch (RuntimeException e) {
        w = new Written(null, new IOException(e.toString(), e), null);
      } finally {
        inFlight.release();
      }
      if (mine != null) {
        FileMeta d = w.meta();
        mine.complete(d == null ? null : new HardLink(mirror.path(d.path()), d.sha1(), d.size()));
      }
      Written result = w;
      return () -> {
        if (result.failure() instanceof RepositoryWriteException e) {
          throw e;
        }
        if (result.sourceLost() != null) {
          throw result.sourceLost();
        }
        if (result.failure() != null) {
          error("UpdateError", m.path(), result.failure());
          then.accept(null);
          return;
        }
        stats.bytesCopied += result.meta().size();
        progress.entry(m.path(), result.meta().size());
        then.accept(result.meta());
      };
    }, workers);
    frames.peek().writes.add(work);
    pending.add(work);
    lastEmitted = m.path();
    drain(false);
  }

  /** Writes one regular file into the mirror (the reverse delta first when replacing); on a worker. */
  private FileMeta writeRegular(FileMeta m, SourceEntry n, boolean replacing, HardLink first) throws IOException {
    if (first != null) {
      byte[] inc = replacing ? increments.diff(m, mirror.path(m.path()), first.mirrorPath()) : null;
      try {
        mirror.link(m, first.mirrorPath());
      } catch (IOException e) {
        undo(inc);
        throw e;
      }
      return withSize(withSha1(m, first.sha1()), first.size());
    }
    MirrorWriter.Staged staged = mirror.stage(m, mirrorXattrs(n), source.open(m.path()));
    FileMeta done = withSize(withSha1(m, staged.sha1()), staged.size());
    byte[] inc = null;
    try {
      if (replacing) {
        inc = increments.diff(m, mirror.path(m.path()), staged.temp());
      }
      mirror.commit(staged, done);
    } catch (IOException e) {
      mirror.discard(staged);
      undo(inc); // the mirror still holds the old version: an increment for it would be wrong
      throw e;
    }
    return done;
  }

  private static void undo(byte[] increment) {
    if (increment != null) {
      MirrorWriter.deleteQuietly(increment);
    }
  }

  /**
   * Walks a directory's children, then sets the mirror directory's attributes. {@code unchanged}:
   * its record is the previous session's.
   */
  private void descend(FileMeta o, SourceEntry n, boolean oldIsDir, boolean unchanged) throws IOException {
    Frame frame = new Frame(o);
    frames.push(frame);
    walkChildren(n.path(), oldIsDir, true);
    frames.pop();
    if (unchanged && increments != null && !frame.incremented) {
      // Nothing was written in or below it (every write marks the frames first), so the mirror's
      // copy has the attributes the last session gave it; rdiff-backup leaves it alone too.
      // Setting them again would change its ctime and give the final sync an inode per directory.
      return;
    }
    // Setting the directory's mtime must wait until nothing is written inside it any more.
    CompletableFuture.allOf(frame.writes.toArray(new CompletableFuture<?>[0])).join();
    try {
      mirror.finishDirectory(n.meta(), mirrorXattrs(n));
    } catch (IOException e) {
      error("UpdateError", n.path(), e); // the record is written; only the mirror's copy is off
    }
  }

  /** Writes the {@code .dir} increments of every directory above a change, once per session. */
  private void markParentsChanged() throws IOException {
    if (increments == null) {
      return;
    }
    for (Frame f : frames) {
      if (f.incremented) {
        continue;
      }
      if (f.oldMeta != null && f.oldMeta.type() == FileType.DIRECTORY) {
        increments.directory(f.oldMeta);
      }
      f.incremented = true;
    }
  }

  /** Records the new state and, where it differs from the previous one, the reverse diff. */
  private void emit(FileMeta o, FileMeta written, SourceEntry n) throws IOException {
    lastEmitted = written.path();
    enqueue(() -> emitNow(o, written, n));
  }

  private void emitNow(FileMeta o, FileMeta written, SourceEntry n) throws IOException {
    byte[] before = null;
    if (o != null && !o.equals(written)) { // equal fields give equal records: skip the text
      byte[] text = MetadataWriter.record(o);
      if (!Arrays.equals(text, MetadataWriter.record(written))) {
        before = text;
      }
    }
    files.entry(written, n.xattrs(), n.acl(), o != null && before == null);
    if (o == null && increments != null) {
      files.previousVersion(MetadataWriter.absent(written.path()));
    } else if (before != null) {
      files.previousVersion(before);
    }
  }

  /** After a failure, the previous record stays (and so does its mirror entry). */
  private void keepOld(FileMeta o) throws IOException {
    enqueue(() -> files.entry(o, xattrsOf(o.path()), aclOf(o.path()), true));
    if (o.type() == FileType.DIRECTORY) {
      carryOldSubtree(o.path());
    }
  }

  private void countSource(FileMeta m) {
    stats.sourceFiles++;
    stats.mirrorFiles++;
    if (m.type() == FileType.REGULAR) {
      stats.sourceFileSize += m.size();
      stats.mirrorFileSize += m.size();
    }
  }

  /**
   * The extended attributes the mirror entry gets (as root): the source's, plus its ACL as the
   * {@code system.posix_acl_*} attributes, as rdiff-backup's mirror has them. Set before the
   * mode, which then leaves the ACL mask as the source had it.
   */
  private List<Xattr> mirrorXattrs(SourceEntry n) {
    if (n.acl().isEmpty()) {
      return n.xattrs();
    }
    AclCodec.Encoded acl = AclCodec.encode(n.acl(), accounts);
    List<Xattr> out = new ArrayList<>(n.xattrs());
    out.add(new Xattr(AclCodec.ACCESS, acl.access()));
    if (acl.defaults() != null && n.meta().type() == FileType.DIRECTORY) {
      out.add(new Xattr(AclCodec.DEFAULT, acl.defaults()));
    }
    return out;
  }

  private List<Xattr> xattrsOf(RelPath p) {
    List<Xattr> x = oldXattrs.getOrDefault(p, List.of());
    if (x.size() > 1) {
      x = new ArrayList<>(x);
      x.sort(Comparator.comparing(Xattr::name, Arrays::compareUnsigned));
    }
    return x;
  }

  private List<String> aclOf(RelPath p) {
    return oldAcls.getOrDefault(p, List.of());
  }

  private void error(String kind, RelPath path, IOException e) {
    stats.errors++;
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    errors.add(kind + ": '" + path + "' " + msg.replace('\n', ' '));
  }

  private static FileMeta carry(FileMeta fresh, FileMeta old, String sha1) {
    FileMeta.Builder b = builder(fresh);
    b.sha1 = sha1;
    b.alternateIncrementName = old.alternateIncrementName();
    b.alternateMirrorName = old.alternateMirrorName();
    return b.build();
  }

  private static FileMeta withSha1(FileMeta m, String sha1) {
    FileMeta.Builder b = builder(m);
    b.sha1 = sha1;
    return b.build();
  }

  private static FileMeta withSize(FileMeta m, long size) {
    FileMeta.Builder b = builder(m);
    b.size = size;
    return b.build();
  }

  static FileMeta.Builder builder(FileMeta m) {
    return m.toBuilder();
  }
}
