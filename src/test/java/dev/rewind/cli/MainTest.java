package dev.rewind.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The root command line: which verbs it builds, and that help and errors still see them all. */
class MainTest {
  @Test
  void verbsFor_aKnownVerbAfterGlobalOptions_buildsThatVerbOnly() {
    assertEquals(List.of(BackupCommand.class), Main.verbsFor("--current-time", "5", "--config", "backup", "backup", "a", "b"));
    assertEquals(List.of(ListCommand.class), Main.verbsFor("list", "increments", "repo"));
  }

  @Test
  void verbsFor_helpUnknownOrNoVerb_buildsAll() {
    int all = Main.verbsFor().size();
    assertTrue(all >= 14, "every verb and help: " + all);
    assertEquals(all, Main.verbsFor("--help").size());
    assertEquals(all, Main.verbsFor("help", "backup").size());
    assertEquals(all, Main.verbsFor("--current-time", "5", "bakup").size());
  }

  @Test
  void rootHelp_listsEveryVerb() {
    String[] out = new String[1];
    assertEquals(0, captured(false, () -> Main.run("--help"), out));
    for (String verb : List.of("backup", "list", "restore", "regress", "mount", "remove", "verify", "pull", "trust",
        "status", "report", "notify-test", "demo")) {
      assertTrue(out[0].contains("\n  " + verb + " "), verb + " in:\n" + out[0]);
    }
  }

  @Test
  void misspelledVerb_isAUsageErrorNamingIt() {
    String[] err = new String[1];
    assertEquals(ExitCode.USAGE, captured(true, () -> Main.run("bakup", "a", "b"), err));
    assertTrue(err[0].contains("bakup"), err[0]);
  }

  /** Runs with System.out (or System.err) captured into {@code text[0]}. */
  private static int captured(boolean stderr, Supplier<Integer> run, String[] text) {
    PrintStream old = stderr ? System.err : System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8);
    if (stderr) {
      System.setErr(capture);
    } else {
      System.setOut(capture);
    }
    try {
      return run.get();
    } finally {
      if (stderr) {
        System.setErr(old);
      } else {
        System.setOut(old);
      }
      text[0] = buf.toString(StandardCharsets.UTF_8);
    }
  }
}
