package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.Tools;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session that changes a hard-linked pair and dies at any of its crash points: regress puts
 * the pair's old content back as one file with two names in the mirror (as the backup wrote it),
 * not as two copies, and rdiff-backup verifies the result.
 */
class RegressHardLinksIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @TempDir Path work;

  @Test
  void regress_afterACrashAnywhereInASessionThatChangedAHardLinkedPair_keepsThePairOneFile() throws IOException {
    Tools.require("rdiff-backup");
    Path src = work.resolve("src");
    long t1 = CrashSafetyIT.T1;
    TreeBuilder.at(src, t1 - 600).file("a", "old content 1234\n").file("c", "other\n").touch("", t1 - 600);
    Files.createLink(src.resolve("b"), src.resolve("a"));
    Path good = work.resolve("good");
    Proc.run(CrashSafetyIT.jarCommand("--current-time", Long.toString(t1), "backup", src.toString(), good.toString()),
        null, CrashSafetyIT.jarEnv(), TIMEOUT).expect(0);
    // same size, other bytes, a new mtime: both names change in the next session
    TreeBuilder.at(src, t1 + 600).write("a", "NEW content 5678\n").touch("a", t1 + 600);
    long t2 = t1 + CrashSafetyIT.DAY;
    long points = CrashSafetyIT.countCrashPoints(src, good, work.resolve("count"), t2);

    for (long n = 1; n <= points; n++) {
      Path repo = work.resolve("repo-" + n);
      CrashSafetyIT.copy(good, repo);
      CrashSafetyIT.expectCrash(CrashSafetyIT.crashRun(src, repo, t2, n), n);
      Proc.run(CrashSafetyIT.jarCommand("regress", repo.toString()), null, CrashSafetyIT.jarEnv(), TIMEOUT).expect(0);

      assertEquals("old content 1234\n", Files.readString(repo.resolve("a")), "crash point " + n);
      assertEquals(Files.getAttribute(repo.resolve("a"), "unix:ino"), Files.getAttribute(repo.resolve("b"), "unix:ino"),
          "crash point " + n + ": a and b are one file in the mirror again");
      RdiffBackup.withTz(CrashSafetyIT.TZ).verify(repo);
      TreeBuilder.deleteRecursively(repo);
    }
  }
}
