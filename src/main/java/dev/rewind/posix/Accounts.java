package dev.rewind.posix;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import jnr.constants.platform.Errno;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.PointerByReference;

/**
 * Local user and group names and ids, looked up once each and cached. Thread-safe.
 *
 * <p>The lookups are libc's reentrant {@code getpwuid_r} family, called through {@link Libc}: they
 * fill buffers of the caller's, so concurrent lookups cannot overwrite each other's result (the
 * plain {@code getpwuid} shares one static buffer), and they spare every backup the start-up of
 * jnr-posix, which generated its bindings for about half a second of a no-change run.
 */
public final class Accounts {
  private static final int ERANGE = Errno.ERANGE.intValue();
  private static final int FIRST_BUFFER = 4096;
  private static final int MAX_BUFFER = 1 << 24;

  private final Map<String, OptionalLong> uids = new ConcurrentHashMap<>();
  private final Map<String, OptionalLong> gids = new ConcurrentHashMap<>();
  private final Map<Long, String> userNames = new ConcurrentHashMap<>();
  private final Map<Long, String> groupNames = new ConcurrentHashMap<>();

  /** The local uid of a user name, if the name exists here. */
  public OptionalLong uid(String name) {
    return uids.computeIfAbsent(name, n -> lookup(
        (entry, buf, size, result) -> Posix.libcExtra().getpwnam_r(cString(n), entry, buf, size, result),
        entry -> OptionalLong.of(entry.getInt(idOffset()) & 0xffffffffL), OptionalLong.empty()));
  }

  /** The local gid of a group name, if the name exists here. */
  public OptionalLong gid(String name) {
    return gids.computeIfAbsent(name, n -> lookup(
        (entry, buf, size, result) -> Posix.libcExtra().getgrnam_r(cString(n), entry, buf, size, result),
        entry -> OptionalLong.of(entry.getInt(idOffset()) & 0xffffffffL), OptionalLong.empty()));
  }

  /** The local name of a uid, or null. */
  public String userName(long uid) {
    return userNames.computeIfAbsent(uid, u -> lookup(
        (entry, buf, size, result) -> Posix.libc().getpwuid_r((int) uid, entry, buf, size, result),
        Accounts::name, "")).transform(s -> s.isEmpty() ? null : s);
  }

  /** The local name of a gid, or null. */
  public String groupName(long gid) {
    return groupNames.computeIfAbsent(gid, g -> lookup(
        (entry, buf, size, result) -> Posix.libc().getgrgid_r((int) gid, entry, buf, size, result),
        Accounts::name, "")).transform(s -> s.isEmpty() ? null : s);
  }

  /** One reentrant lookup: fills {@code entry} (its strings point into {@code buf}). */
  private interface Lookup {
    int call(Pointer entry, Pointer buf, long size, PointerByReference result);
  }

  /**
   * Runs {@code lookup} with a buffer that grows while libc says it is too small, and reads the
   * found entry with {@code read}; {@code none} when there is no such account.
   */
  private static <T> T lookup(Lookup lookup, Function<Pointer, T> read, T none) {
    Runtime rt = Posix.runtime();
    // Both structs start with two pointers (name, password) followed by the 32-bit id; the
    // struct is smaller than 8 pointers on every ABI.
    Pointer entry = Memory.allocateDirect(rt, 8 * rt.addressSize());
    for (int size = FIRST_BUFFER; ; size *= 4) {
      Pointer buf = Memory.allocateDirect(rt, size);
      PointerByReference result = new PointerByReference();
      int rc = lookup.call(entry, buf, size, result);
      if (rc == ERANGE && size < MAX_BUFFER) {
        continue;
      }
      try {
        return rc == 0 && result.getValue() != null ? read.apply(entry) : none;
      } finally {
        Reference.reachabilityFence(buf); // the entry's strings live in it
      }
    }
  }

  /** pw_name and gr_name: the first field of both structs. */
  private static String name(Pointer entry) {
    return entry.getPointer(0).getString(0, MAX_BUFFER, StandardCharsets.UTF_8);
  }

  /** pw_uid and gr_gid: after the name and password pointers. */
  private static int idOffset() {
    return 2 * Posix.runtime().addressSize();
  }

  private static byte[] cString(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return java.util.Arrays.copyOf(b, b.length + 1);
  }
}
