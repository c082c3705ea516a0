package dev.rewind.fuse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks a mount point before mounting, and clears what a crashed daemon left there: a FUSE
 * mount whose daemon is gone answers every call with "Transport endpoint is not connected"
 * until it is unmounted; such a mount is removed with {@code fusermount -u -z}. A mount point
 * that is mounted and answering is refused; so is one that does not answer within a few
 * seconds (a hung daemon is not ours to kill).
 */
public final class Mountpoints {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
  private static final Duration PROBE = Duration.ofSeconds(5);

  private Mountpoints() {}

  /** One line of {@code /proc/self/mountinfo}: where, what type, from what. */
  record Mount(String mountpoint, String type, String source) {}

  /**
   * Makes {@code mountpoint} ready for a new mount, clearing a dead FUSE mount from it.
   *
   * @throws IOException when it does not exist, is not a directory, or is mounted and alive
   */
  public static void prepare(Path mountpoint, MountLog log) throws IOException {
    Path mp = mountpoint.toAbsolutePath().normalize();
    Mount existing = mountedAt(mp);
    if (existing != null) {
      Boolean alive = probe(mp);
      if (alive == null) {
        throw new IOException("'" + mp + "' is a " + existing.type() + " mount that does not answer;"
            + " unmount it with 'fusermount -u -z " + mp + "'");
      }
      if (alive) {
        throw new IOException("'" + mp + "' is already a mount point (" + existing.type() + " from "
            + existing.source() + "); unmount it first");
      }
      if (!existing.type().startsWith("fuse")) {
        throw new IOException("'" + mp + "' is a " + existing.type() + " mount that cannot be read");
      }
      log.info("removing the dead mount left on '" + mp + "' (" + existing.type() + " from " + existing.source()
          + ", its daemon is gone)");
      fusermount(mp);
      if (mountedAt(mp) != null && !Boolean.TRUE.equals(probe(mp))) {
        throw new IOException("could not remove the dead mount on '" + mp + "'");
      }
    }
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(mp, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(mp.toString(), null, "the mount point does not exist");
    }
    if (!a.isDirectory()) {
      throw new NotDirectoryException(mp.toString());
    }
  }

  /** Whether a FUSE mount of Rewind is at {@code mountpoint} now. */
  public static boolean isMounted(Path mountpoint) throws IOException {
    Mount m = mountedAt(mountpoint.toAbsolutePath().normalize());
    return m != null && m.type().equals("fuse.rewind");
  }

  /** The topmost mount at {@code mp}, or null. */
  static Mount mountedAt(Path mp) throws IOException {
    Mount found = null;
    for (Mount m : mounts()) {
      if (m.mountpoint().equals(mp.toString())) {
        found = m; // later lines are mounted on top
      }
    }
    return found;
  }

  static List<Mount> mounts() throws IOException {
    List<Mount> out = new ArrayList<>();
    for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.ISO_8859_1)) {
      Mount m = parse(line);
      if (m != null) {
        out.add(m);
      }
    }
    return out;
  }

  /** Parses a mountinfo line; paths are octal-escaped there ({@code \040} is a space). */
  static Mount parse(String line) {
    String[] f = line.split(" ");
    int dash = -1;
    for (int i = 6; i < f.length; i++) {
      if (f[i].equals("-")) {
        dash = i;
        break;
      }
    }
    if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
      return null;
    }
    return new Mount(unescape(f[4]), f[dash + 1], unescape(f[dash + 2]));
  }

  static String unescape(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** True if it answers, false if the call fails at once (a dead FUSE mount), null if it hangs. */
  private static Boolean probe(Path mp) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      // a directory read, not a stat: the kernel may answer a stat of a dead mount from its cache
      try (var entries = Files.newDirectoryStream(mp)) {
        entries.iterator().hasNext();
        f.complete(true);
      } catch (IOException | java.nio.file.DirectoryIteratorException e) {
        f.complete(false);
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    }, "rewind-mount-probe");
    t.setDaemon(true);
    t.start();
    try {
      return f.get(PROBE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      return false;
    }
  }

  private static void fusermount(Path mp) throws IOException {
    try {
      Process p = new ProcessBuilder("fusermount", "-u", "-z", mp.toString())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("'fusermount -u -z " + mp + "' did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unmounting '" + mp + "'");
    }
  }
}
