package dev.rewind.cli;

import dev.rewind.history.TimeSpec;
import dev.rewind.ops.StatusOutput;
import dev.rewind.ops.StatusScan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code rewind status [--json] [--root DIR] [--state-dir DIR] [--stale-after TIME]}. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {
        "Show, per host, the last complete session and its age, the number of sessions, the oldest"
            + " session, the repository size and the last pull's result; for people or (--json) monitors.",
        "Hosts are the repositories ROOT/<host> (or ROOT itself if it is one repository) and the"
            + " hosts that have a <state-dir>/<host>.state file."},
    exitCodeListHeading = "%nExit codes (Nagios-style: 0 = OK, 1 = alarm):%n",
    exitCodeList = {
        "0:every host is healthy",
        "1:some host has an alarm: its last session is older than --stale-after, it has no"
            + " complete session, its repository cannot be read or its last pull failed;"
            + " or status could not be read at all (one line on stderr)",
        "2:bad command line"})
final class StatusCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--json", description = "One JSON object on stdout instead of the table.")
  boolean json;

  @Option(names = "--root", paramLabel = "DIR", defaultValue = "/srv/rewind",
      description = "The repository root (default: ${DEFAULT-VALUE}).")
  Path root;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/rewind",
      description = "Where pull keeps <host>.state files (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--stale-after", paramLabel = "TIME", defaultValue = "2D",
      description = "Alarm when a host's last session is older than this interval (3D, 36h; default: ${DEFAULT-VALUE}).")
  String staleAfter;

  @Override
  public Integer call() throws IOException {
    long stale = intervalSeconds(staleAfter, "--stale-after");
    StatusOutput out = new StatusOutput(StatusScan.scan(root, stateDir), main.now(), stale);
    System.out.print(json ? out.json() : out.table());
    System.out.flush();
    return out.healthy() ? ExitCode.OK : ExitCode.ERROR;
  }

  /** Seconds of an interval such as {@code 2D} or {@code 1W3h}. */
  static long intervalSeconds(String spec, String option) {
    if (!spec.matches("(\\d+[smhDWMY])+")) {
      throw new IllegalArgumentException(option + " '" + spec + "': expected an interval such as 2D, 36h or 1W");
    }
    return TimeSpec.intervalSeconds(spec);
  }
}
