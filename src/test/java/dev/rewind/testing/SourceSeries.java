package dev.rewind.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The evolving source tree of {@link SampleRepos} as a series of sessions that any writer (Rewind,
 * rdiff-backup, alternating) backs up: session {@code n} makes the sample's changes of session
 * {@code n} (every change kind, odd byte names, owners, modes, devices, xattrs and ACLs; session
 * {@link SampleRepos#UNCHANGED_SESSION} changes nothing), and sessions after {@link
 * SampleRepos#SESSIONS} change nothing either. A {@link TreeSnapshot} of the source is kept for
 * each session. Session {@code n} is meant to be backed up at {@link SampleRepos#time(int)}.
 * Needs root (owners, device nodes).
 */
public final class SourceSeries {
  private final Path source;
  private final TreeBuilder tree;
  private final List<TreeSnapshot> snapshots = new ArrayList<>();

  private SourceSeries(Path source) {
    this.source = source;
    this.tree = TreeBuilder.at(source, SampleRepos.clock(1));
  }

  /** A series whose source tree is created at {@code source} (which must not exist yet; parents are made). */
  public static SourceSeries create(Path source) {
    Tools.requireRoot();
    Tools.require("setfacl");
    try {
      Files.createDirectories(source.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new SourceSeries(source);
  }

  public Path source() {
    return source;
  }

  /** The builder, for extra changes on top of the sample's (made before {@link #next}). */
  public TreeBuilder tree() {
    return tree;
  }

  /** Makes the changes of the next session, snapshots the source and returns the session number. */
  public int next() {
    int n = snapshots.size() + 1;
    tree.clock(SampleRepos.clock(n));
    if (n <= SampleRepos.SESSIONS) {
      SampleRepos.change(n, tree);
    }
    snapshots.add(TreeSnapshot.capture(source));
    return n;
  }

  /** Number of sessions made so far. */
  public int sessions() {
    return snapshots.size();
  }

  /** The source as session {@code n} (1-based) saw it. */
  public TreeSnapshot snapshot(int n) {
    return snapshots.get(n - 1);
  }

  /** The backup time of session {@code n}. */
  public static long time(int n) {
    return SampleRepos.time(n);
  }

  /** True when session {@code n} saw exactly the tree session {@code n - 1} saw. */
  public boolean unchanged(int n) {
    return n > 1 && TreeSnapshot.differences(snapshot(n - 1), snapshot(n)).isEmpty();
  }
}
