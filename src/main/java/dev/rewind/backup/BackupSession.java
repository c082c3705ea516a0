package dev.rewind.backup;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RelPath;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.history.MetadataChain;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.FilenameQuoting;
import dev.rewind.repo.IncrementName;
import dev.rewind.repo.IncrementType;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import dev.rewind.repo.SideFiles;
import dev.rewind.repo.TimeStrings;
import dev.rewind.repo.Xattr;
import dev.rewind.source.SourceTree;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * One backup session into an rdiff-backup 2.x repository, as a list of named steps: lock,
 * regress an interrupted session, publish the new marker, walk and write (increments before
 * mirror changes), publish metadata, write statistics, and commit by removing the old marker.
 * An interruption at any point leaves a repository that {@link Regress} (or rdiff-backup's
 * regress) returns to the previous session.
 */
public final class BackupSession {
  private final SourceTree source;
  private final byte[] sourceRoot;
  private final byte[] repoRoot;
  private final BackupOptions options;
  private final Progress progress;
  private final boolean asRoot = Posix.isRoot();
  private final List<String> errors = new ArrayList<>();
  private final SessionStats stats = new SessionStats();

  /** What a finished session did. */
  public record Result(SessionTime time, boolean initial, SessionStats stats, List<String> errors, List<String> regressWarnings) {}

  private BackupSession(SourceTree source, byte[] sourceRoot, byte[] repoRoot, BackupOptions options, Progress progress) {
    this.source = source;
    this.sourceRoot = sourceRoot;
    this.repoRoot = repoRoot;
    this.options = options;
    this.progress = progress;
  }

  /**
   * Backs up {@code source} into the repository at {@code repoRoot} (created if absent).
   *
   * @param sourceRoot the source's root as bytes, for matching include/exclude globs
   */
  public static Result run(SourceTree source, byte[] sourceRoot, byte[] repoRoot, BackupOptions options,
      Progress progress) throws IOException {
    return new BackupSession(source, sourceRoot, repoRoot, options, progress).run();
  }

  private Result run() throws IOException {
    options.selection().check(sourceRoot); // before anything is written
    byte[] dataDir = prepareRepository();
    try (RepositoryLock lock = RepositoryLock.acquire(dataDir, "backup")) {
      List<String> regressed = List.of();
      Repository repo = Repository.open(repoRoot);
      if (Regress.needed(repo)) {
        regressed = new ArrayList<>(Regress.run(repo));
        regressed.add(0, "previous backup seems to have failed; regressed the repository to "
            + repo.markers().get(repo.markers().size() - 2));
        repo = Repository.open(repoRoot);
      }
      repo = discardInterruptedInitial(repo);
      Regress.deleteTemporaryFiles(repo.dataDir()); // left by an interrupted session, whoever regressed it
      List<SessionTime> markers = repo.markers();
      SessionTime previous = markers.isEmpty() ? null : markers.get(0);
      SessionTime time = newSessionTime(repo, previous);
      if (previous == null) {
        initial(repo, time);
      } else {
        incremental(repo, time, previous);
      }
      return new Result(time, previous == null, stats, List.copyOf(errors), regressed);
    }
  }

  /** Creates the repository directories if needed; returns the data directory. */
  private byte[] prepareRepository() throws IOException {
    Stat st = Posix.lstatOrNull(repoRoot);
    if (st == null) {
      Posix.mkdir(repoRoot, 0700);
    } else if (st.type() != dev.rewind.core.FileType.DIRECTORY) {
      throw new RepositoryException("'" + Posix.display(repoRoot) + "' is not a directory");
    }
    byte[] dataDir = RelPath.of(Repository.DATA_DIR).under(repoRoot);
    if (Posix.lstatOrNull(dataDir) == null) {
      if (!Posix.list(repoRoot).isEmpty()) {
        throw new RepositoryException("'" + Posix.display(repoRoot)
            + "' exists, is not empty and is not a repository; refusing to write into it");
      }
      Posix.chmod(repoRoot, 0700);
      Posix.mkdir(dataDir, 0700);
      IncrementWriter.mkdirs(RelPath.of("increments").under(dataDir));
      Posix.createNew(RelPath.of("chars_to_quote").under(dataDir), 0600).close();
      Posix.createNew(RelPath.of("special_escapes").under(dataDir), 0600).close();
    }
    return dataDir;
  }

  /**
   * A repository without marker is a first backup that never finished: like rdiff-backup, start
   * over (its files are rebuilt from the source anyway).
   */
  private Repository discardInterruptedInitial(Repository repo) throws IOException {
    if (!repo.markers().isEmpty()) {
      return repo;
    }
    if (repo.metadataFiles().size() > 1) {
      throw new RepositoryException("'" + repo.display() + "' has metadata of several sessions but no"
          + " current_mirror marker; it needs repair by hand");
    }
    for (RepoFile f : repo.dataFiles()) {
      Posix.unlink(f.path());
    }
    for (byte[] name : Posix.list(repoRoot)) {
      if (!new String(name, StandardCharsets.ISO_8859_1).equals(Repository.DATA_DIR)) {
        MirrorWriter.deleteTree(RelPath.ROOT.child(name).under(repoRoot));
      }
    }
    return Repository.open(repoRoot);
  }

