package dev.rewind.backup;

import dev.rewind.posix.Stat;
import dev.rewind.repo.TimeStrings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * What this host's {@code /proc} says about processes: whether one is alive, its name and start
 * time, and which process holds a {@code flock} on a given file. Lookups never throw: unknown
 * answers are null or 0. Thread-safe.
 */
final class ProcessTable {
  private static final Path PROC_LOCKS = Path.of("/proc/locks");

  private ProcessTable() {}

  static long self() {
    return ProcessHandle.current().pid();
  }

  /** True when a process with this id exists on this host (like rdiff-backup's kill(pid, 0)). */
  static boolean isAlive(long pid) {
    return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** This host's name as {@code uname -n} gives it (what rdiff-backup writes as hostname). */
  static String hostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** A live local process as a lock holder: its name and start time, or null when it is gone. */
  static LockHolder describe(long pid, ZoneId zone) {
    if (!isAlive(pid)) {
      return null;
    }
    Instant start = startTime(pid);
    String started = start == null ? null : TimeStrings.format(start.getEpochSecond(), zone, false);
    return new LockHolder(pid, hostname(), name(pid), started);
  }

  /**
   * When a live local process started, on today's wall clock, or null when unknown (gone, or
   * hidden from this user). The JDK adds {@code /proc/PID/stat}'s start tick to the boot time
   * that {@code /proc/stat} gives in whole seconds, rounded down, so the answer can be up to
   * about a second early, never late.
   */
  static Instant startTime(long pid) {
    return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).orElse(null);
  }

  /** The short command name ({@code /proc/PID/comm}: {@code rdiff-backup}, {@code flock}, ...). */
  private static String name(long pid) {
    try {
      String comm = Files.readString(Path.of("/proc/" + pid + "/comm"), StandardCharsets.UTF_8).trim();
      return comm.isEmpty() ? null : comm;
    } catch (IOException e) {
      return ProcessHandle.of(pid).flatMap(h -> h.info().command()).orElse(null);
    }
  }

  /**
   * The process that holds a {@code flock} on the file with this {@code lstat}, from {@code
   * /proc/locks} ({@code 1: FLOCK  ADVISORY  WRITE 21535 fe:00:2146531 0 EOF}), or 0 when none
   * is listed (or it runs in another PID namespace, shown as pid 0).
   */
  static long flockHolder(Stat file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(PROC_LOCKS, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return 0;
    }
    String id = String.format("%02x:%02x:%d", major(file.dev()), minor(file.dev()), file.inode());
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      // waiters are listed as "N: -> FLOCK ..."; only holders count
      if (f.length >= 6 && f[1].equals("FLOCK") && f[5].equals(id)) {
        try {
          return Long.parseLong(f[4]);
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  /** The major number of a glibc {@code makedev} encoding (the inverse of {@link Stat#makedev}). */
  static long major(long dev) {
    return ((dev >>> 8) & 0xfffL) | ((dev >>> 32) & 0xfffff000L);
  }

  static long minor(long dev) {
    return (dev & 0xffL) | ((dev >>> 12) & 0xffffff00L);
  }
}
