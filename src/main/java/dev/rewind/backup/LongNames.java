package dev.rewind.backup;

import dev.rewind.core.FileMeta;
import dev.rewind.posix.Posix;
import dev.rewind.repo.FilenameQuoting;
import dev.rewind.repo.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The numbers rdiff-backup gives to paths whose increment names would be too long ({@code
 * AlternateIncrementName N}, increments in {@code long_filename_data/N.<T>.<type>}): a name is
 * too long when it plus 50 bytes exceeds {@code NAME_MAX}, rdiff-backup's own trial. Numbers
 * come from {@code long_filename_data/next_free} (or the highest number present, plus one), which
 * is advanced on every assignment. One instance per session; not thread-safe.
 */
final class LongNames {
  private static final int NAME_MAX = 255;
  private static final int TRIAL_PADDING = 50;
  private static final byte[] NEXT_FREE = ascii("next_free");

  private final byte[] dir;
  private final FilenameQuoting quoting;
  private Integer next;

  LongNames(Repository repo) {
    this.dir = join(repo.dataDir(), ascii("long_filename_data"));
    this.quoting = repo.quoting();
  }

  /**
   * {@code meta} itself, or a copy with a fresh {@code AlternateIncrementName} when it has no
   * alternate name yet and its increments' names would be too long.
   */
  FileMeta withAlternateNameIfNeeded(FileMeta meta) throws IOException {
    if (meta.path().isRoot() || meta.alternateIncrementName() != null || meta.alternateMirrorName() != null
        || quoting.quote(meta.path().name()).length + TRIAL_PADDING <= NAME_MAX) {
      return meta;
    }
    FileMeta.Builder b = TreeMerge.builder(meta);
    b.alternateIncrementName = assign();
    return b.build();
  }

  private int assign() throws IOException {
    IncrementWriter.mkdirs(dir);
    if (next == null) {
      next = readNextFree();
    }
    int n = next;
    while (Posix.lstatOrNull(join(dir, ascii(Integer.toString(n)))) != null) {
      n++; // never reuse a number whose mirror copy exists
    }
    next = n + 1;
    writeNextFree(next);
    return n;
  }

  private int readNextFree() throws IOException {
    byte[] file = join(dir, NEXT_FREE);
    if (Posix.lstatOrNull(file) != null) {
      try (InputStream in = Channels.newInputStream(Posix.openRead(file))) {
        String s = new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim();
        if (s.matches("\\d{1,9}")) {
          return Integer.parseInt(s);
        }
      }
    }
    int high = 0;
    for (byte[] name : Posix.list(dir)) {
      String s = new String(quoting.unquote(name), StandardCharsets.ISO_8859_1);
      int dot = s.indexOf('.');
      String head = dot < 0 ? s : s.substring(0, dot);
      if (head.matches("\\d{1,9}")) {
        high = Math.max(high, Integer.parseInt(head));
      }
    }
    return high + 1;
  }

  /** Replaces {@code next_free} atomically (temp file, fsync, rename). */
  private void writeNextFree(int value) throws IOException {
    byte[] temp = join(dir, ascii("rdiff-backup.tmp.next_free." + ProcessHandle.current().pid()));
    MirrorWriter.deleteQuietly(temp);
    try (FileChannel ch = Posix.createNew(temp, 0600)) {
      ch.write(ByteBuffer.wrap(ascii(Integer.toString(value))));
      ch.force(true);
    }
    Posix.rename(temp, join(dir, NEXT_FREE));
  }

  private static byte[] join(byte[] a, byte[] name) {
    return Posix.join(a, name);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
