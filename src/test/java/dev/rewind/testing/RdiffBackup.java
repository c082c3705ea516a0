package dev.rewind.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The real {@code rdiff-backup} 2.x command line as a test oracle: every run has a timeout, an
 * explicit {@code TZ} (time strings in names and printed times depend on it), {@code
 * --terminal-verbosity 2} so that stdout carries only real output, and optionally runs as another
 * user (e.g. {@code setpriv --reuid=65534 ...}). Exit codes 0 and 2 (warnings) count as success.
 *
 * <p>Syntax reminder: {@code rdiff-backup [global options] ACTION [action options] ARGS}; options
 * such as {@code --api-version}, {@code --current-time} and {@code --chars-to-quote} are global.
 */
public final class RdiffBackup {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private final String tz;
  private final List<String> runAs;

  private RdiffBackup(String tz, List<String> runAs) {
    this.tz = tz;
    this.runAs = List.copyOf(runAs);
  }

  /** rdiff-backup run as the current user with {@code TZ=tz}. */
  public static RdiffBackup withTz(String tz) {
    Tools.require("rdiff-backup");
    return new RdiffBackup(tz, List.of());
  }

  /** The same, run through a user-switching prefix such as {@link #AS_NOBODY}. */
  public RdiffBackup runningAs(List<String> prefix) {
    return new RdiffBackup(tz, prefix);
  }

  /** Drops to uid/gid 65534 (nobody/nogroup) with no supplementary groups. */
  public static final List<String> AS_NOBODY =
      List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");

  public String tz() {
    return tz;
  }

  /**
   * {@code rdiff-backup [global...] --current-time T backup [actionOptions...] SRC REPO}.
   *
   * @param globalOptions e.g. {@code --api-version 201}, {@code --chars-to-quote A-Z}
   * @param actionOptions e.g. {@code --no-compression}
   */
  public Proc.Result backup(Path src, Path repo, long currentTime, List<String> globalOptions, String... actionOptions) {
    List<String> global = new ArrayList<>(globalOptions);
    global.addAll(List.of("--current-time", Long.toString(currentTime)));
    List<String> args = new ArrayList<>(Arrays.asList(actionOptions));
    args.add(src.toString());
    args.add(repo.toString());
    return run(global, "backup", args).expect(0, 2);
  }

  public Proc.Result backup(Path src, Path repo, long currentTime) {
    return backup(src, repo, currentTime, List.of());
  }

  /** {@code rdiff-backup restore --at TIME REPO[/SUB] TARGET}; {@code repoOrSub} may point below the root. */
  public Proc.Result restoreAt(Path repoOrSub, String at, Path target, String... actionOptions) {
    List<String> args = new ArrayList<>(List.of("--at", at));
    args.addAll(Arrays.asList(actionOptions));
    args.add(repoOrSub.toString());
    args.add(target.toString());
    return run(List.of(), "restore", args).expect(0, 2);
  }

  /** The same with {@code --current-time NOW}, which rdiff-backup uses for {@code now} and intervals like {@code 2D}. */
  public Proc.Result restoreAt(Path repoOrSub, String at, Path target, long now) {
    List<String> global = List.of("--current-time", Long.toString(now));
    return run(global, "restore", List.of("--at", at, repoOrSub.toString(), target.toString())).expect(0, 2);
  }

  public Proc.Result restoreAt(Path repoOrSub, long time, Path target) {
    return restoreAt(repoOrSub, Long.toString(time), target);
  }

  /** {@code rdiff-backup verify REPO}: must report every file verified (exit 0). */
  public Proc.Result verify(Path repo) {
    return run(List.of(), "verify", List.of(repo.toString())).expect(0);
  }

  /**
   * The session times {@code rdiff-backup --parsable-output list increments REPO} prints, oldest
   * first, the current mirror last. Understands both the API-200 {@code "EPOCH TYPE"} lines and
   * the API-201 YAML. Sessions without changes are not listed by rdiff-backup.
   */
  public List<Long> listIncrementsParsable(Path repo, String... globalOptions) {
    List<String> global = new ArrayList<>(Arrays.asList(globalOptions));
    global.add("--parsable-output");
    String out = run(global, "list", List.of("increments", repo.toString())).expect(0, 2).out();
    List<Long> times = new ArrayList<>();
    for (String line : out.split("\n")) {
      String l = line.trim();
      if (l.startsWith("time:")) {
        times.add(Long.parseLong(l.substring(5).trim()));
      } else if (l.matches("-?\\d+ \\w+")) {
        times.add(Long.parseLong(l.substring(0, l.indexOf(' '))));
      }
    }
    return times;
  }

  /** Any rdiff-backup command; the exit code is not checked. */
  public Proc.Result run(List<String> globalOptions, String action, List<String> args) {
    List<String> cmd = new ArrayList<>(runAs);
    cmd.add("rdiff-backup");
    cmd.addAll(globalOptions);
    cmd.addAll(List.of("--terminal-verbosity", "2"));
    cmd.add(action);
    cmd.addAll(args);
    return Proc.run(cmd, null, Map.of("TZ", tz, "LC_ALL", "C.UTF-8", "HOME", "/tmp"), TIMEOUT);
  }
}
