package dev.rewind.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The packaged {@code rewind.jar} run as a separate process, as users run it, so that tests see
 * its real exit code and stderr. Failsafe passes the jar's path in the system property {@code
 * rewind.jar} (built in {@code package}, before {@code integration-test}).
 */
public final class RewindJar {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private RewindJar() {}

  /** The jar; skips the test when not run by Failsafe (fails under {@code REWIND_REQUIRE_TOOLS=1}). */
  public static Path jar() {
    String p = System.getProperty("rewind.jar");
    if (p == null || !Files.isRegularFile(Path.of(p))) {
      String why = "rewind.jar not available (system property rewind.jar=" + p + ")";
      if ("1".equals(System.getenv("REWIND_REQUIRE_TOOLS"))) {
        fail(why);
      }
      Assumptions.assumeTrue(false, why);
    }
    return Path.of(p);
  }

  /** {@code java -jar rewind.jar ARGS} with {@code TZ=tz}, run as the current user. */
  public static Proc.Result run(String tz, String... args) {
    return run(List.of(), tz, args);
  }

  /** The same through a user-switching prefix such as {@link RdiffBackup#AS_NOBODY}. */
  public static Proc.Result run(List<String> runAs, String tz, String... args) {
    List<String> cmd = new ArrayList<>(runAs);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // the launcher's setting: every byte of a name maps to one char
    cmd.add("-Dfile.encoding=ISO-8859-1");
    cmd.add("-jar");
    cmd.add((runAs.isEmpty() ? jar() : readableCopy()).toString());
    cmd.addAll(List.of(args));
    Map<String, String> env = new HashMap<>();
    env.put("TZ", tz);
    env.put("LC_ALL", "C.UTF-8");
    return Proc.run(cmd, null, env, TIMEOUT);
  }

  private static Path copy;

  /** A world-readable copy of the jar, for runs as another user (the build tree may be private). */
  private static synchronized Path readableCopy() {
    try {
      if (copy == null) {
        Path dir = Files.createTempDirectory("rewind-jar-");
        dir.toFile().deleteOnExit();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        copy = Files.copy(jar(), dir.resolve("rewind.jar"));
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        copy.toFile().deleteOnExit();
      }
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
