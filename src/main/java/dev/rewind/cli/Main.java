package dev.rewind.cli;

import dev.rewind.config.RewindConfig;
import dev.rewind.posix.Posix;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code rewind} command line: global options and the verbs. */
@Command(
    name = "rewind",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Backups in the rdiff-backup 2.x repository format, with history you can mount.")
public final class Main implements Runnable {
  /** The verbs, in the order the help lists them. */
  private static final List<Class<?>> VERBS = List.of(BackupCommand.class, ListCommand.class, RestoreCommand.class,
      RegressCommand.class, MountCommand.class, RemoveCommand.class, VerifyCommand.class, PullCommand.class,
      TrustCommand.class, StatusCommand.class, ReportCommand.class, NotifyTestCommand.class, DemoCommand.class,
      CommandLine.HelpCommand.class);
  /** Global options that take a value in the next argument. */
  private static final Set<String> GLOBAL_OPTIONS_WITH_VALUE = Set.of("--current-time", "--config");

  @Option(names = "--current-time", paramLabel = "SECONDS",
      description = "Pretend the current time is this many seconds since the epoch (as rdiff-backup's option).")
  Long currentTime;

  /** The current time in epoch seconds: {@code --current-time} or the clock. */
  long now() {
    return currentTime != null ? currentTime : System.currentTimeMillis() / 1000;
  }

  @Option(names = "--config", paramLabel = "DIR",
      description = "The configuration directory of 'pull' (default: $REWIND_CONFIG, else /etc/rewind).")
  Path config;

  /** {@code --config}, else {@code $REWIND_CONFIG}, else {@code /etc/rewind}. */
  Path configDir() {
    if (config != null) {
      return config;
    }
    String env = System.getenv("REWIND_CONFIG");
    return env == null || env.isEmpty() ? RewindConfig.DEFAULT_DIR : Path.of(env);
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    bindLibcMeanwhile();
    System.exit(run(args));
  }

  /**
   * Binds libc on another thread while this one parses the command line: jnr-ffi generates the
   * binding class at run time (about a quarter of a second here), picocli builds its model by
   * reflection (about as long), and the two need not wait for each other. Every verb but help
   * and version uses libc; those exit without waiting for the thread. The calls a run needs only
   * when something changed ({@code LibcExtra}) come second, so that a run waits for fewer.
   */
  private static void bindLibcMeanwhile() {
    Thread t = new Thread(() -> {
      try {
        Posix.bind();
        Posix.bindExtra();
      } catch (Throwable e) {
        // the verb's own first call into libc meets the same failure and reports it
      }
    }, "rewind-bind-libc");
    t.setDaemon(true);
    t.start();
  }

  /** Runs the command line and returns the exit code (for tests and embedding). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    for (Class<?> verb : verbsFor(args)) {
      cli.addSubcommand(verb);
    }
    cli.setOut(new PrintWriter(System.out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(System.err, true, StandardCharsets.UTF_8));
    cli.setExecutionExceptionHandler(new ErrorReporter());
    cli.setParameterExceptionHandler((e, a) -> {
      e.getCommandLine().getErr().println("rewind: " + e.getMessage());
      e.getCommandLine().getErr().println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      return ExitCode.USAGE;
    });
    return cli.execute(args);
  }

  /**
   * The verbs to build for {@code args}: only the one named, when it is known. Picocli builds a
   * command's model by reflection, and building all of them was a good part of the start-up of
   * every run (a no-change backup takes about a second); help, version and unknown verbs still
   * get them all, for the list and the suggestions.
   */
  static List<Class<?>> verbsFor(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (GLOBAL_OPTIONS_WITH_VALUE.contains(a)) {
        i++;
      } else if (!a.startsWith("-")) {
        for (Class<?> verb : VERBS) {
          Command c = verb.getAnnotation(Command.class);
          if (c.name().equals(a) && verb != CommandLine.HelpCommand.class) {
            return List.of(verb);
          }
        }
        return VERBS;
      }
    }
    return VERBS;
  }

  /** Reports the version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"rewind " + (v == null ? "(development build)" : v)};
    }
  }
}