  private SessionTime newSessionTime(Repository repo, SessionTime previous) throws RepositoryException {
    if (previous != null && options.time() <= previous.epochSecond()) {
      throw new RepositoryException("the last backup of '" + repo.display() + "' (" + previous
          + ") is not in the past; refusing to write session time " + options.time());
    }
    FilenameQuoting q = repo.quoting();
    String spelling = TimeStrings.format(options.time(), options.zone(), q.forcesCompatibleTimestamps());
    return new SessionTime(options.time(), spelling);
  }

  private void initial(Repository repo, SessionTime time) throws IOException {
    walkAndPublish(repo, time, null, null, null, Map.of(), Map.of());
    writeSideFiles(repo, time);
    Posix.syncFileSystem(repo.dataDir()); // everything durable before the marker makes it count
    CrashPoints.reach("initial before marker");
    writeMarker(repo, time); // last: until it exists, the session does not count
  }

  private void incremental(Repository repo, SessionTime time, SessionTime previous) throws IOException {
    writeMarker(repo, time); // first: from now on a crash is visible as two markers
    CrashPoints.reach("new marker written");
    IncrementWriter increments = new IncrementWriter(repo, previous,
        new CompressionRule(options.compression(), CompressionRule.DEFAULT_NOT_COMPRESSED), stats, asRoot);
    increments.directory(rootRecord(repo, previous));
    Map<RelPath, List<Xattr>> oldXattrs = sideFile(repo, "extended_attributes", previous, true);
    Map<RelPath, List<String>> oldAcls = sideFile(repo, "access_control_lists", previous, false);
    try (MetadataChain old = MetadataChain.open(repo, previous)) {
      walkAndPublish(repo, time, previous, old, increments, oldXattrs, oldAcls);
    }
    writeSideFiles(repo, time);
    Posix.syncFileSystem(repo.dataDir()); // the new mirror and metadata durable before the commit
    CrashPoints.reach("before commit");
    RepoFile oldMarker = repo.sessionFile("current_mirror", previous);
    Posix.unlink(oldMarker.path()); // the commit
  }

  /** Walks the tree against the previous session (none for the first) and publishes the metadata. */
  private void walkAndPublish(Repository repo, SessionTime time, SessionTime previous, MetadataChain old,
      IncrementWriter increments, Map<RelPath, List<Xattr>> oldXattrs, Map<RelPath, List<String>> oldAcls)
      throws IOException {
    SessionFiles files = new SessionFiles(repo, time, previous);
    MirrorWriter mirror = new MirrorWriter(repoRoot, repo.quoting(), asRoot);
    try {
      TreeMerge merge = new TreeMerge(source, sourceRoot, options, old, oldXattrs, oldAcls, mirror, increments, files,
          stats, progress, errors, new LongNames(repo));
      merge.run();
      files.publish(merge.previousRecords());
    } catch (IOException | RuntimeException e) {
      files.abandon();
      throw e;
    }
  }

  private static FileMeta rootRecord(Repository repo, SessionTime previous) throws IOException {
    try (MetadataChain chain = MetadataChain.open(repo, previous)) {
      FileMeta root = chain.next();
      if (root == null || !root.path().isRoot()) {
        throw new RepositoryException("metadata of session " + previous + " in '" + repo.display()
            + "' does not start with the root directory");
      }
      return root;
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> Map<RelPath, List<T>> sideFile(Repository repo, String base, SessionTime t, boolean xattrs)
      throws IOException {
    RepoFile f = repo.sessionFile(base, t);
    if (f == null) {
      return Map.of();
    }
    try (InputStream in = Repository.open(f)) {
      return (Map<RelPath, List<T>>) (Map<?, ?>) (xattrs ? SideFiles.readXattrs(in, f.display()) : SideFiles.readAcls(in));
    }
  }

  private void writeMarker(Repository repo, SessionTime time) throws IOException {
    byte[] path = dataFile(repo, "current_mirror", time, IncrementType.DATA, false);
    try (FileChannel ch = Posix.createNew(path, 0600)) {
      ch.write(java.nio.ByteBuffer.wrap(("PID " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
      ch.force(true);
    }
    Posix.fsync(repo.dataDir());
  }

  private void writeSideFiles(Repository repo, SessionTime time) throws IOException {
    double end = System.currentTimeMillis() / 1000.0;
    write(dataFile(repo, "session_statistics", time, IncrementType.DATA, false), stats.render(time.epochSecond(), end), false);
    byte[] log = String.join("\n", errors).getBytes(StandardCharsets.UTF_8);
    boolean gz = options.compression() && log.length > 0;
    byte[] withNewline = log.length == 0 ? log : (new String(log, StandardCharsets.ISO_8859_1) + "\n").getBytes(StandardCharsets.ISO_8859_1);
    write(dataFile(repo, "error_log", time, IncrementType.DATA, gz), withNewline, gz);
  }

  private static void write(byte[] path, byte[] content, boolean gz) throws IOException {
    try (FileChannel ch = Posix.createNew(path, 0600); OutputStream raw = Channels.newOutputStream(ch);
        OutputStream out = gz ? new GZIPOutputStream(raw) : raw) {
      out.write(content);
    }
  }

  private static byte[] dataFile(Repository repo, String base, SessionTime t, IncrementType type, boolean gz) {
    return repo.dataPath(IncrementName.format(base.getBytes(StandardCharsets.US_ASCII), t, type, gz));
  }
}
