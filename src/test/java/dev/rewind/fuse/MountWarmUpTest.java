package dev.rewind.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warm-up run as the mount runs it: through the native callbacks, on its own synthetic repository. */
class MountWarmUpTest {
  @TempDir Path cacheDir;

  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final MountLog log = new MountLog() {
    @Override
    public void warn(String message) {
      warnings.add(message);
    }

    @Override
    public void info(String message) {}
  };

  private static MountOptions options(Path cacheDir) {
    return MountOptions.parse(List.of("cache_dir=" + cacheDir, "tz=Europe/Berlin"));
  }

  @Test
  void run_everySyntheticLookupAnswered_andNothingLeftBehind() throws IOException {
    int calls = MountWarmUp.run(options(cacheDir), IdMapping.recorded(), log);

    int perRound = MountWarmUp.TOP_DIRECTORIES + MountWarmUp.DIRECTORIES * (1 + MountWarmUp.FILES_PER_DIRECTORY);
    assertEquals(MountWarmUp.ROUNDS * perRound, calls, warnings::toString);
    assertEquals(List.of(), warnings);
    try (Stream<Path> left = Files.list(cacheDir)) {
      assertEquals(List.of(), left.toList());
    }
  }

  @Test
  void run_unusableCacheDir_skippedWithAWarning() {
    Path missing = cacheDir.resolve("missing");

    assertEquals(0, MountWarmUp.run(options(missing), IdMapping.recorded(), log));
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).startsWith("warm-up skipped: "), warnings.get(0));
  }
}
