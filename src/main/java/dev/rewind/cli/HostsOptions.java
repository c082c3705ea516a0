package dev.rewind.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where {@code status} and {@code report} find the hosts, and when a host counts as stale. */
final class HostsOptions {
  @Option(names = "--root", paramLabel = "DIR", defaultValue = "/srv/rewind",
      description = "The repository root (default: ${DEFAULT-VALUE}).")
  Path root;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/rewind",
      description = "Where pull keeps <host>.state files (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--stale-after", paramLabel = "TIME", defaultValue = "2D",
      description = "A host whose last session is older than this interval (3D, 36h, 1W) is an alarm"
          + " (default: ${DEFAULT-VALUE}).")
  String staleAfter;

  /** Seconds of {@code --stale-after}. */
  long staleAfterSeconds() {
    if (!staleAfter.matches("(\\d+[smhDWMY])+")) {
      throw new IllegalArgumentException("--stale-after '" + staleAfter + "': expected an interval such as 2D, 36h or 1W");
    }
    return dev.rewind.history.TimeSpec.intervalSeconds(staleAfter);
  }
}
