package dev.rewind.fuse;

import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code -o} options of {@code rewind mount}: Rewind's own (time zone, owners, caches,
 * timeouts), FUSE options passed through to libfuse, and the bookkeeping options mount(8) hands
 * to helpers, which are accepted and ignored. Every mount is read-only, {@code
 * default_permissions}, {@code use_ino}, {@code nosuid} and {@code nodev}, whatever was asked.
 * Immutable.
 *
 * @param zone the zone session names are formed in ({@code tz=}, default: the system's)
 * @param numericIds show recorded ids as they are, instead of mapping recorded names to local ids
 * @param cacheDir where the private cache directory is made ({@code cache_dir=})
 * @param memoryBytes budget for rebuilt versions held in memory ({@code cache_mem=})
 * @param memoryMaxFile larger rebuilt versions go to spill files ({@code cache_mem_file=})
 * @param diskBytes budget for spill files ({@code cache_disk=})
 * @param indexBytes budget for session indexes ({@code index_mem=})
 * @param refresh how often hosts and sessions are re-checked ({@code refresh=} seconds)
 * @param timeout longest wait for an index build or a rebuild ({@code timeout=} seconds)
 * @param threads threads that build indexes and rebuild versions ({@code threads=})
 * @param warmUp run {@link MountWarmUp} before reporting the mount ready (off with {@code
 *     no_warm_up})
 * @param readdirPlus listings carry each entry's attributes ({@link ReaddirPlus}; off with {@code
 *     no_readdirplus})
 * @param log where a daemon writes its log ({@code log=}), or null for the default
 * @param fuseOptions options for libfuse, passed through
 * @param notes what was ignored and why, for the user
 */
