package dev.rewind.backup;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.history.ContentReconstructor;
import dev.rewind.history.IncrementLookup;
import dev.rewind.history.MetadataChain;
import dev.rewind.history.Scratch;
import dev.rewind.posix.DirEntry;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.IncrementName;
import dev.rewind.repo.IncrementType;
import dev.rewind.repo.MetadataReader;
import dev.rewind.repo.MetadataRecord;
import dev.rewind.repo.MetadataWriter;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Returns a repository whose last session was interrupted (two {@code current_mirror} markers)
 * to its last complete session, as {@code rdiff-backup regress} does: the metadata of the good
 * session is made a snapshot again, every file of the failed session goes, the mirror is put
 * back from the increments the failed session wrote (they are named with the good session's
 * time), those increments go, and the failed session's marker goes last.
 */
public final class Regress {
  private final Repository repo;
  private final SessionTime good;
  private final SessionTime bad;
  private final MirrorWriter mirror;
  private final List<String> warnings = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private ContentReconstructor content;
  private IncrementLookup lookup;
  /**
   * The mirror path of the first member of each hard-link group put right so far: the later
   * members become links to it again, as the backup made them (one copy of the content).
   */
  private final java.util.Map<String, byte[]> firstOfGroup = new java.util.HashMap<>();

  private Regress(Repository repo, SessionTime good, SessionTime bad) {
    this.repo = repo;
    this.good = good;
    this.bad = bad;
    this.mirror = new MirrorWriter(repo.root(), repo.quoting(), Posix.isRoot());
  }

  /** True when the repository has an unfinished session to undo. */
  public static boolean needed(Repository repo) {
    return repo.markers().size() > 1;
  }

  /**
   * Regresses {@code repo} (the caller holds its lock). Returns warnings about entries that
   * can never be put back; the repository is consistent either way. When an entry could not be
   * put back for now (no space left, I/O error), even in a second pass, it throws and keeps the
   * increments and the failed session's marker, so that a later regress finishes the job.
   */
  public static List<String> run(Repository repo) throws IOException {
    List<SessionTime> markers = repo.markers();
    if (markers.size() < 2) {
      return List.of();
    }
    Regress r = new Regress(repo, markers.get(markers.size() - 2), markers.get(markers.size() - 1));
    r.restoreMetadata();
    r.deleteBadSessionFiles();
    Repository reopened = Repository.open(repo.root());
    try (Scratch scratch = Scratch.in(reopened.dataDir())) {
      r.lookup = new IncrementLookup(reopened, 64);
      r.content = new ContentReconstructor(reopened, r.lookup, scratch);
      r.repairMirror(reopened);
      if (!r.failures.isEmpty()) {
        // Entries removed later in the walk may have freed the space an earlier rebuild needed.
        r.failures.clear();
        r.warnings.clear();
        r.repairMirror(reopened);
      }
    }
    if (!r.failures.isEmpty()) {
      // Deleting the increments now would lose the versions they rebuild: keep them and the marker.
      throw new RepositoryException("cannot regress '" + repo.display() + "': " + r.failures.get(0)
          + (r.failures.size() > 1 ? " (and " + (r.failures.size() - 1) + " more)" : "")
          + "; nothing was lost: run regress again once the cause is fixed");
    }
    r.deleteGoodIncrements(reopened);
    Posix.fsync(reopened.dataDir());
    for (RepoFile marker : reopened.dataFiles("current_mirror")) {
      if (marker.name().time().equals(r.bad)) {
        Posix.unlink(marker.path());
      }
    }
    return r.warnings;
  }

  /** A late crash turned the good snapshot into a diff already: rebuild the snapshot. */
  private void restoreMetadata() throws IOException {
    RepoFile goodFile = repo.sessionFile("mirror_metadata", good);
    RepoFile badSnapshot = repo.sessionFile("mirror_metadata", bad);
    boolean goodIsSnapshot = repo.metadataFiles().stream()
        .anyMatch(f -> f.name().time().equals(good) && f.name().type() == IncrementType.SNAPSHOT);
    if (goodIsSnapshot || goodFile == null) {
      return;
    }
    if (badSnapshot == null || badSnapshot.name().type() != IncrementType.SNAPSHOT) {
      throw new RepositoryException("cannot regress '" + repo.display() + "': the metadata of session "
          + good + " is a diff and session " + bad + " left no snapshot to apply it to");
    }
    byte[] temp = dataPath("rdiff-backup.tmp.regress-metadata");
    MirrorWriter.deleteQuietly(temp);
    try (OutputStream out = new GZIPOutputStream(Channels.newOutputStream(Posix.createNew(temp, 0600)), 1 << 16);
        InputStream diff = Repository.open(goodFile);
        InputStream snap = Repository.open(badSnapshot)) {
      merge(new MetadataReader(diff, goodFile.display()), new MetadataReader(snap, badSnapshot.display()), out);
    }
    Posix.fsync(temp);
    Posix.rename(temp, dataPath(new String(IncrementName.format(
        "mirror_metadata".getBytes(StandardCharsets.US_ASCII), good, IncrementType.SNAPSHOT, true), StandardCharsets.ISO_8859_1)));
  }

