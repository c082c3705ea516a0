package dev.rewind.ops;

import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.Scratch;
import dev.rewind.posix.DirEntry;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.RepoFile;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Finds the hosts under a repository root ({@code ROOT/<host>/rdiff-backup-data}, or ROOT itself
 * when it is one repository, named after its directory) and the hosts known only from a state
 * file, and reads the {@link HostStatus} of each. Reads only; takes no lock (a backup running
 * meanwhile shows as its previous session).
 */
public final class StatusScan {
  private StatusScan() {}

  /** Every host, sorted by name. */
  public static List<HostStatus> scan(Path root, Path stateDir) throws IOException {
    byte[] rootBytes = Posix.bytes(root);
    Stat st = Posix.lstatOrNull(rootBytes);
    if (st == null || st.type() != dev.rewind.core.FileType.DIRECTORY) {
      throw new NoSuchFileException(root.toString(), null, "repository root does not exist or is not a directory");
    }
    Path absRoot = root.toAbsolutePath().normalize();
    TreeMap<String, HostStatus> hosts = new TreeMap<>();
    if (Posix.lstatOrNull(Posix.join(rootBytes, Repository.DATA_DIR)) != null) {
      String name = absRoot.getFileName() == null ? "/" : absRoot.getFileName().toString();
      return List.of(read(name, rootBytes, stateDir)); // one repository: other state files are not about it
    }
    for (DirEntry e : Posix.listEntries(rootBytes)) {
      byte[] dir = Posix.join(rootBytes, e.name());
      if (e.isDirectory(rootBytes) && Posix.lstatOrNull(Posix.join(dir, Repository.DATA_DIR)) != null) {
        String name = Posix.display(e.name());
        hosts.put(name, read(name, dir, stateDir));
      }
    }
    for (String host : stateOnlyHosts(stateDir, hosts.keySet())) {
      String repo = absRoot.resolve(host).toString();
      Pull pull = Pull.read(stateDir, host);
      hosts.put(host, new HostStatus(host, repo, List.of(), 0, pull.state, pull.and("no repository at '" + repo + "'")));
    }
    return List.copyOf(hosts.values());
  }

  /** The status of one host whose repository is at {@code repoRoot}. */
  static HostStatus read(String host, byte[] repoRoot, Path stateDir) throws IOException {
    Pull pull = Pull.read(stateDir, host);
    Repository repo;
    try {
      repo = Repository.open(repoRoot);
    } catch (IOException e) {
      return new HostStatus(host, Posix.display(repoRoot), List.of(), 0, pull.state, pull.and(e.getMessage()));
    }
    String problem = pull.problem;
    List<SessionTime> times;
    try (Scratch unused = Scratch.in(repo.dataDir())) {
      times = History.open(repo, unused).sessions();
    } catch (IOException e) {
      problem = pull.and(e.getMessage());
      times = completeSessions(repo);
    }
    RepositoryUsage usage = RepositoryUsage.measure(repo);
    List<HostStatus.Session> sessions = new ArrayList<>();
    for (int i = 0; i < times.size(); i++) {
      SessionTime t = times.get(i);
      SessionStatistics stats = statistics(repo, t);
      Long bytesAfter = null;
      if (i == times.size() - 1) {
        bytesAfter = usage.bytesAfter(t, usage.mirrorBytes());
      } else if (stats != null) {
        bytesAfter = usage.bytesAfter(t, stats.sourceFileSize());
      }
      sessions.add(new HostStatus.Session(t, stats, bytesAfter));
    }
    return new HostStatus(host, repo.display(), sessions, usage.totalBytes(), pull.state, problem);
  }

  /** A host's state file as read: the state, or why it could not be read (one damaged file must not hide the other hosts). */
  private record Pull(PullState state, String problem) {
    static Pull read(Path stateDir, String host) {
      try {
        return new Pull(PullState.readOrNull(stateDir, host), null);
      } catch (IOException e) {
        return new Pull(null, e.getMessage());
      }
    }

    /** {@code other} joined to this problem, if any. */
    String and(String other) {
      return problem == null ? other : problem + "; " + other;
    }
  }

  /** Sessions up to the oldest marker: those that finished even if a later one did not. */
  private static List<SessionTime> completeSessions(Repository repo) {
    List<SessionTime> markers = repo.markers();
    if (markers.isEmpty()) {
      return List.of();
    }
    return repo.sessions().stream().filter(s -> s.compareTo(markers.get(0)) <= 0).toList();
  }

  private static SessionStatistics statistics(Repository repo, SessionTime t) {
    RepoFile f = repo.sessionFile("session_statistics", t);
    if (f == null) {
      return null;
    }
    try (InputStream in = Repository.open(f)) {
      return SessionStatistics.parse(in, f.display());
    } catch (IOException e) {
      return null; // statistics are decoration: a damaged file must not hide the host's status
    }
  }

  private static List<String> stateOnlyHosts(Path stateDir, java.util.Set<String> known) throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(stateDir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(stateDir, "*.state")) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        String host = name.substring(0, name.length() - ".state".length());
        if (!host.isEmpty() && !known.contains(host)) {
          out.add(host);
        }
      }
    }
    return out;
  }
}