public record MountOptions(
    ZoneId zone,
    boolean numericIds,
    Path cacheDir,
    long memoryBytes,
    long memoryMaxFile,
    long diskBytes,
    long indexBytes,
    Duration refresh,
    Duration timeout,
    int threads,
    boolean warmUp,
    boolean readdirPlus,
    Path log,
    List<String> fuseOptions,
    List<String> notes) {

  /** How long entries listed from a timestamp-named session stay valid in the kernel (default timeouts). */
  static final long KEEP_STABLE_SECONDS = 3600;

  /**
   * How long the kernel may keep entries listed from a session that cannot change ({@link
   * ReaddirPlus}): an hour, or 0 (the timeouts as they are) when {@code entry_timeout} or {@code
   * attr_timeout} was given.
   */
  public long keepStableSeconds() {
    boolean set = fuseOptions.stream().anyMatch(o -> o.startsWith("entry_timeout=") || o.startsWith("attr_timeout="));
    return set ? 0 : KEEP_STABLE_SECONDS;
  }

  /** Heap beyond the two memory budgets: metadata streams, side files, libfuse and JVM bookkeeping. */
  public static final long HEAP_HEADROOM = 256L << 20;

  private static final Set<String> FUSE_FLAGS = Set.of("allow_other", "allow_root", "noexec", "exec", "noatime",
      "atime", "relatime", "nodiratime", "sync", "async", "dirsync", "intr", "auto_unmount");
  private static final Set<String> FUSE_VALUES = Set.of("entry_timeout", "attr_timeout", "negative_timeout",
      "max_read", "max_readahead", "fsname", "intr_signal", "uid", "gid", "umask");
  private static final Set<String> FORCED = Set.of("ro", "default_permissions", "use_ino", "nosuid", "nodev");
  private static final Set<String> MOUNT8 = Set.of("defaults", "auto", "noauto", "user", "users", "nouser", "owner",
      "group", "nofail", "_netdev", "loop", "bg", "fg");

  public MountOptions {
    fuseOptions = List.copyOf(fuseOptions);
    notes = List.copyOf(notes);
  }

  /** The defaults: system zone, names mapped, 64 MiB + 2 MiB files in memory, 4 GiB spill, 256 MiB indexes. */
  public static MountOptions defaults() {
    return parse(List.of());
  }

  /**
   * Parses the values of every {@code -o} given (each a comma-separated list).
   *
   * @throws IllegalArgumentException naming the first unknown or malformed option
   */
  public static MountOptions parse(List<String> dashO) {
    Builder b = new Builder();
    for (String list : dashO) {
      for (String opt : list.split(",")) {
        if (!opt.isBlank()) {
          b.apply(opt.trim());
        }
      }
    }
    if (b.memoryMaxFile > b.memoryBytes) {
      b.memoryMaxFile = b.memoryBytes;
    }
    return new MountOptions(b.zone, b.numericIds, b.cacheDir, b.memoryBytes, b.memoryMaxFile, b.diskBytes,
        b.indexBytes, b.refresh, b.timeout, b.threads, b.warmUp, b.readdirPlus, b.log, b.fuse, b.notes);
  }

  /** The heap the serving JVM gets: both memory budgets plus {@link #HEAP_HEADROOM}. */
  public long heapBytes() {
    return indexBytes + memoryBytes + HEAP_HEADROOM;
  }

  /** True when the user asked for {@code allow_other}. */
  public boolean allowOther() {
    return fuseOptions.contains("allow_other");
  }

  /**
   * The {@code -o} value for libfuse: the forced options, {@code subtype=rewind}, an {@code
   * fsname} naming the root (unless given), 60 s entry and attribute timeouts (unless given;
   * every session's tree is immutable), then the pass-through options.
   */
  public String fuseOptionString(String fsname) {
    List<String> out = new ArrayList<>(List.of("ro", "default_permissions", "use_ino", "subtype=rewind"));
    if (fuseOptions.stream().noneMatch(o -> o.startsWith("fsname="))) {
      out.add("fsname=" + fsname.replace("\\", "\\\\").replace(",", "\\,"));
    }
    if (fuseOptions.stream().noneMatch(o -> o.startsWith("entry_timeout="))) {
      out.add("entry_timeout=60");
    }
    if (fuseOptions.stream().noneMatch(o -> o.startsWith("attr_timeout="))) {
      out.add("attr_timeout=60");
    }
    out.addAll(fuseOptions);
    out.add("nosuid");
    out.add("nodev");
    return String.join(",", out);
  }

  /** Turns {@code 64M}, {@code 4G}, {@code 512K} or plain bytes into bytes. */
  static long size(String name, String v) {
    String s = v.trim().toUpperCase(Locale.ROOT);
    long unit = 1;
    if (s.endsWith("B")) {
      s = s.substring(0, s.length() - 1);
    }
    if (!s.isEmpty() && "KMGT".indexOf(s.charAt(s.length() - 1)) >= 0) {
      unit = 1L << (10 * ("KMGT".indexOf(s.charAt(s.length() - 1)) + 1));
      s = s.substring(0, s.length() - 1);
    }
    try {
      long n = Long.parseLong(s);
      if (n < 0 || n > Long.MAX_VALUE / unit) {
        throw new NumberFormatException();
      }
      return n * unit;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("mount option '" + name + "=" + v + "': expected a size such as 64M or 4G");
    }
  }

  private static final class Builder {
    ZoneId zone = ZoneId.systemDefault();
    boolean numericIds;
    Path cacheDir = Path.of("/var/tmp");
    long memoryBytes = 64L << 20;
    long memoryMaxFile = 2L << 20;
    long diskBytes = 4L << 30;
    long indexBytes = 256L << 20;
    Duration refresh = Duration.ofSeconds(1);
    Duration timeout = Duration.ofMinutes(10);
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    boolean warmUp = true;
    boolean readdirPlus = true;
    Path log;
    final List<String> fuse = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    void apply(String opt) {
      int eq = opt.indexOf('=');
      String name = eq < 0 ? opt : opt.substring(0, eq);
      String value = eq < 0 ? null : opt.substring(eq + 1);
      if (own(name, value)) {
        return;
      }
      if (FORCED.contains(name) && value == null) {
        return; // always on
      }
      if (FUSE_FLAGS.contains(name) && value == null || FUSE_VALUES.contains(name) && value != null) {
        fuse.add(opt);
      } else if (name.equals("rw")) {
        notes.add("'rw' ignored: the history is always mounted read-only");
      } else if (name.equals("suid") || name.equals("dev")) {
        notes.add("'" + name + "' ignored: setuid bits and device nodes in backups never take effect (nosuid,nodev)");
      } else if (MOUNT8.contains(name) || name.startsWith("x-") || name.equals("comment")) {
        return; // mount(8) bookkeeping
      } else {
        throw new IllegalArgumentException("unknown mount option '" + opt + "'");
      }
    }

    /** Rewind's own options; true when {@code name} was one. */
    boolean own(String name, String value) {
      switch (name) {
        case "tz" -> zone = zone(need(name, value));
        case "numeric_ids" -> numericIds = flag(name, value);
        case "cache_dir" -> cacheDir = Path.of(need(name, value));
        case "cache_mem" -> memoryBytes = size(name, need(name, value));
        case "cache_mem_file" -> memoryMaxFile = size(name, need(name, value));
        case "cache_disk" -> diskBytes = size(name, need(name, value));
        case "index_mem" -> indexBytes = size(name, need(name, value));
        case "refresh" -> refresh = Duration.ofMillis(seconds(name, need(name, value), 0));
        case "timeout" -> timeout = Duration.ofMillis(seconds(name, need(name, value), 1));
        case "threads" -> threads = count(name, need(name, value));
        case "no_warm_up" -> warmUp = !flag(name, value);
        case "no_readdirplus" -> readdirPlus = !flag(name, value);
        case "log" -> log = Path.of(need(name, value));
        default -> {
          return false;
        }
      }
      return true;
    }

    private static String need(String name, String value) {
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException("mount option '" + name + "' needs a value (" + name + "=...)");
      }
      return value;
    }

    private static boolean flag(String name, String value) {
      if (value != null) {
        throw new IllegalArgumentException("mount option '" + name + "' takes no value");
      }
      return true;
    }

    private static ZoneId zone(String v) {
      try {
        return ZoneId.of(v);
      } catch (DateTimeException e) {
        throw new IllegalArgumentException("mount option 'tz=" + v + "': unknown time zone");
      }
    }

    private static int count(String name, String v) {
      try {
        int n = Integer.parseInt(v);
        if (n < 1 || n > 64) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("mount option '" + name + "=" + v + "': expected a number from 1 to 64");
      }
    }

    /** A non-negative decimal number of seconds as milliseconds, at least {@code min} seconds. */
    private static long seconds(String name, String v, long min) {
      try {
        double d = Double.parseDouble(v);
        if (!(d >= min) || d > 1e9) {
          throw new NumberFormatException();
        }
        return Math.round(d * 1000);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("mount option '" + name + "=" + v + "': expected a number"
            + (min > 0 ? " of at least " + min : ""));
      }
    }
  }
}
