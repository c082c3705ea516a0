package dev.rewind.cli;

import dev.rewind.config.GlobalConfig;
import dev.rewind.config.RewindConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where {@code status} and {@code report} find the hosts, and when a host counts as stale. What
 * the command line leaves out comes from the configuration ({@code repository_root}, {@code
 * state_dir}, {@code stale_after} in rewind.conf) when there is one, else from the defaults.
 */
final class HostsOptions {
  @Option(names = "--root", paramLabel = "DIR",
      description = "The repository root (default: repository_root of rewind.conf, else /srv/rewind).")
  Path root;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where pull keeps <host>.state files (default: state_dir of rewind.conf, else /var/lib/rewind).")
  Path stateDir;

  @Option(names = "--stale-after", paramLabel = "TIME",
      description = "A host whose last session is older than this interval (3D, 36h, 1W) is an alarm"
          + " (default: stale_after of rewind.conf, else 2D).")
  String staleAfter;

  /** The options with the configuration's values (or the defaults) filled in. */
  record Resolved(Path root, Path stateDir, long staleAfterSeconds) {}

  Resolved resolve(Path configDir) throws IOException {
    // a configuration that exists must be valid; none at all is fine (status of a plain directory)
    GlobalConfig g = Files.isRegularFile(configDir.resolve("rewind.conf")) ? RewindConfig.load(configDir).global() : null;
    Path r = root != null ? root : g != null ? g.repositoryRoot() : Path.of("/srv/rewind");
    Path s = stateDir != null ? stateDir : g != null ? g.stateDir() : Path.of("/var/lib/rewind");
    long stale = staleAfter != null ? staleAfterSeconds(staleAfter) : g != null ? g.staleAfter().toSeconds() : 2 * 86_400L;
    return new Resolved(r, s, stale);
  }

  private static long staleAfterSeconds(String text) {
    if (!text.matches("(\\d+[smhDWMY])+")) {
      throw new IllegalArgumentException("--stale-after '" + text + "': expected an interval such as 2D, 36h or 1W");
    }
    return dev.rewind.history.TimeSpec.intervalSeconds(text);
  }
}
