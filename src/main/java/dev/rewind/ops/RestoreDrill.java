package dev.rewind.ops;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.core.SessionTime;
import dev.rewind.history.History;
import dev.rewind.history.MetadataChain;
import dev.rewind.posix.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A restore drill: restores the content of a random sample of regular files, each from a
 * randomly chosen session, into files of a private directory, rebuilt the way {@code restore}
 * rebuilds them (mirror, snapshot increments and reverse deltas, through {@link
 * History#content()}), then reads each file back from disk and compares its size and SHA-1 with
 * the session's metadata. Only content is checked: owners, modes and the like are metadata that
 * {@code verify} reads anyway. A backup is only as good as its restore.
 *
 * <p>Each session's metadata is read once to draw its files, so a drill costs one metadata pass
 * per drawn session plus the rebuilds, not a pass per file.
 *
 * <p>The sample depends only on the seed and the repository's metadata, never on file contents:
 * rerunning with the same seed checks the same files, which is how a failure is reproduced.
 * Files without a recorded SHA-1 (hard links other than their group's first path) are not
 * sampled.
 */
public final class RestoreDrill {
  private final History history;
  private final Random random;

  public RestoreDrill(History history, long seed) {
    this.history = history;
    this.random = new Random(seed);
  }

  /**
   * One file restored and checked.
   *
   * @param failure null when the restored file matched its metadata
   */
  public record Check(SessionTime session, RelPath path, long size, String failure) {
    public boolean passed() {
      return failure == null;
    }
  }

  /** A file picked for the drill. */
  private record Pick(SessionTime session, FileMeta meta) {}

  /**
   * Runs the drill.
   *
   * @param sample how many files to restore (fewer when the sessions have fewer files)
   * @param under only files below this path (the root for all)
   * @param workDir an empty private directory for the restored files; the caller removes it
   * @param progress told of each check as it completes
   */
  public List<Check> run(int sample, RelPath under, byte[] workDir, Consumer<Check> progress) throws IOException {
    List<Check> checks = new ArrayList<>();
    int n = 0;
    for (Pick pick : pick(sample, under)) {
      Check c = restoreAndCheck(pick, Posix.join(workDir, "f" + n++));
      progress.accept(c);
      checks.add(c);
    }
    return checks;
  }

  /** Draws a session per sample slot, then as many distinct files from each session's metadata. */
  private List<Pick> pick(int sample, RelPath under) throws IOException {
    List<SessionTime> sessions = history.sessions();
    Map<SessionTime, Integer> perSession = new TreeMap<>();
    for (int i = 0; i < sample; i++) {
      perSession.merge(sessions.get(random.nextInt(sessions.size())), 1, Integer::sum);
    }
    List<Pick> picks = new ArrayList<>();
    for (Map.Entry<SessionTime, Integer> e : perSession.entrySet()) {
      for (FileMeta m : reservoir(e.getKey(), e.getValue(), under)) {
        picks.add(new Pick(e.getKey(), m));
      }
    }
    return picks;
  }

  /** {@code k} regular files with a digest, uniformly from the session, in index order. */
  private List<FileMeta> reservoir(SessionTime session, int k, RelPath under) throws IOException {
    List<FileMeta> chosen = new ArrayList<>();
    long seen = 0;
    try (MetadataChain chain = history.entries(session)) {
      for (FileMeta m = chain.next(); m != null; m = chain.next()) {
        if (m.type() != FileType.REGULAR || m.sha1() == null || !under.contains(m.path())) {
          continue;
        }
        seen++;
        if (chosen.size() < k) {
          chosen.add(m);
        } else {
          long j = (long) (random.nextDouble() * seen);
          if (j < k) {
            chosen.set((int) j, m);
          }
        }
      }
    }
    chosen.sort((a, b) -> a.path().compareTo(b.path()));
    return chosen;
  }

  private Check restoreAndCheck(Pick pick, byte[] target) {
    FileMeta m = pick.meta();
    try {
      try (OutputStream out = Posix.createStream(target, 0600)) {
        history.content().copyTo(m, pick.session(), out);
      }
      return new Check(pick.session(), m.path(), m.size(), compare(m, target));
    } catch (IOException | RuntimeException e) {
      // a decoder choking on damaged data is a finding about this file, not the end of the drill
      return new Check(pick.session(), m.path(), m.size(), String.valueOf(e.getMessage()));
    } finally {
      try {
        Posix.unlink(target);
      } catch (IOException e) {
        // never made, or the work directory's removal takes it
      }
    }
  }

  /** Null when the file at {@code restored} has the recorded size and SHA-1, else why not. */
  private static String compare(FileMeta m, byte[] restored) throws IOException {
    MessageDigest sha1;
    try {
      sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-1", e);
    }
    long size = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Posix.openStream(restored)) {
      for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
        sha1.update(buf, 0, r);
        size += r;
      }
    }
    if (size != m.size()) {
      return "restored " + size + " bytes, metadata says " + m.size();
    }
    String digest = HexFormat.of().formatHex(sha1.digest());
    return digest.equalsIgnoreCase(m.sha1()) ? null
        : "restored content has SHA-1 " + digest + ", metadata says " + m.sha1();
  }
}
