package dev.rewind.fuse;

import dev.rewind.core.RelPath;
import dev.rewind.history.Scratch;
import dev.rewind.posix.DirEntry;
import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The hosts under the mount's root directory: every subdirectory that holds a repository
 * ({@code ROOT/<host>/rdiff-backup-data}), or the root itself as one host named after it when it
 * is a repository. The listing is re-read at most once per refresh interval, so hosts added or
 * removed show up without remounting. Thread-safe.
 */
final class Hosts {
  private static final byte[] DATA_DIR = Repository.DATA_DIR.getBytes(StandardCharsets.US_ASCII);

  private final byte[] root;
  private final Scratch scratch;
  private final ZoneId zone;
  private final LongSupplier nanoClock;
  private final long refreshNanos;
  private final MountLog log;
  private volatile Map<String, Host> hosts = Map.of();
  private volatile long listedAt;
  private volatile boolean listed;

  Hosts(byte[] root, Scratch scratch, ZoneId zone, LongSupplier nanoClock, long refreshNanos, MountLog log) {
    this.root = root.clone();
    this.scratch = scratch;
    this.zone = zone;
    this.nanoClock = nanoClock;
    this.refreshNanos = refreshNanos;
    this.log = log;
  }

  /** The hosts whose repositories exist now, sorted by name. */
  List<Host> list() {
    List<Host> out = new ArrayList<>();
    for (Host h : current().values()) {
      if (h.state() != null) {
        out.add(h);
      }
    }
    return out;
  }

  /** The host called {@code name}, or null. */
  Host get(byte[] name) {
    Host h = current().get(key(name));
    return h != null && h.state() != null ? h : null;
  }

  private Map<String, Host> current() {
    Map<String, Host> m = hosts;
    if (listed && nanoClock.getAsLong() - listedAt < refreshNanos) {
      return m;
    }
    synchronized (this) {
      if (!listed || nanoClock.getAsLong() - listedAt >= refreshNanos) {
        hosts = relist(hosts);
        listedAt = nanoClock.getAsLong();
        listed = true;
      }
      return hosts;
    }
  }

  private Map<String, Host> relist(Map<String, Host> old) {
    List<byte[]> names = new ArrayList<>();
    Map<String, byte[]> repoRoots = new java.util.HashMap<>();
    try {
      if (isDirectory(RelPath.of(DATA_DIR).under(root))) {
        byte[] name = baseName(root);
        names.add(name);
        repoRoots.put(key(name), root);
      } else {
        for (DirEntry e : Posix.listEntries(root)) {
          byte[] repo = RelPath.ROOT.child(e.name()).under(root);
          if (isDirectory(RelPath.of(DATA_DIR).under(repo))) {
            names.add(e.name());
            repoRoots.put(key(e.name()), repo);
          }
        }
      }
    } catch (IOException e) {
      log.warn("cannot list '" + Posix.display(root) + "': " + e.getMessage());
      return old;
    }
    names.sort(Arrays::compareUnsigned);
    Map<String, Host> out = new LinkedHashMap<>();
    for (byte[] name : names) {
      Host h = old.get(key(name));
      out.put(key(name), h != null ? h
          : new Host(name, repoRoots.get(key(name)), scratch, zone, nanoClock, refreshNanos, log));
    }
    return Collections.unmodifiableMap(out);
  }

  private static boolean isDirectory(byte[] path) throws IOException {
    Stat st = Posix.lstatOrNull(path);
    return st != null && st.type() == dev.rewind.core.FileType.DIRECTORY;
  }

  private static byte[] baseName(byte[] path) {
    int end = path.length;
    while (end > 1 && path[end - 1] == '/') {
      end--;
    }
    int start = end;
    while (start > 0 && path[start - 1] != '/') {
      start--;
    }
    byte[] name = Arrays.copyOfRange(path, start, end);
    return name.length == 0 || name[0] == '/' ? "root".getBytes(StandardCharsets.US_ASCII) : name;
  }

  private static String key(byte[] name) {
    return new String(name, StandardCharsets.ISO_8859_1);
  }
}
