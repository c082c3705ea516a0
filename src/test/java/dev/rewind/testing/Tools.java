package dev.rewind.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Gatekeeper for tests that need an external tool (rdiff-backup, rdiff, sshd, fusermount).
 *
 * <p>Locally a missing tool skips the test; when {@code REWIND_REQUIRE_TOOLS=1} (set by {@code
 * .ci/run}) it fails it, so CI can never turn green by skipping.
 */
public final class Tools {
  private Tools() {}

  /** Skips (or, in CI, fails) the calling test unless every named executable is on PATH. */
  public static void require(String... executables) {
    for (String exe : executables) {
      if (find(exe) == null) {
        String why = "required tool '" + exe + "' is not installed";
        if ("1".equals(System.getenv("REWIND_REQUIRE_TOOLS"))) {
          fail(why + " (REWIND_REQUIRE_TOOLS=1)");
        }
        Assumptions.assumeTrue(false, why);
      }
    }
  }

  /** Skips (or, in CI, fails) the calling test unless it runs as root. */
  public static void requireRoot() {
    if (!"root".equals(System.getProperty("user.name"))) {
      String why = "test needs root";
      if ("1".equals(System.getenv("REWIND_REQUIRE_TOOLS"))) {
        fail(why + " (REWIND_REQUIRE_TOOLS=1)");
      }
      Assumptions.assumeTrue(false, why);
    }
  }

  /** The absolute path of an executable on PATH, or null. */
  public static Path find(String exe) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
      Path candidate = Path.of(dir, exe);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