  /** Applies a reverse metadata diff to the newer snapshot (older record wins, None = absent). */
  private static void merge(MetadataReader diff, MetadataReader snapshot, OutputStream out) throws IOException {
    MetadataRecord d = diff.next();
    MetadataRecord s = snapshot.next();
    while (d != null || s != null) {
      int cmp = d == null ? 1 : s == null ? -1 : d.path().compareTo(s.path());
      MetadataRecord winner = cmp <= 0 ? d : s;
      if (!winner.isAbsent()) {
        out.write(MetadataWriter.record(winner.meta()));
      }
      if (cmp <= 0) {
        d = diff.next();
      }
      if (cmp >= 0) {
        s = snapshot.next();
      }
    }
  }

  /** Every data-directory file of the failed session but its marker, and a stray good diff. */
  private void deleteBadSessionFiles() throws IOException {
    boolean goodSnapshotNow = Repository.open(repo.root()).metadataFiles().stream()
        .anyMatch(f -> f.name().time().equals(good) && f.name().type() == IncrementType.SNAPSHOT);
    for (RepoFile f : Repository.open(repo.root()).dataFiles()) {
      IncrementName n = f.name();
      boolean badFile = n.time().equals(bad) && !n.baseIs("current_mirror");
      boolean goodDiff = goodSnapshotNow && n.time().equals(good) && n.baseIs("mirror_metadata")
          && n.type() == IncrementType.DIFF;
      if (badFile || goodDiff) {
        Posix.unlink(f.path());
      }
    }
    deleteTemporaryFiles(repo.dataDir());
  }

  /**
   * Deletes the {@code rdiff-backup.tmp.*} files an interrupted session left in the data
   * directory (rdiff-backup's regress leaves them there); the caller holds the lock.
   */
  static void deleteTemporaryFiles(byte[] dataDir) throws IOException {
    for (byte[] name : Posix.list(dataDir)) {
      if (new String(name, StandardCharsets.ISO_8859_1).startsWith("rdiff-backup.tmp.")) {
        MirrorWriter.deleteTree(concat(dataDir, name));
      }
    }
  }

  /** Walks the good metadata and the mirror together and puts every entry back. */
  private void repairMirror(Repository r) throws IOException {
    try (MetadataChain chain = MetadataChain.open(r, good)) {
      Cursor cursor = new Cursor(chain);
      repairDirectory(RelPath.ROOT, cursor.take(RelPath.ROOT), cursor, true);
    }
  }

  private static final class Cursor {
    private final MetadataChain chain;
    private FileMeta next;

    Cursor(MetadataChain chain) throws IOException {
      this.chain = chain;
      this.next = chain.next();
    }

    FileMeta take(RelPath p) throws IOException {
      if (next != null && next.path().equals(p)) {
        FileMeta m = next;
        next = chain.next();
        return m;
      }
      return null;
    }

    FileMeta peekChildOf(RelPath dir) {
      return next != null && dir.equals(next.path().parent()) ? next : null;
    }
  }

  private void repairDirectory(RelPath dir, FileMeta record, Cursor cursor, boolean isRoot) throws IOException {
    if (!isRoot) {
      mirror.directory(record);
    }
    List<RelPath> onDisk = mirrorChildren(dir, isRoot);
    int i = 0;
    while (true) {
      FileMeta rec = cursor.peekChildOf(dir);
      RelPath disk = i < onDisk.size() ? onDisk.get(i) : null;
      if (rec == null && disk == null) {
        break;
      }
      int cmp = rec == null ? 1 : disk == null ? -1 : rec.path().compareTo(disk);
      if (cmp > 0) {
        mirror.remove(disk); // not part of the good session: new file, temp file, ...
        i++;
        continue;
      }
      if (cmp == 0) {
        i++;
      }
      FileMeta m = cursor.take(rec.path());
      try {
        repairEntry(m, cursor);
      } catch (IOException e) {
        // damaged data cannot be put back, ever; no space or an I/O error may pass
        (damaged(e) ? warnings : failures).add("'" + m.path() + "': " + e.getMessage());
      }
    }
    if (record != null) {
      mirror.finishDirectory(record, List.of());
    }
  }

  /** Whether a failure comes from the repository's data (a format error at its root), not the system. */
  private static boolean damaged(IOException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root instanceof RepositoryException || root instanceof dev.rewind.delta.DeltaFormatException
        || root instanceof java.util.zip.ZipException || root instanceof java.io.EOFException;
  }

