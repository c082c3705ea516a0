package dev.rewind.repo;

import dev.rewind.core.FileMeta;
import dev.rewind.core.RelPath;
import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.posix.DirEntry;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * The on-disk layout of one rdiff-backup 2.x repository: where the mirror, the data directory,
 * the per-session files and each path's increments are, with names unquoted. It reads
 * directory listings, never file contents (apart from the tiny quoting config).
 *
 * <p>Immutable snapshot of the data directory taken at {@link #open}; thread-safe.
 */
public final class Repository {
  public static final String DATA_DIR = "rdiff-backup-data";

  private final byte[] root;
  private final byte[] dataDir;
  private final FilenameQuoting quoting;
  private final List<RepoFile> dataFiles;

  private Repository(byte[] root, byte[] dataDir, FilenameQuoting quoting, List<RepoFile> dataFiles) {
    this.root = root;
    this.dataDir = dataDir;
    this.quoting = quoting;
    this.dataFiles = dataFiles;
  }

  /** Opens the repository whose mirror root is {@code root}. */
  public static Repository open(byte[] root) throws IOException {
    byte[] dataDir = join(root, DATA_DIR.getBytes(StandardCharsets.US_ASCII));
    Stat st = Posix.lstatOrNull(dataDir);
    if (st == null || (st.mode() & Stat.S_IFMT) != Stat.S_IFDIR) {
      throw new RepositoryException("'" + Posix.display(root)
          + "' is not a repository (no rdiff-backup-data directory)");
    }
    FilenameQuoting quoting = readQuoting(dataDir);
    List<RepoFile> files = new ArrayList<>();
    for (DirEntry e : Posix.listEntries(dataDir)) {
      IncrementName name = IncrementName.parse(quoting.unquote(e.name()));
      if (name != null && !e.isDirectory(dataDir)) {
        files.add(new RepoFile(name, join(dataDir, e.name())));
      }
    }
    files.sort(Comparator.comparing((RepoFile f) -> f.name().time()));
    return new Repository(root.clone(), dataDir, quoting, List.copyOf(files));
  }

  /**
   * Finds the repository that contains {@code path} (the repository itself or a path below its
   * root, which need not exist in the current mirror) and the path's position inside it.
   */
  public static Located locate(byte[] path) throws IOException {
    byte[] p = stripTrailingSlashes(path);
    List<byte[]> tail = new ArrayList<>();
    while (true) {
      Stat st = Posix.lstatOrNull(join(p, DATA_DIR.getBytes(StandardCharsets.US_ASCII)));
      if (st != null) {
        RelPath sub = RelPath.ROOT;
        for (int i = tail.size() - 1; i >= 0; i--) {
          sub = sub.child(tail.get(i));
        }
        return new Located(open(p), sub);
      }
      int slash = lastSlash(p);
      if (slash < 0 || p.length <= 1) {
        throw new RepositoryException("'" + Posix.display(path)
            + "' is not a repository or a path inside one (no rdiff-backup-data found)");
      }
      byte[] name = Arrays.copyOfRange(p, slash + 1, p.length);
      if (name.length > 0 && !Arrays.equals(name, new byte[] {'.'})) {
        tail.add(name);
      }
      p = slash == 0 ? new byte[] {'/'} : Arrays.copyOf(p, slash);
    }
  }

  /** A repository and a path inside it. */
  public record Located(Repository repository, RelPath path) {}

  private static FilenameQuoting readQuoting(byte[] dataDir) throws IOException {
    byte[] file = join(dataDir, "chars_to_quote".getBytes(StandardCharsets.US_ASCII));
    try (FileChannel ch = Posix.openRead(file); InputStream in = Channels.newInputStream(ch)) {
      byte[] spec = in.readNBytes(4096);
      int n = spec.length;
      while (n > 0 && (spec[n - 1] == '\n')) {
        n--;
      }
      return FilenameQuoting.fromClass(Arrays.copyOf(spec, n));
    } catch (NoSuchFileException e) {
      return FilenameQuoting.NONE;
    }
  }

  public byte[] root() {
    return root.clone();
  }

  public byte[] dataDir() {
    return dataDir.clone();
  }

  public String display() {
    return Posix.display(root);
  }

  public FilenameQuoting quoting() {
    return quoting;
  }

  /** Every increment-style file of the data directory, oldest first. */
  public List<RepoFile> dataFiles() {
    return dataFiles;
  }

  /** Increment-style files of the data directory with the given base, oldest first. */
  public List<RepoFile> dataFiles(String base) {
    List<RepoFile> out = new ArrayList<>();
    for (RepoFile f : dataFiles) {
      if (f.name().baseIs(base)) {
        out.add(f);
      }
    }
    return out;
  }

  /** Times of the {@code current_mirror} markers: one in a healthy repository. */
  public List<SessionTime> markers() {
    return times(dataFiles("current_mirror"));
  }

  /** The {@code mirror_metadata} files, oldest first. */
  public List<RepoFile> metadataFiles() {
    return dataFiles("mirror_metadata");
  }

  /**
   * Every session: the union of marker, metadata and root-increment times (a session without
   * changes has no root increment, so the metadata files are essential), oldest first.
   */
  public List<SessionTime> sessions() {
    TreeSet<SessionTime> all = new TreeSet<>();
    all.addAll(markers());
    all.addAll(times(metadataFiles()));
    all.addAll(times(dataFiles("increments")));
    return List.copyOf(all);
  }

  private static List<SessionTime> times(List<RepoFile> files) {
    List<SessionTime> out = new ArrayList<>();
    for (RepoFile f : files) {
      out.add(f.name().time());
    }
    return out;
  }

  /** The per-session side file with the given base at exactly {@code time}, or null. */
  public RepoFile sessionFile(String base, SessionTime time) {
    for (RepoFile f : dataFiles(base)) {
      if (f.name().time().equals(time)) {
        return f;
      }
    }
    return null;
  }

  /** Opens a repository file for reading, decompressing it when its name ends in {@code .gz}. */
  public static InputStream open(RepoFile file) throws IOException {
    InputStream raw = Channels.newInputStream(Posix.openRead(file.path()));
    if (!file.name().compressed()) {
      return new BufferedInputStream(raw, 1 << 16);
    }
    try {
      return new GZIPInputStream(raw, 1 << 16);
    } catch (IOException e) {
      raw.close();
      throw new RepositoryException("cannot read '" + file.display() + "': " + e.getMessage(), e);
    }
  }

  /** Where the mirror keeps the current content of {@code meta}'s path. */
  public byte[] mirrorPath(FileMeta meta) {
    if (meta.alternateMirrorName() != null) {
      return longNamePath(Integer.toString(meta.alternateMirrorName()).getBytes(StandardCharsets.US_ASCII));
    }
    return onDisk(root, meta.path());
  }

  /** The directory of {@code increments/} that holds the increments of {@code dir}'s children. */
  public byte[] incrementsDirOf(RelPath dir) {
    return onDisk(join(dataDir, "increments".getBytes(StandardCharsets.US_ASCII)), dir);
  }

  /**
   * The increments of every child of {@code dir}, keyed by the child's path, each list oldest
   * first. One directory listing; a missing increments directory means no increments.
   */
  public Map<RelPath, List<RepoFile>> incrementsOfChildren(RelPath dir) throws IOException {
    byte[] incDir = incrementsDirOf(dir);
    Map<RelPath, List<RepoFile>> out = new HashMap<>();
    List<DirEntry> entries;
    try {
      entries = Posix.listEntries(incDir);
    } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
      return out;
    }
    for (DirEntry e : entries) {
      IncrementName name = IncrementName.parse(quoting.unquote(e.name()));
      if (name == null || e.isDirectory(incDir) || name.base().length == 0) {
        continue;
      }
      RelPath child;
      try {
        child = dir.child(name.base());
      } catch (IllegalArgumentException bad) {
        continue;
      }
      out.computeIfAbsent(child, k -> new ArrayList<>()).add(new RepoFile(name, join(incDir, e.name())));
    }
    for (List<RepoFile> list : out.values()) {
      list.sort(Comparator.comparing((RepoFile f) -> f.name().time()));
    }
    return out;
  }

  /** Increments stored under {@code long_filename_data/N.*}, oldest first. */
  public List<RepoFile> longNameIncrements(int number) throws IOException {
    byte[] dir = join(dataDir, "long_filename_data".getBytes(StandardCharsets.US_ASCII));
    List<RepoFile> out = new ArrayList<>();
    List<DirEntry> entries;
    try {
      entries = Posix.listEntries(dir);
    } catch (NoSuchFileException e) {
      return out;
    }
    byte[] base = Integer.toString(number).getBytes(StandardCharsets.US_ASCII);
    for (DirEntry e : entries) {
      IncrementName name = IncrementName.parse(quoting.unquote(e.name()));
      if (name != null && Arrays.equals(name.base(), base)) {
        out.add(new RepoFile(name, join(dir, e.name())));
      }
    }
    out.sort(Comparator.comparing((RepoFile f) -> f.name().time()));
    return out;
  }

  private byte[] longNamePath(byte[] name) {
    return join(join(dataDir, "long_filename_data".getBytes(StandardCharsets.US_ASCII)), quoting.quote(name));
  }

  /** {@code path} under {@code base} with every component quoted for the disk. */
  private byte[] onDisk(byte[] base, RelPath path) {
    byte[] out = base;
    for (byte[] component : path.components()) {
      out = join(out, quoting.quote(component));
    }
    return out;
  }

  static byte[] join(byte[] dir, byte[] name) {
    return Posix.join(dir, name);
  }

  /** Where a file of the data directory with this (unquoted) name lives on disk. */
  public byte[] dataPath(byte[] unquotedName) {
    return Posix.join(dataDir, quoting.quote(unquotedName));
  }

  private static byte[] stripTrailingSlashes(byte[] p) {
    int n = p.length;
    while (n > 1 && p[n - 1] == '/') {
      n--;
    }
    return Arrays.copyOf(p, n);
  }

  private static int lastSlash(byte[] p) {
    for (int i = p.length - 1; i >= 0; i--) {
      if (p[i] == '/') {
        return i;
      }
    }
    return -1;
  }
}
