package dev.rewind.backup;

import dev.rewind.core.SessionTime;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import dev.rewind.repo.TimeStrings;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The right to work on one repository, shared with rdiff-backup.
 *
 * <p>An exclusive lock (for {@code backup}, {@code regress}, {@code remove}) is a BSD {@code
 * flock(LOCK_EX|LOCK_NB)} on {@code rdiff-backup-data/lock.yml}, exactly what rdiff-backup takes
 * with {@code --api-version 201}, so the two tools exclude each other. While it is held the file
 * names the holder in rdiff-backup's YAML ({@code cmd}, {@code hostname}, {@code pid}, {@code
 * timestamp}); {@link #close()} empties it. The kernel drops a {@code flock} when its process
 * dies, so a crashed holder never blocks anyone: the content it left is reported as {@link
 * #staleHolder()}. rdiff-backup's default API 200 takes no lock at all; its only trace is the
 * {@code PID n} in the {@code current_mirror} marker it writes first, so a repository with two
 * markers whose newer one names a live local process that started before the marker was written
 * counts as locked by that process (see {@link #mayHaveWritten}).
 *
 * <p>A shared lock ({@link #acquireShared}, for readers such as {@code verify}) is {@code
 * flock(LOCK_SH|LOCK_NB)}, taken only when {@code lock.yml} exists, as rdiff-backup's readers
 * do; it excludes writers but not other readers.
 *
 * <p>Not thread-safe; one lock per repository per process at a time (a second {@code acquire} in
 * the same process is refused like any other).
 */
public final class RepositoryLock implements Closeable {
  static final String LOCK_FILE = "lock.yml";
  private static final Pattern MARKER_PID = Pattern.compile("^PID\\s*([0-9]+)", Pattern.MULTILINE | Pattern.CASE_INSENSITIVE);

  /**
   * How much later than its marker's mtime a process may seem to have started and still count
   * as the marker's writer. Both times can be off the dangerous way: vfat stores mtimes rounded
   * down to 2 s, the kernel stamps them from a clock up to a tick behind, and a wall clock
   * stepped or slewed forward while the writer runs (a first NTP sync after boot) moves the
   * process's start, computed as now minus its age, later. Too small a slack regresses a session
   * under a live writer; too large only keeps the old refusal for a pid reused within that time
   * of the marker, which needs a crash within seconds of the session's start. Not covered: a
   * forward step larger than this while a writer runs, or a network file system whose server
   * clock is behind this host's by more.
   */
  static final Duration WRITER_START_SLACK = Duration.ofSeconds(10);

  private final Posix.Flock flock;
  private final boolean exclusive;
  private final LockHolder stale;

  private RepositoryLock(Posix.Flock flock, boolean exclusive, LockHolder stale) {
    this.flock = flock;
    this.exclusive = exclusive;
    this.stale = stale;
  }

  /**
   * Locks {@code repo} exclusively for {@code command} (e.g. {@code "backup"}). {@code repo}'s
   * listing predates the lock: open the repository again once the lock is held.
   */
  public static RepositoryLock acquire(Repository repo, String command) throws IOException {
    return acquire(repo.dataDir(), command, Clock.systemDefaultZone());
  }

  /** Locks exclusively the repository whose data directory is {@code dataDir}; see below. */
  public static RepositoryLock acquire(byte[] dataDir, String command) throws IOException {
    return acquire(dataDir, command, Clock.systemDefaultZone());
  }

  /**
   * Locks the repository whose data directory ({@code REPO/rdiff-backup-data}, which must exist)
   * is {@code dataDir} exclusively, creating {@code lock.yml} if needed.
   *
   * @param command what the holder does, written as {@code cmd: rewind COMMAND}
   * @param clock gives the start time written into the lock file, in the clock's zone
   * @throws RepositoryLockedException when another process holds the lock, or an unlocked
   *     rdiff-backup (API 200) is still writing a session
   */
  public static RepositoryLock acquire(byte[] dataDir, String command, Clock clock) throws IOException {
    byte[] file = lockFile(dataDir);
    Posix.Flock flock = Posix.tryFlock(file, true, 0600);
    if (flock == null) {
      throw locked(dataDir, heldBy(file, clock));
    }
    try {
      LockHolder previous = LockHolder.parseYaml(read(file));
      refuseIfUnlockedWriterRuns(dataDir, clock);
      LockHolder self = new LockHolder(ProcessTable.self(), ProcessTable.hostname(), "rewind " + command,
          TimeStrings.format(clock.instant().getEpochSecond(), clock.getZone(), false));
      flock.overwrite(self.toYaml().getBytes(StandardCharsets.UTF_8));
      return new RepositoryLock(flock, true, previous);
    } catch (IOException | RuntimeException e) {
      flock.close();
      throw e;
    }
  }

  /**
   * Takes a shared (reader's) lock on the repository whose data directory is {@code dataDir}:
   * refused while a writer holds the lock or an unlocked rdiff-backup writes a session. Without
   * {@code lock.yml} (never used by API 201 or Rewind) there is nothing to lock and only the
   * marker check applies, as in rdiff-backup; the same when this user may not open it. Writes
   * nothing.
   */
  public static RepositoryLock acquireShared(byte[] dataDir, Clock clock) throws IOException {
    byte[] file = lockFile(dataDir);
    Posix.Flock flock = null;
    try {
      flock = Posix.tryFlock(file, false, 0);
      if (flock == null) {
        throw locked(dataDir, heldBy(file, clock));
      }
    } catch (NoSuchFileException | AccessDeniedException e) {
      // never locked, or a reader who may not open it: rdiff-backup's readers go on unlocked too
    }
    try {
      refuseIfUnlockedWriterRuns(dataDir, clock);
    } catch (IOException | RuntimeException e) {
      if (flock != null) {
        flock.close();
      }
      throw e;
    }
    return new RepositoryLock(flock, false, null);
  }

  /**
   * What {@code lock.yml} said when this lock was taken: the holder of an earlier run that
   * ended without releasing it (a crash; the kernel had already dropped its lock), or null
   * when the file was empty.
   */
  public LockHolder staleHolder() {
    return stale;
  }

  /** True for a writer's lock ({@link #acquire}), false for a reader's ({@link #acquireShared}). */
  public boolean isExclusive() {
    return exclusive;
  }

  /** Empties {@code lock.yml} (exclusive locks) and releases the lock; idempotent. */
  @Override
  public void close() throws IOException {
    if (flock == null) {
      return;
    }
    try {
      if (exclusive) {
        flock.overwrite(new byte[0]);
      }
    } finally {
      flock.close();
    }
  }

  private static byte[] lockFile(byte[] dataDir) {
    return join(dataDir, LOCK_FILE);
  }

  /** Who holds the lock on {@code file}: the kernel knows the pid, the file may know more. */
  private static LockHolder heldBy(byte[] file, Clock clock) throws IOException {
    LockHolder written = LockHolder.parseYaml(read(file));
    Stat st = Posix.lstatOrNull(file);
    long pid = st == null ? 0 : ProcessTable.flockHolder(st);
    if (pid == 0 || (written != null && written.pid() == pid)) {
      // a holder that wrote nothing yet, or one on another host: the file is all we have
      return written != null ? written : new LockHolder(pid, null, null, null);
    }
    LockHolder live = ProcessTable.describe(pid, clock.getZone());
    return live != null ? live : new LockHolder(pid, ProcessTable.hostname(), null, null);
  }

  /**
   * rdiff-backup API 200 locks nothing: it writes the new session's {@code current_mirror}
   * marker first (with its pid) and deletes the old one last. Two markers and a live newer pid
   * on this host mean it is still running (rdiff-backup's own regress makes the same check),
   * unless that process started after the marker was written: then the writer died (rdiff-backup
   * or Rewind, which writes the same line) and its pid went to an unrelated process since. This
   * is the only place that trusts the marker's pid; once it lets a caller through, {@code
   * backup} and {@code regress} regress the session as any crash leftover ({@link Regress} looks
   * at markers only). rdiff-backup's own check has no such test, so it may still refuse (without
   * {@code --force}) a repository that Rewind regresses.
   */
  private static void refuseIfUnlockedWriterRuns(byte[] dataDir, Clock clock) throws IOException {
    Repository repo;
    try {
      repo = Repository.open(rootOf(dataDir));
    } catch (IOException e) {
      return; // not a repository (yet): no markers to check
    }
    List<SessionTime> markers = repo.markers();
    if (markers.size() < 2) {
      return;
    }
    SessionTime newest = markers.get(markers.size() - 1);
    RepoFile marker = repo.sessionFile("current_mirror", newest);
    long pid = markerPid(marker);
    if (pid == 0 || pid == ProcessTable.self() || !ProcessTable.isAlive(pid)
        || !mayHaveWritten(ProcessTable.startTime(pid), modified(marker))) {
      return;
    }
    LockHolder holder = ProcessTable.describe(pid, clock.getZone());
    holder = holder != null ? holder : new LockHolder(pid, ProcessTable.hostname(), null, null);
    throw new RepositoryLockedException("'" + repo.display() + "' is being written by "
        + holder.describe() + ": its backup session " + newest + " is not finished"
        + " (a newer current_mirror marker names that process)", holder);
  }

  /**
   * Whether a process that started at {@code processStart} can be the one that wrote a marker
   * last modified at {@code markerWritten}: a writer exists before it writes. Allows {@link
   * #WRITER_START_SLACK} for coarse clocks; when either time is unknown (null) the answer is yes,
   * so that doubt refuses rather than regresses under a live writer.
   */
  static boolean mayHaveWritten(Instant processStart, Instant markerWritten) {
    return processStart == null || markerWritten == null
        || !processStart.isAfter(markerWritten.plus(WRITER_START_SLACK));
  }

  /** The file's mtime, or null when it cannot be read. */
  private static Instant modified(RepoFile file) {
    try {
      Stat st = file == null ? null : Posix.lstatOrNull(file.path());
      return st == null ? null : Instant.ofEpochSecond(st.mtimeSeconds(), st.mtimeNanos());
    } catch (IOException e) {
      return null;
    }
  }

  private static long markerPid(RepoFile marker) {
    if (marker == null) {
      return 0;
    }
    try (InputStream in = Repository.open(marker)) {
      Matcher m = MARKER_PID.matcher(new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1));
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  private static RepositoryLockedException locked(byte[] dataDir, LockHolder holder) {
    return new RepositoryLockedException("'" + Posix.display(rootOf(dataDir)) + "' is locked by "
        + holder.describe() + " (" + Posix.display(lockFile(dataDir)) + "); wait until it has finished",
        holder);
  }

  private static String read(byte[] file) throws IOException {
    try (InputStream in = Channels.newInputStream(Posix.openRead(file))) {
      return new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return "";
    }
  }

  /** The repository root that holds {@code dataDir} (its parent directory). */
  static byte[] rootOf(byte[] dataDir) {
    int end = dataDir.length;
    while (end > 1 && dataDir[end - 1] == '/') {
      end--;
    }
    int slash = end - 1;
    while (slash >= 0 && dataDir[slash] != '/') {
      slash--;
    }
    if (slash < 0) {
      return new byte[] {'.'};
    }
    return slash == 0 ? new byte[] {'/'} : Arrays.copyOf(dataDir, slash);
  }

  private static byte[] join(byte[] dir, String name) {
    return Posix.join(dir, name);
  }
}
