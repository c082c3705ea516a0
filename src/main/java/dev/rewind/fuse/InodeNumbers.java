package dev.rewind.fuse;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stable inode numbers for {@code use_ino}: each host and each (host, session) gets a slot
 * number the first time it is seen, for the life of the mount; an inode number is the slot in
 * the high 32 bits and a position in the low 32. Entries of one session are numbered by their
 * index position, and every path of a hard-link group by its first path, so hard links share an
 * inode number (and {@code cp -a} keeps them). The same session seen through its day name and
 * its timestamp name has the same numbers. Thread-safe.
 */
final class InodeNumbers {
  /** The mount's root directory. */
  static final long ROOT = 1;

  private final ConcurrentHashMap<String, Integer> slots = new ConcurrentHashMap<>();
  private final AtomicInteger next = new AtomicInteger(1);

  /** The host's directory. */
  long hostDirectory(byte[] host) {
    return ((long) slot("h" + key(host)) << 32) | 1;
  }

  /** The host's {@code latest} link. */
  long latestLink(byte[] host) {
    return ((long) slot("h" + key(host)) << 32) | 2;
  }

  /** Entry {@code position} of a session's index (0 is the session's root). */
  long entry(byte[] host, long session, int position) {
    return ((long) slot("s" + session + "/" + key(host)) << 32) | (position + 1L);
  }

  private int slot(String key) {
    return slots.computeIfAbsent(key, k -> next.getAndIncrement());
  }

  private static String key(byte[] host) {
    return new String(host, StandardCharsets.ISO_8859_1);
  }
}
