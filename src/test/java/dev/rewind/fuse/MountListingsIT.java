package dev.rewind.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.posix.Posix;
import dev.rewind.posix.Stat;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindMount;
import dev.rewind.testing.SampleRepos;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listings through a real mount: with READDIRPLUS (the default) every entry's attributes come
 * with the listing ({@link ReaddirPlus}), and must be exactly what a LOOKUP of each name returns
 * ({@code -o no_readdirplus}); the kernel really takes them (no LOOKUP round trip per entry
 * afterwards); and only listings that cannot change are kept by the kernel across opens.
 */
@Tag("fuse")
@ExtendWith(RewindMount.Cleanup.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MountListingsIT {
  private static final long T1 = 1_700_000_000L;
  /** More entries than one READDIRPLUS reply holds (a page of about 25 entries), names up to the longest. */
  private static final int WIDE = 2_000;

  @TempDir static Path work;
  private static Path root;

  @BeforeAll
  static void repositories() throws IOException {
    Tools.requireRoot();
    Tools.require("fusermount", "rdiff-backup", "setfacl");
    root = work.resolve("root");
    SampleRepos.Sample sample = SampleRepos.build(SampleRepos.Variant.DEFAULT, root);
    TreeBuilder wide = TreeBuilder.at(work.resolve("src-wide"), T1 - 60).dir("d");
    for (int i = 0; i < WIDE; i++) {
      String name = i + "-" + "n".repeat(i % 250);
      if (i % 7 == 0) {
        wide.dir("d/" + name);
      } else if (i % 11 == 0) {
        wide.symlink("d/" + name, "../elsewhere/" + i);
      } else {
        wide.file("d/" + name, "entry " + i + "\n");
      }
    }
    sample.rdiff().backup(work.resolve("src-wide"), root.resolve("wide"), T1).expect(0);
  }

  private static Path mount(String name, String options) throws IOException {
    Path mnt = Files.createDirectory(work.resolve(name));
    return RewindMount.foreground(root, mnt, "tz=UTC," + options).path();
  }

  @Test
  void everyEntryListedWithAttributes_isWhatALookupOfItsNameGives() throws IOException {
    Path plus = mount("mnt-plus", "no_warm_up");
    Path lookups = mount("mnt-lookups", "no_warm_up,no_readdirplus");
    for (String host : List.of("repo", "wide")) {
      for (String session : RewindMount.names(lookups.resolve(host))) {
        Map<String, String> viaLookups = walk(lookups.resolve(host).resolve(session));
        Map<String, String> viaListings = walk(plus.resolve(host).resolve(session));
        assertTrue(viaLookups.size() > 10, host + "/" + session + ": " + viaLookups.keySet());
        assertEquals(List.of(), differences(viaLookups, viaListings), host + "/" + session);
      }
    }
  }

  @Test
  void listingADirectory_givesTheKernelEveryEntry_statsNeedNoLookup() throws IOException {
    Path plus = mount("mnt-dentries-plus", "no_warm_up");
    Path lookups = mount("mnt-dentries-lookups", "no_warm_up,no_readdirplus");
    long withAttributes = dentriesMadeByListing(plus.resolve("wide/latest/d"));
    long without = dentriesMadeByListing(lookups.resolve("wide/latest/d"));
    assertTrue(withAttributes >= WIDE, "a listing with attributes has the kernel cache each entry: " + withAttributes);
    assertTrue(without < WIDE / 4, "a plain listing caches no entry: " + without);
  }

  @Test
  void dayNamedDirectory_listsTheDaysLaterSession_timestampNamedOneKeepsItsOwn() throws IOException {
    RdiffBackup rdiff = RdiffBackup.withTz("UTC");
    Path own = Files.createDirectory(work.resolve("root-days"));
    TreeBuilder t = TreeBuilder.at(work.resolve("src-days"), T1 - 60).dir("d").file("d/a", "a\n");
    rdiff.backup(work.resolve("src-days"), own.resolve("web"), T1).expect(0);
    Path mnt = Files.createDirectory(work.resolve("mnt-days"));
    Path host = RewindMount.foreground(own, mnt, "tz=UTC,no_warm_up").path().resolve("web");
    String day = Instant.ofEpochSecond(T1).toString().substring(0, 10);
    String first = Instant.ofEpochSecond(T1).toString();
    assertEquals(List.of("a"), RewindMount.names(host.resolve(day).resolve("d")));
    assertEquals(List.of("a"), RewindMount.names(host.resolve(first).resolve("d")));

    t.clock(T1 + 60).file("d/b", "b\n");
    rdiff.backup(work.resolve("src-days"), own.resolve("web"), T1 + 120).expect(0); // the same day
    RewindMount.await("the day's name lists its later session", Duration.ofSeconds(20),
        () -> RewindMount.names(host.resolve(day).resolve("d")).contains("b"));
    assertEquals(List.of("a", "b"), RewindMount.names(host.resolve(day).resolve("d")));
    assertEquals(List.of("a"), RewindMount.names(host.resolve(first).resolve("d")));
  }

  /** "path: expected | actual" for each path whose line differs, at most 10. */
  private static List<String> differences(Map<String, String> expected, Map<String, String> actual) {
    List<String> out = new ArrayList<>();
    java.util.Set<String> paths = new java.util.TreeSet<>(expected.keySet());
    paths.addAll(actual.keySet());
    for (String p : paths) {
      if (out.size() < 10 && !java.util.Objects.equals(expected.get(p), actual.get(p))) {
        out.add(p + ": " + expected.get(p) + " | " + actual.get(p));
      }
    }
    return out;
  }

  /** Kernel dentries made while listing {@code dir} (a readdir, no stat). */
  private static long dentriesMadeByListing(Path dir) throws IOException {
    long before = dentries();
    int listed = Posix.list(Posix.bytes(dir)).size();
    long after = dentries();
    assertEquals(WIDE, listed);
    return after - before;
  }

  /** The kernel's count of dentries (read as a stream: procfs reads by file size come back short). */
  private static long dentries() throws IOException {
    try (InputStream in = new FileInputStream("/proc/sys/fs/dentry-state")) {
      return Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+")[0]);
    }
  }

  /** Every path below {@code top} with its attributes as lstat sees them, and each directory's listing in order. */
  private static Map<String, String> walk(Path top) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    walk(Posix.bytes(top), "", out);
    return out;
  }

  private static void walk(byte[] dir, String rel, Map<String, String> out) throws IOException {
    List<byte[]> children = Posix.list(dir);
    List<String> names = new ArrayList<>();
    for (byte[] name : children) {
      names.add(new String(name, StandardCharsets.ISO_8859_1));
    }
    out.put(rel + "/", String.join("|", names));
    for (byte[] name : children) {
      byte[] path = Posix.join(dir, name);
      String childRel = rel + "/" + new String(name, StandardCharsets.ISO_8859_1);
      Stat st = Posix.lstat(path);
      out.put(childRel, String.format("mode=%o uid=%d gid=%d size=%d mtime=%d nlink=%d ino=%d rdev=%d:%d", st.mode(),
          st.uid(), st.gid(), st.size(), st.mtimeSeconds(), st.nlink(), st.inode(), st.rdevMajor(), st.rdevMinor()));
      if ((st.mode() & Stat.S_IFMT) == Stat.S_IFDIR) {
        walk(path, childRel, out);
      }
    }
  }
}
