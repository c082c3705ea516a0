package dev.rewind.fuse;

import dev.rewind.fuse.layout.SessionNames;
import dev.rewind.history.History;
import dev.rewind.history.Scratch;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * One repository shown as a host directory: its {@link History} and the names of its sessions,
 * re-read when the repository's data directory changes (a backup finished, retention removed
 * sessions), checked at most once per refresh interval. While a backup is running (two {@code
 * current_mirror} markers) the last consistent state is kept. Thread-safe; reads are lock-free.
 */
final class Host {
  private final byte[] name;
  private final byte[] root;
  private final byte[] dataDir;
  private final Scratch scratch;
  private final ZoneId zone;
  private final LongSupplier nanoClock;
  private final long refreshNanos;
  private final MountLog log;
  private volatile State state;
  private volatile long checkedAt;
  private volatile String lastProblem;

  /**
   * What the host shows now.
   *
   * @param history the repository's history, or null while it cannot be opened
   * @param names the session names ({@code history}'s sessions, or none)
   */
  record State(History history, SessionNames names, String stamp) {}

  Host(byte[] name, byte[] root, Scratch scratch, ZoneId zone, LongSupplier nanoClock, long refreshNanos, MountLog log) {
    this.name = name.clone();
    this.root = root.clone();
    this.dataDir = dev.rewind.core.RelPath.of(Repository.DATA_DIR).under(root);
    this.scratch = scratch;
    this.zone = zone;
    this.nanoClock = nanoClock;
    this.refreshNanos = refreshNanos;
    this.log = log;
  }

  byte[] name() {
    return name.clone();
  }

  String display() {
    return new String(name, StandardCharsets.UTF_8);
  }

  /** The current state, re-checked when the refresh interval has passed; null when the repository is gone. */
  State state() {
    State s = state;
    long now = nanoClock.getAsLong();
    if (s != null && now - checkedAt < refreshNanos) {
      return s.stamp() == null ? null : s;
    }
    synchronized (this) {
      if (state != null && nanoClock.getAsLong() - checkedAt < refreshNanos) {
        return state.stamp() == null ? null : state;
      }
      state = refresh(state);
      checkedAt = nanoClock.getAsLong();
      return state.stamp() == null ? null : state;
    }
  }

  private State refresh(State old) {
    Stat st;
    try {
      st = Posix.lstatOrNull(dataDir);
    } catch (IOException e) {
      st = null;
    }
    if (st == null || st.type() != dev.rewind.core.FileType.DIRECTORY) {
      return new State(null, SessionNames.of(List.of(), zone), null); // gone
    }
    String stamp = st.inode() + ":" + st.mtimeSeconds() + "." + st.mtimeNanos();
    if (old != null && stamp.equals(old.stamp())) {
      return old;
    }
    try {
      History h = History.open(Repository.open(root), scratch);
      lastProblem = null;
      return new State(h, SessionNames.of(h.sessions(), zone), stamp);
    } catch (IOException | RuntimeException e) {
      String problem = e.getMessage();
      if (!problem.equals(lastProblem)) {
        log.warn("host '" + display() + "': " + problem + (old != null && old.history() != null
            ? " (still showing the sessions read before)" : ""));
        lastProblem = problem;
      }
      if (old != null && old.history() != null) {
        return new State(old.history(), old.names(), old.stamp() + "+retry:" + stamp);
      }
      return new State(null, SessionNames.of(List.of(), zone), "unreadable:" + stamp);
    }
  }
}
