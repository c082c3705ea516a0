package dev.rewind.backup;

import dev.rewind.testing.Proc;
import dev.rewind.testing.SampleRepos;
import dev.rewind.testing.SampleRepos.Sample;
import dev.rewind.testing.SampleRepos.Variant;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The default sample repository (six sessions written by rdiff-backup), built once per test JVM
 * and shared by {@link RetentionIT} and {@link VerifierIT}: building it is their slowest step.
 * Tests read it as it is and change only copies ({@link #copyOfRepo}). Deleted when the JVM ends.
 */
final class RetentionSample {
  private static Sample sample;

  private RetentionSample() {}

  static synchronized Sample get() {
    if (sample == null) {
      try {
        Path dir = Files.createTempDirectory("rewind-retention-sample-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            TreeBuilder.deleteRecursively(dir);
          } catch (IOException e) {
            // left in the temp directory
          }
        }));
        sample = SampleRepos.build(Variant.DEFAULT, dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return sample;
  }

  /** A private copy of the sample repository at {@code target} ({@code cp -a} keeps every name and node). */
  static Path copyOfRepo(Path target) {
    Proc.run(List.of("cp", "-a", get().repo().toString(), target.toString()), null, Map.of(),
        Duration.ofSeconds(60)).expect(0);
    return target;
  }
}
