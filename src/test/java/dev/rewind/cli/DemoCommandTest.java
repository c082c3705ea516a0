package dev.rewind.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir Path tmp;

  @Test
  void demo_threeDays_restoresDayOneAsItWas() throws Exception {
    Path dir = tmp.resolve("demo");
    assertEquals(0, Main.run("--current-time", "1711962000", "demo", "--no-mount", "--dir", dir.toString()));
    Path day1 = dir.resolve("restored-day1");
    assertEquals("Day 1: the server was installed.\n", Files.readString(day1.resolve("notes.txt")));
    assertTrue(Files.exists(day1.resolve("will-vanish.txt")));
    assertFalse(Files.exists(day1.resolve("docs/new-on-day3.txt")));
    assertTrue(Files.isSymbolicLink(day1.resolve("latest-notes")));
  }

  @Test
  void demo_runTwice_startsOver() throws Exception {
    Path dir = tmp.resolve("demo");
    assertEquals(0, Main.run("--current-time", "1711962000", "demo", "--no-mount", "--dir", dir.toString()));
    assertEquals(0, Main.run("--current-time", "1711962000", "demo", "--no-mount", "--dir", dir.toString()));
  }

  @Test
  void demo_foreignNonEmptyDirectory_refused() throws Exception {
    Files.writeString(tmp.resolve("precious.txt"), "keep me");
    assertEquals(ExitCode.ERROR, Main.run("demo", "--no-mount", "--dir", tmp.toString()));
    assertEquals("keep me", Files.readString(tmp.resolve("precious.txt")));
  }

  @Test
  void demo_givenSource_backedUpAndLeftAsItWas() throws Exception {
    Path mine = tmp.resolve("mine");
    Files.createDirectories(mine.resolve("etc"));
    Files.writeString(mine.resolve("etc/hosts"), "127.0.0.1 localhost\n");
    Path dir = tmp.resolve("demo");
    assertEquals(0, Main.run("--current-time", "1711962000", "demo", "--no-mount", "--source", mine.toString(),
        "--dir", dir.toString()));
    assertEquals("127.0.0.1 localhost\n", Files.readString(dir.resolve("restored-day1/etc/hosts")));
    assertEquals("127.0.0.1 localhost\n", Files.readString(mine.resolve("etc/hosts")));
    assertFalse(Files.exists(mine.resolve("notes.txt")), "the sample's changes are not made to a given directory");
  }

  @Test
  void demo_givenSourceHoldingTheDemoDirectory_leavesTheDemoOut() throws Exception {
    Path mine = tmp.resolve("mine");
    Files.createDirectories(mine);
    Files.writeString(mine.resolve("a.txt"), "a\n");
    Path dir = mine.resolve("demo");
    assertEquals(0, Main.run("--current-time", "1711962000", "demo", "--no-mount", "--source", mine.toString(),
        "--dir", dir.toString()));
    assertEquals("a\n", Files.readString(dir.resolve("restored-day1/a.txt")));
    assertFalse(Files.exists(dir.resolve("restored-day1/demo")), "the demo's own repository is not backed up");
  }

  @Test
  void demo_givenSourceInsideTheDemoDirectory_refused() throws Exception {
    Path dir = tmp.resolve("demo");
    Path inside = dir.resolve("precious");
    Files.createDirectories(inside);
    Files.writeString(inside.resolve("keep.txt"), "keep me");
    assertEquals(ExitCode.ERROR, Main.run("demo", "--no-mount", "--source", inside.toString(), "--dir", dir.toString()));
    assertEquals("keep me", Files.readString(inside.resolve("keep.txt")));
  }
}
