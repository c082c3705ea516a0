package dev.rewind.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * For tests that disturb a backup while it runs (a killed connection, a stalled server): a run
 * in the background, a wait until it is reading a file, and big files that give the disturbance
 * time to land in the middle of one.
 */
public final class Interrupted {
  private Interrupted() {}

  /** Four sparse files of {@code size} (as truncate takes it), a-big0 to a-big3: first in index order. */
  public static void addBigFiles(Path dir, String size) {
    for (int i = 0; i < 4; i++) {
      Proc.run(List.of("truncate", "-s", size, dir.resolve("a-big" + i).toString())).expect(0);
    }
  }

  /** A run of a command (a backup, a pull). */
  public interface Run {
    Proc.Result run() throws IOException;
  }

  /** Runs {@code run} on another thread, e.g. to disturb the server meanwhile. */
  public static CompletableFuture<Proc.Result> inBackground(Run run) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return run.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Waits until the backup stages a file in the mirror (it is reading one), or fails if it ended first. */
  public static void waitForStagedFile(Path repo, CompletableFuture<Proc.Result> run) throws Exception {
    while (true) {
      if (run.isDone()) {
        throw new AssertionError("the backup ended before a file was staged: " + run.get().stderr() + run.get().out());
      }
      if (Files.isDirectory(repo)) {
        try (var s = Files.list(repo)) {
          if (s.anyMatch(p -> p.getFileName().toString().startsWith("rdiff-backup.tmp."))) {
            return;
          }
        }
      }
      Thread.sleep(20);
    }
  }
}
