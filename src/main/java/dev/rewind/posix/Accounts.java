package dev.rewind.posix;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import jnr.posix.Group;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.Passwd;

/** Local user and group names and ids, looked up once each and cached. Thread-safe. */
public final class Accounts {
  private static final POSIX POSIX = POSIXFactory.getNativePOSIX();
  /**
   * getpwnam, getpwuid, getgrnam and getgrgid return one static buffer that the next call
   * overwrites, and jnr-posix reads its fields lazily: every lookup and the reading of its result
   * hold this lock, whichever Accounts instance or thread asks.
   */
  private static final Object LIBC = new Object();
  private final Map<String, OptionalLong> uids = new ConcurrentHashMap<>();
  private final Map<String, OptionalLong> gids = new ConcurrentHashMap<>();
  private final Map<Long, String> userNames = new ConcurrentHashMap<>();
  private final Map<Long, String> groupNames = new ConcurrentHashMap<>();

  /** The local uid of a user name, if the name exists here. */
  public OptionalLong uid(String name) {
    return uids.computeIfAbsent(name, n -> {
      synchronized (LIBC) {
        Passwd p = POSIX.getpwnam(n);
        return p == null ? OptionalLong.empty() : OptionalLong.of(p.getUID());
      }
    });
  }

  /** The local gid of a group name, if the name exists here. */
  public OptionalLong gid(String name) {
    return gids.computeIfAbsent(name, n -> {
      synchronized (LIBC) {
        Group g = POSIX.getgrnam(n);
        return g == null ? OptionalLong.empty() : OptionalLong.of(g.getGID());
      }
    });
  }

  /** The local name of a uid, or null. */
  public String userName(long uid) {
    return userNames.computeIfAbsent(uid, u -> {
      synchronized (LIBC) {
        Passwd p = POSIX.getpwuid(u.intValue());
        return p == null ? "" : p.getLoginName();
      }
    }).transform(s -> s.isEmpty() ? null : s);
  }

  /** The local name of a gid, or null. */
  public String groupName(long gid) {
    return groupNames.computeIfAbsent(gid, g -> {
      synchronized (LIBC) {
        Group gr = POSIX.getgrgid(g.intValue());
        return gr == null ? "" : gr.getName();
      }
    }).transform(s -> s.isEmpty() ? null : s);
  }
}
