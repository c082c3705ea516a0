package dev.rewind.fuse;

import dev.rewind.fuse.layout.SessionNames;
import dev.rewind.history.History;
import dev.rewind.history.SessionIndex;

/**
 * A resolved path of the mount: its attributes, and for the entries of a session the index
 * position they come from.
 *
 * @param kind what the path names
 * @param host the host (null for the root)
 * @param history the host's history (entries and session roots only)
 * @param index the session's index (entries and session roots only)
 * @param entry the position in {@code index}
 * @param via how the session was named in the path (day, timestamp or latest)
 */
record Node(Kind kind, Attributes attributes, Host host, History history, SessionIndex index, int entry,
    SessionNames.Kind via) {

  /** The kinds of nodes. */
  enum Kind {
    ROOT,
    HOST,
    LATEST_LINK,
    ENTRY
  }

  static Node of(Kind kind, Attributes a, Host host) {
    return new Node(kind, a, host, null, null, -1, null);
  }
}
