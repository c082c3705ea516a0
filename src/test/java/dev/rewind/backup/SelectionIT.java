package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rewind.cli.Main;
import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RepoChecks;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --include}/{@code --exclude} as rdiff-backup 2.2.2 applies them: for each list of
 * options, rdiff-backup and Rewind back up the same tree and the paths in the two repositories'
 * metadata must be the same. {@code SRC} in an option stands for the source directory.
 */
@Tag("interop")
class SelectionIT {
  private static final long TIME = 1711700000L;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  @TempDir static Path work;
  private static Path src;

  @BeforeAll
  static void tree() {
    Tools.require("rdiff-backup");
    src = work.resolve("src");
    TreeBuilder.at(src, TIME - 600)
        .dir("keep").file("keep/x.tmp", "x").file("keep/y.txt", "y").dir("keep/sub").file("keep/sub/z.txt", "z")
        .dir("drop").file("drop/a.txt", "a").file("drop/b.bin", "b")
        .file("dropped.txt", "not below drop/")
        .file("a.tmp", "a").file("b.txt", "b").file("c.log", "c")
        .dir("a").dir("a/b").file("a/b/file.txt", "f").file("a/b/other.bin", "o")
        .dir("a/c").file("a/c/d.txt", "d").dir("a/cache").file("a/cache/e.txt", "e")
        .dir("d1r").file("d1r/apple", "1").file("d1r/berry", "2").file("d1r/cherry", "3")
        .dir("dir").file("dir/apple", "4").file("dir/log.log", "5")
        .dir("only_bin").file("only_bin/x.bin", "x").dir("only_bin/deeper").file("only_bin/deeper/y.bin", "y")
        .dir("mixed").dir("mixed/deep").dir("mixed/deep/er").file("mixed/deep/er/n.txt", "n")
        .dir("empty_dir")
        .file("lit*star", "a star").file("litXstar", "an X")
        .file("UPPER.txt", "U").file("upper.txt", "u").dir("UpperCase").file("UpperCase/inner", "i")
        .file(TreeBuilder.raw("bad\u00ff\u00fe.tmp"), "invalid UTF-8")
        .file(TreeBuilder.raw("bad\u00ff.txt"), "invalid UTF-8")
        .file(TreeBuilder.raw("new\nline.txt"), "newline")
        .symlink("link.tmp", "keep")
        .touch("", TIME - 600);
  }

  @AfterAll
  static void cleanUp() throws IOException {
    try (var children = Files.list(work)) { // names that are not UTF-8: delete byte-exact
      for (Path p : children.toList()) {
        TreeBuilder.deleteRecursively(p);
      }
    }
  }

  static Stream<Arguments> optionLists() {
    return Stream.of(
        // the brief's example: a ** exclude, then an include inside an exclude
        Arguments.of(List.of("--exclude", "**/*.tmp", "--include", "SRC/keep", "--exclude", "SRC/drop")),
        // first match wins, in command-line order
        Arguments.of(List.of("--include", "SRC/keep", "--exclude", "SRC/**")),
        Arguments.of(List.of("--exclude", "SRC/**", "--include", "SRC/keep", "--exclude", "**.bin")),
        // "**" crosses directories but SRC/**/x needs a directory in between
        Arguments.of(List.of("--exclude", "SRC/**/*.txt")),
        Arguments.of(List.of("--exclude", "**.txt", "--exclude", "SRC/*.log")),
        // an include glob keeps only the directories on the way to a match
        Arguments.of(List.of("--include", "SRC/**/*.txt", "--exclude", "**")),
        Arguments.of(List.of("--include", "**/apple", "--exclude", "SRC/**")),
        // a literal include keeps its ancestors, its subtree, nothing else there
        Arguments.of(List.of("--include", "SRC/a/b/file.txt", "--exclude", "SRC/**")),
        Arguments.of(List.of("--exclude", "SRC/**/cache", "--include", "SRC/a", "--exclude", "SRC/**")),
        // ?, character classes and their negation
        Arguments.of(List.of("--exclude", "SRC/d?r/[ab]*", "--exclude", "SRC/dir/[!a]*")),
        // an exclude of a directory excludes its subtree, not names that merely start alike
        Arguments.of(List.of("--exclude", "SRC/drop", "--exclude", "SRC/a/c")),
        // a backslash quotes the next character
        Arguments.of(List.of("--exclude", "SRC/lit\\*star")),
        // ignorecase: prefix
        Arguments.of(List.of("--exclude", "ignorecase:SRC/upper*")),
        // a trailing slash on a plain path
        Arguments.of(List.of("--exclude", "SRC/drop/")),
        // names that are not UTF-8, matched by wildcards
        Arguments.of(List.of("--exclude", "SRC/bad*.tmp", "--exclude", "SRC/new?line.txt")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("optionLists")
  void backup_withOptions_backsUpTheSamePathsAsRdiffBackup(List<String> options) {
    assertSamePathsAsRdiffBackup(src, work, "n" + COUNTER.incrementAndGet(), options);
  }

  /**
   * Backs up {@code src} with rdiff-backup and with Rewind (in this JVM), both with {@code
   * options} ({@code SRC} in them standing for {@code src}), into new repositories {@code
   * work/rdiff-NAME} and {@code work/rewind-NAME}, and checks that their metadata lists the same paths.
   */
  static void assertSamePathsAsRdiffBackup(Path src, Path work, String name, List<String> options) {
    List<String> resolved = options.stream().map(o -> o.replace("SRC", src.toString())).toList();
    Path theirs = work.resolve("rdiff-" + name);
    Path ours = work.resolve("rewind-" + name);
    RdiffBackup.withTz("UTC").backup(src, theirs, TIME, List.of(), resolved.toArray(new String[0]));
    List<String> args = new ArrayList<>(List.of("--current-time", Long.toString(TIME), "backup"));
    args.addAll(resolved);
    args.addAll(List.of(src.toString(), ours.toString()));
    assertEquals(0, Main.run(args.toArray(new String[0])), "rewind backup exit code");
    assertEquals(RepoChecks.metadataPaths(theirs), RepoChecks.metadataPaths(ours), "paths backed up with " + options);
  }

  /**
   * Globs are matched against the source path as given: with a relative source directory,
   * rdiff-backup expects relative globs, and so must Rewind.
   */
  @Test
  void backup_relativeSourceAndGlobs_backsUpTheSamePathsAsRdiffBackup() {
    List<String> options = List.of("--exclude", "**/*.tmp", "--include", "src/keep", "--exclude", "src/*");
    List<String> rdiff = new ArrayList<>(List.of("rdiff-backup", "--terminal-verbosity", "2", "--current-time",
        Long.toString(TIME), "backup"));
    rdiff.addAll(options);
    rdiff.addAll(List.of("src", "rdiff-relative"));
    Proc.run(rdiff, work, Map.of("TZ", "UTC"), Duration.ofSeconds(120)).expect(0, 2);
    List<String> rewind = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dfile.encoding=ISO-8859-1", "-jar", RewindJar.jar().toString(), "--current-time", Long.toString(TIME), "backup"));
    rewind.addAll(options);
    rewind.addAll(List.of("src", "rewind-relative"));
    Proc.run(rewind, work, Map.of("TZ", "UTC"), Duration.ofSeconds(120)).expect(0);
    TreeSet<String> expected = RepoChecks.metadataPaths(work.resolve("rdiff-relative"));
    assertEquals(expected, RepoChecks.metadataPaths(work.resolve("rewind-relative")), "paths backed up with " + options);
  }
}
