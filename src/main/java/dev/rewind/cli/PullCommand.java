package dev.rewind.cli;

import dev.rewind.config.GlobalConfig;
import dev.rewind.config.HostConfig;
import dev.rewind.ops.Notifier;
import java.time.Clock;
import dev.rewind.config.RewindConfig;
import dev.rewind.pull.HostResult;
import dev.rewind.pull.PullRunner;
import dev.rewind.pull.SourceOpener;
import java.io.IOException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code rewind pull HOST...} and {@code rewind pull --all}: back up configured hosts. */
@Command(name = "pull", mixinStandardHelpOptions = true,
    description = {"Back up the hosts of the configuration (--config DIR, default /etc/rewind) into their"
        + " repositories, several at once, then remove sessions older than each host's retention.",
        "Prints a line when a host starts and its result line when it ends, then a summary."
            + " One host failing never stops the others."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every host ok", "1:some host failed, or the configuration is wrong",
        "2:bad command line", "4:no host failed but some had files that could not be read"})
final class PullCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--all", description = "Pull every enabled host (hosts with 'enabled = no' are left out).")
  boolean all;

  @Option(names = "--parallel", paramLabel = "N", description = "Pull at most N hosts at once (default: 'parallel' of rewind.conf).")
  Integer parallel;

  @Parameters(paramLabel = "HOST", arity = "0..*", description = "Hosts to pull (names of DIR/hosts.d/HOST.conf).")
  List<String> names = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    if (all == !names.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "name the hosts to pull, or give --all (not both)");
    }
    if (parallel != null && parallel < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--parallel must be at least 1");
    }
    RewindConfig config = RewindConfig.load(main.configDir());
    List<HostConfig> hosts = all ? config.hosts().stream().filter(HostConfig::enabled).toList() : chosen(config);
    if (hosts.isEmpty()) {
      System.out.println("no enabled host in " + config.global().dir().resolve("hosts.d"));
      return ExitCode.OK;
    }
    PullRunner runner = new PullRunner(new PullRunner.Settings(main.now(), ZoneId.systemDefault(),
        parallel != null ? parallel : config.global().parallel(), config.global().stateDir(),
        keepOut(config), SourceOpener.localOr(SourceOpener.sftp(config.global().knownHosts(), config.global().sshTimeout())),
        ErrorReporter::describe));
    // one complete line at a time, flushed: journald and pipes see each line as it happens
    List<HostResult> results = runner.run(hosts, line -> {
      System.out.println(line);
      System.out.flush();
    });
    String summary = PullRunner.summary(results);
    System.out.println(summary);
    mail(config.global(), results, summary);
    return exitCode(results);
  }

  /**
   * Mails the result lines to {@code mail_to} when a host failed (or after every run with {@code
   * mail_on = always}). A mail that cannot be sent is reported but changes no exit code: the
   * pulls themselves are what the code tells.
   */
  private void mail(GlobalConfig g, List<HostResult> results, String summary) {
    boolean trouble = results.stream().anyMatch(r -> r.outcome() != HostResult.Outcome.OK);
    if (g.mailTo().isEmpty() || (!trouble && g.mailOn() != GlobalConfig.MailOn.ALWAYS)) {
      return;
    }
    StringBuilder body = new StringBuilder();
    results.forEach(r -> body.append(r.line()).append('\n'));
    body.append(summary).append('\n');
    String subject = "rewind pull on " + RewindConfig.localHostname() + ": " + summary;
    try {
      List<String> to = List.of(g.mailTo().get().trim().split("\\s*,\\s*|\\s+"));
      Notifier.of(g.mailVia(), g.mailFrom(), to, Clock.systemUTC()).send(subject, body.toString());
    } catch (IOException | RuntimeException e) {
      System.err.println("rewind: warning: could not mail the result to " + g.mailTo().get() + " via " + g.mailVia()
          + ": " + ErrorReporter.describe(e));
    }
  }

  /** Where repositories are: a local host never backs them up (a backup of backups). */
  private static List<String> keepOut(RewindConfig config) {
    List<String> dirs = new ArrayList<>(List.of(config.global().repositoryRoot().toString()));
    config.hosts().forEach(h -> dirs.add(h.repository().toString()));
    return dirs;
  }

  private List<HostConfig> chosen(RewindConfig config) {
    List<HostConfig> hosts = new ArrayList<>();
    for (String name : new LinkedHashSet<>(names)) {
      hosts.add(config.host(name));
    }
    return hosts;
  }

  private static int exitCode(List<HostResult> results) {
    if (results.stream().anyMatch(r -> r.outcome() == HostResult.Outcome.FAILED)) {
      return ExitCode.ERROR;
    }
    return results.stream().anyMatch(r -> r.outcome() == HostResult.Outcome.PARTIAL) ? ExitCode.PARTIAL : ExitCode.OK;
  }
}
