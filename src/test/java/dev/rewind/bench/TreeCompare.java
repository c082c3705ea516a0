package dev.rewind.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Compares two restored trees: the same paths with the same type, size, SHA-1 of the content
 * and symlink target, and (unless content only) the same permission bits, owner and whole-second
 * mtime (symlinks: no mtime, as rdiff-backup records none).
 */
final class TreeCompare {
  private TreeCompare() {}

  /** One entry of a scanned tree. */
  record Entry(char type, long size, int mode, int uid, int gid, long mtime, String link, String sha1) {}

  /** A scanned tree and the totals that go into the report. */
  record Scan(SortedMap<String, Entry> entries, long files, long bytes, String digest) {}

  static Scan scan(Path root) {
    SortedMap<String, Entry> out = new TreeMap<>();
    long files = 0;
    long bytes = 0;
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        char type = switch (mode & 0170000) {
          case 0040000 -> 'd';
          case 0100000 -> 'f';
          case 0120000 -> 'l';
          default -> '?';
        };
        long size = type == 'f' ? (Long) a.get("size") : 0;
        String link = type == 'l' ? Files.readSymbolicLink(p).toString() : null;
        String sha1 = type == 'f' ? sha1(p) : null;
        long mtime = type == 'l' ? 0 : ((FileTime) a.get("lastModifiedTime")).toMillis() / 1000;
        String rel = root.relativize(p).toString();
        out.put(rel.isEmpty() ? "." : rel, new Entry(type, size, mode & 07777, (Integer) a.get("uid"),
            (Integer) a.get("gid"), mtime, link, sha1));
        if (type == 'f') {
          files++;
          bytes += size;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    MessageDigest all = digest();
    out.forEach((path, e) -> all.update((path + "\0" + e.type() + e.size() + "\0" + e.link() + "\0" + e.sha1() + "\n")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    return new Scan(out, files, bytes, HexFormat.of().formatHex(all.digest()));
  }

  /** Scans both trees at once (one thread each); returns {@code [a, b]}. */
  static Scan[] scanBoth(Path a, Path b) {
    CompletableFuture<Scan> fa = CompletableFuture.supplyAsync(() -> scan(a));
    Scan sb = scan(b);
    return new Scan[] {fa.join(), sb};
  }

  /** The differences between {@code expected} and {@code actual}, at most {@code limit} of them. */
  static List<String> differences(Scan expected, Scan actual, boolean contentOnly, int limit) {
    List<String> diffs = new ArrayList<>();
    for (var e : expected.entries().entrySet()) {
      if (diffs.size() >= limit) {
        return diffs;
      }
      Entry x = e.getValue();
      Entry y = actual.entries().get(e.getKey());
      if (y == null) {
        diffs.add("missing: " + e.getKey());
      } else if (x.type() != y.type() || x.size() != y.size() || !Objects.equals(x.sha1(), y.sha1())
          || !Objects.equals(x.link(), y.link())) {
        diffs.add("content differs: " + e.getKey() + ": expected " + x + ", got " + y);
      } else if (!contentOnly && (x.mode() != y.mode() || x.uid() != y.uid() || x.gid() != y.gid()
          || x.mtime() != y.mtime())) {
        diffs.add("metadata differs: " + e.getKey() + ": expected " + x + ", got " + y);
      }
    }
    for (String path : actual.entries().keySet()) {
      if (diffs.size() >= limit) {
        break;
      }
      if (!expected.entries().containsKey(path)) {
        diffs.add("unexpected: " + path);
      }
    }
    return diffs;
  }

  private static String sha1(Path file) throws IOException {
    MessageDigest md = digest();
    byte[] buf = new byte[1 << 18];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
