package dev.rewind.cli;

import dev.rewind.ops.StatusOutput;
import dev.rewind.ops.StatusScan;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Mixin HostsOptions hosts;

  @Override
  public Integer call() throws IOException {
    HostsOptions.Resolved h = hosts.resolve(main.configDir());
    StatusOutput out = new StatusOutput(StatusScan.scan(h.root(), h.stateDir()), main.now(), h.staleAfterSeconds());
    System.out.print(json ? out.json() : out.table());
    System.out.flush();
    return out.healthy() ? ExitCode.OK : ExitCode.ERROR;
  }
}
