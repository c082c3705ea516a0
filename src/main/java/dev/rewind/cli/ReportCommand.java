package dev.rewind.cli;

import dev.rewind.ops.HtmlReport;
import dev.rewind.ops.StatusScan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code rewind report --html FILE [--root DIR] [--state-dir DIR] [--stale-after TIME]}. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {
        "Write one self-contained HTML page (no scripts, nothing fetched) with, per host, its"
            + " figures and a chart of its sessions over time: repository size and bytes changed per"
            + " session, a failed last pull marked in red."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the page was written (whatever the hosts' health)", "1:it could not be written", "2:bad command line"})
final class ReportCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--html", paramLabel = "FILE", required = true, description = "The page to write (replaced atomically).")
  Path html;

  @Mixin HostsOptions hosts;

  @Override
  public Integer call() throws IOException {
    HostsOptions.Resolved h = hosts.resolve(main.configDir());
    String page = HtmlReport.render(StatusScan.scan(h.root(), h.stateDir()), main.now(), h.staleAfterSeconds());
    Path target = html.toAbsolutePath();
    Path tmp = Files.createTempFile(target.getParent(), ".rewind-report-", ".tmp");
    try {
      Files.writeString(tmp, page, StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return ExitCode.OK;
  }
}