  private void repairEntry(FileMeta m, Cursor cursor) throws IOException {
    byte[] p = mirror.path(m.path());
    Stat st = Posix.lstatOrNull(p);
    switch (m.type()) {
      case DIRECTORY -> {
        if (st != null && st.type() != FileType.DIRECTORY) {
          mirror.remove(m.path());
        }
        repairDirectory(m.path(), m, cursor, false);
      }
      case REGULAR -> repairRegular(m, st);
      default -> {
        if (st == null || !sameSpecial(m, st, p)) {
          mirror.remove(m.path());
          mirror.special(m, List.of());
        } else {
          mirror.attributes(m, List.of()); // the failed session may have replaced it with a new mode
        }
      }
    }
  }

  private void repairRegular(FileMeta m, Stat st) throws IOException {
    byte[] first = m.isHardLinked() ? firstOfGroup.get(m.hardLinkKey()) : null;
    if (first != null) {
      relink(m, st, first);
      return;
    }
    repairContent(m, st);
    if (m.isHardLinked()) {
      firstOfGroup.put(m.hardLinkKey(), mirror.path(m.path()));
    }
  }

  /**
   * A later member of a hard-link group whose first member is already right: the same file at
   * the good session, so it is made a link to the first again (a failed session may have
   * replaced either with a file of its own).
   */
  private void relink(FileMeta m, Stat st, byte[] first) throws IOException {
    Stat firstStat = Posix.lstat(first);
    if (st != null && st.type() == FileType.REGULAR && st.dev() == firstStat.dev() && st.inode() == firstStat.inode()) {
      return;
    }
    if (st != null && st.type() == FileType.DIRECTORY) {
      mirror.remove(m.path());
    }
    mirror.link(m, first);
  }

  private void repairContent(FileMeta m, Stat st) throws IOException {
    boolean touched = hasGoodIncrement(m);
    if (st != null && st.type() == FileType.REGULAR && st.size() == m.size()
        && (!touched || m.sha1() == null || m.sha1().equals(sha1(mirror.path(m.path()))))) {
      if (touched) {
        mirror.attributes(m, List.of()); // same content, but the failed session may have changed mtime or mode
      }
      return;
    }
    if (!touched && (st == null || st.type() != FileType.REGULAR)) {
      throw new RepositoryException("cannot put back: no increment of session " + good + " for it");
    }
    // Rebuild the good version (mirror + the increment named after the good session).
    if (st != null && st.type() != FileType.REGULAR) {
      mirror.remove(m.path());
    }
    MirrorWriter.Staged staged = mirror.stage(m, List.of(), out -> content.copyTo(m, good, out));
    mirror.commit(staged, m);
  }

  private boolean hasGoodIncrement(FileMeta m) throws IOException {
    for (RepoFile f : lookup.of(m)) {
      if (f.name().time().equals(good)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameSpecial(FileMeta m, Stat st, byte[] p) throws IOException {
    if (st.type() != m.type()) {
      return false;
    }
    return switch (m.type()) {
      case SYMLINK -> Arrays.equals(m.symlinkTarget(), Posix.readlink(p));
      case DEVICE -> st.rdevMajor() == m.device().major() && st.rdevMinor() == m.device().minor();
      default -> true;
    };
  }

  private List<RelPath> mirrorChildren(RelPath dir, boolean isRoot) throws IOException {
    List<RelPath> out = new ArrayList<>();
    for (DirEntry e : Posix.listEntries(mirror.path(dir))) {
      if (isRoot && Arrays.equals(e.name(), Repository.DATA_DIR.getBytes(StandardCharsets.US_ASCII))) {
        continue;
      }
      out.add(dir.child(repo.quoting().unquote(e.name())));
    }
    out.sort(null);
    return out;
  }

  /** Deletes every increment named with the good session's time: the failed session wrote them. */
  private void deleteGoodIncrements(Repository r) throws IOException {
    deleteIncrementsIn(concat(r.dataDir(), "increments"));
    deleteIncrementsIn(concat(r.dataDir(), "long_filename_data"));
    for (RepoFile f : r.dataFiles("increments")) {
      if (f.name().time().equals(good)) {
        Posix.unlink(f.path());
      }
    }
  }

  private void deleteIncrementsIn(byte[] dir) throws IOException {
    List<DirEntry> entries;
    try {
      entries = Posix.listEntries(dir);
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    for (DirEntry e : entries) {
      byte[] p = concat(dir, e.name());
      if (e.isDirectory(dir)) {
        deleteIncrementsIn(p);
        continue;
      }
      IncrementName n = IncrementName.parse(repo.quoting().unquote(e.name()));
      if (n != null && n.time().equals(good)) {
        Posix.unlink(p);
      }
    }
  }

  private static String sha1(byte[] file) throws IOException {
    try (InputStream in = Channels.newInputStream(Posix.openRead(file))) {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      byte[] buf = new byte[1 << 18];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] dataPath(String unquoted) {
    return repo.dataPath(unquoted.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static byte[] concat(byte[] dir, String name) {
    return Posix.join(dir, name.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static byte[] concat(byte[] dir, byte[] name) {
    return Posix.join(dir, name);
  }
}
