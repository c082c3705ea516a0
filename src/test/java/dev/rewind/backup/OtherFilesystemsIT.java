package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.cli.Main;
import dev.rewind.testing.RepoChecks;
import dev.rewind.testing.Tmpfs;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --exclude-other-filesystems} against rdiff-backup 2.2.2, on a source with a real file
 * system (a small tmpfs) mounted inside it: both tools must back up the same paths, with the
 * option alone and at different places among {@code --include}/{@code --exclude}, where the first
 * rule that decides wins. Needs root for the mount.
 */
@Tag("interop")
class OtherFilesystemsIT {
  private static final long TIME = 1711700000L;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private static Path work;
  private static Path src;
  private static Tmpfs inside;

  @BeforeAll
  static void sourceWithAMountInside() throws IOException {
    Tools.requireRoot();
    Tools.require("rdiff-backup");
    work = Files.createTempDirectory("rewind-other-fs-");
    src = work.resolve("src");
    TreeBuilder.at(src, TIME - 600).dir("home").file("home/notes.txt", "on the source's file system")
        .file("top.tmp", "t").dir("mnt").touch("", TIME - 600);
    inside = Tmpfs.mount(src.resolve("mnt"), "4m");
    TreeBuilder.at(inside.dir(), TIME - 600).dir("keep").file("keep/a.txt", "kept").file("keep/b.tmp", "b")
        .dir("other").file("other/c.txt", "c").file("loose.txt", "l").touch("", TIME - 600);
  }

  @AfterAll
  static void unmount() throws IOException {
    if (inside != null) {
      inside.close();
    }
    if (work != null) {
      TreeBuilder.deleteRecursively(work);
    }
  }

  static Stream<Arguments> optionLists() {
    return Stream.of(
        // alone: the mount point and everything in it stay out
        Arguments.of(List.of("--exclude-other-filesystems")),
        // an include before it reaches into the mount; the glob after it still applies elsewhere
        Arguments.of(List.of("--include", "SRC/mnt/keep", "--exclude-other-filesystems", "--exclude", "**/*.tmp")),
        // the same include after it comes too late
        Arguments.of(List.of("--exclude-other-filesystems", "--include", "SRC/mnt/keep", "--exclude", "**/*.tmp")),
        // an include glob before it: the mount point is only scanned
        Arguments.of(List.of("--include", "SRC/mnt/k*", "--exclude-other-filesystems")),
        // an exclude before it decides first
        Arguments.of(List.of("--exclude", "SRC/home", "--exclude-other-filesystems")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("optionLists")
  void backup_withOptions_backsUpTheSamePathsAsRdiffBackup(List<String> options) {
    SelectionIT.assertSamePathsAsRdiffBackup(src, work, "n" + COUNTER.incrementAndGet(), options);
  }

  @Test
  void backup_withoutTheOption_crossesIntoTheMount() {
    Path ours = work.resolve("rewind-crossing");
    assertEquals(0, Main.run("--current-time", Long.toString(TIME), "backup", src.toString(), ours.toString()));
    TreeSet<String> paths = RepoChecks.metadataPaths(ours);
    assertTrue(paths.contains("mnt/other/c.txt") && paths.contains("home/notes.txt"), paths.toString());
  }
}
