package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.SampleRepos;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code rewind verify --restore-test} on the six-session sample repository written by the real
 * rdiff-backup: it passes on the intact repository, and with the same seed (so the same sample)
 * it fails naming the file and the session once an increment or a mirror file it samples is
 * damaged. Its temporary directory is gone afterwards.
 */
class RestoreDrillIT {
  private static final Pattern OK_LINE = Pattern.compile("ok {6}(\\S+) {2}(.+) \\((\\d+) bytes\\)");
  private static final String SEED = "11";
  private static final String SAMPLE = "40";
  private static Path dir;
  private static SampleRepos.Sample sample;

  /** One line of the drill: a file restored from a session. */
  private record Checked(String session, String path, long size) {}

  @BeforeAll
  static void build() throws IOException {
    RewindJar.jar();
    dir = Files.createTempDirectory("rewind-drill-");
    sample = SampleRepos.build(SampleRepos.Variant.DEFAULT, dir);
  }

  @AfterAll
  static void clean() throws IOException {
    if (dir != null) {
      TreeBuilder.deleteRecursively(dir);
    }
  }

  @Test
  void drill_intactRepository_passesAndCleansUp() throws IOException {
    Set<Path> before = drillDirs();
    Proc.Result r = drill();
    assertEquals(0, r.exitCode(), r.out() + r.stderr());
    List<Checked> checked = parse(r.out());
    assertTrue(checked.size() >= 30, r.out()); // 40 draws; a session may have fewer distinct files
    assertTrue(checked.stream().map(Checked::session).distinct().count() >= 4, r.out());
    assertTrue(r.out().contains("rewind: restore drill passed: " + checked.size() + " files from "), r.out());
    assertTrue(r.out().contains("(seed " + SEED + ")"), r.out());
    assertEquals(before, drillDirs());
  }

  @Test
  void drill_damagedIncrement_failsNamingFileAndSession() throws IOException {
    List<Checked> checked = parse(drill().expect(0).out());
    String last = checked.stream().map(Checked::session).max(String::compareTo).orElseThrow();
    Checked target = null;
    Path increment = null;
    for (Checked c : checked) {
      Path inc = incrementOf(c);
      if (!c.session().equals(last) && inc != null && c.path().matches("[a-z_.]+")) {
        target = c;
        increment = inc;
        break;
      }
    }
    assertNotNull(target, "seed " + SEED + " samples no file rebuilt from an increment:\n" + checked);
    byte[] original = Files.readAllBytes(increment);
    try {
      Files.write(increment, damaged(original));
      Proc.Result r = drill();
      System.out.println(r.out() + r.stderr()); // the report shows what a failed drill says
      assertEquals(4, r.exitCode(), r.out() + r.stderr());
      assertTrue(r.out().contains("FAILED  " + target.session() + "  " + target.path() + "\n"), r.out());
      String named = "'" + target.path() + "' at session " + target.session();
      assertTrue(r.stderr().lines().anyMatch(l -> l.startsWith("rewind: error: ") && l.contains(named)), r.stderr());
      assertTrue(r.stderr().contains("rewind: restore drill FAILED: 1 of "), r.stderr());
    } finally {
      Files.write(increment, original);
    }
  }

  @Test
  void drill_damagedMirrorFile_failsNamingFileAndSession() throws IOException {
    List<Checked> checked = parse(drill().expect(0).out());
    String last = checked.stream().map(Checked::session).max(String::compareTo).orElseThrow();
    Checked target = checked.stream()
        .filter(c -> c.session().equals(last) && c.size() > 0 && c.path().matches("[a-z_.]+"))
        .findFirst().orElseThrow(() -> new AssertionError("seed " + SEED + " samples no current file:\n" + checked));
    Path mirror = sample.repo().resolve(target.path());
    byte[] original = Files.readAllBytes(mirror);
    try {
      byte[] bad = original.clone();
      bad[bad.length / 2] ^= 0x20; // same size: only the digest can tell
      Files.write(mirror, bad);
      Proc.Result r = drill();
      System.out.println(r.out() + r.stderr()); // the report shows what a failed drill says
      assertEquals(4, r.exitCode(), r.out() + r.stderr());
      assertTrue(r.out().contains("FAILED  " + target.session() + "  " + target.path() + "\n"), r.out());
      assertTrue(r.stderr().contains("'" + target.path() + "' at session " + target.session()), r.stderr());
      assertTrue(r.stderr().contains("SHA-1"), r.stderr());
    } finally {
      Files.write(mirror, original);
    }
  }

  private static Proc.Result drill() {
    return RewindJar.run(sample.variant().tz, "verify", "--restore-test", "--sample", SAMPLE, "--seed", SEED,
        sample.repo().toString());
  }

  private static List<Checked> parse(String out) {
    List<Checked> list = new ArrayList<>();
    for (String line : out.split("\n")) {
      Matcher m = OK_LINE.matcher(line);
      if (m.matches()) {
        list.add(new Checked(m.group(1), m.group(2), Long.parseLong(m.group(3))));
      }
    }
    return list;
  }

  /** The increment dated at the checked session (the first link of its rebuild chain), if any. */
  private static Path incrementOf(Checked c) {
    Path dirOf = sample.repo().resolve("rdiff-backup-data/increments");
    for (String suffix : List.of(".diff.gz", ".diff", ".snapshot.gz", ".snapshot")) {
      Path p = dirOf.resolve(c.path() + "." + c.session() + suffix);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  /** The file with a stretch in its middle overwritten: a gzip or delta that no longer decodes right. */
  private static byte[] damaged(byte[] original) {
    byte[] bad = original.clone();
    for (int i = bad.length / 3; i < Math.min(bad.length, bad.length / 3 + 16); i++) {
      bad[i] ^= (byte) 0xA5;
    }
    return bad;
  }

  private static Set<Path> drillDirs() throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith("rewind-restore-drill-")).collect(Collectors.toSet());
    }
  }
}
