package dev.rewind.pull;

import dev.rewind.backup.Selection;
import dev.rewind.backup.Selection.Verdict;
import dev.rewind.backup.SourceSelection;
import dev.rewind.config.HostConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The source directory and selection rules of one host, from its {@code path}, {@code include}
 * and {@code exclude} keys. rdiff-backup backs up one directory per repository: a single
 * {@code path} is that directory; several make the source {@code /} with each path included and
 * everything else excluded. Rules: the host's includes first (they override excludes), then the
 * excludes, then the paths, then {@code **}. An exclude that covers a configured path itself
 * (the default {@code /tmp} for {@code path = /tmp/x}) is dropped, since the path was asked for
 * by name; global rules that cannot match anything below a single path are dropped too.
 */
final class HostSelection {
  private HostSelection() {}

  /**
   * @param keepOut directories of this machine never backed up (repositories), for local hosts
   */
  static SourceSelection of(HostConfig host, List<String> keepOut) {
    List<String> paths = host.paths();
    String root = paths.size() == 1 ? paths.get(0) : "/";
    List<Selection.Rule> excludes = new ArrayList<>();
    for (String glob : host.excludes()) {
      Selection.Rule r = Selection.Rule.of(false, glob);
      if (canMatchBelow(root, r) && paths.stream().noneMatch(p -> covers(r, p))) {
        excludes.add(r);
      }
    }
    List<Selection.Rule> rules = new ArrayList<>();
    if (paths.size() > 1 || !excludes.isEmpty()) { // an include with nothing after it would change nothing
      for (String glob : host.includes()) {
        Selection.Rule r = Selection.Rule.of(true, glob);
        if (canMatchBelow(root, r)) {
          rules.add(r);
        }
      }
    }
    rules.addAll(excludes);
    if (paths.size() > 1) {
      paths.forEach(p -> rules.add(Selection.Rule.of(true, p)));
      rules.add(Selection.Rule.of(false, "**"));
    }
    return SourceSelection.of(root, host.isLocal() ? keepOut : List.of(), rules);
  }

  /** Whether {@code rule} could decide anything at or below {@code root} (rdiff-backup refuses it otherwise). */
  private static boolean canMatchBelow(String root, Selection.Rule rule) {
    List<Selection.Rule> alone = new ArrayList<>(List.of(rule));
    if (rule.include()) {
      alone.add(Selection.Rule.of(false, "**")); // a lone include is refused for another reason
    }
    try {
      new Selection(alone).check(root.getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Whether the exclude {@code rule} excludes {@code path} itself (it or an ancestor). */
  private static boolean covers(Selection.Rule rule, String path) {
    return new Selection(List.of(rule)).verdict(path.getBytes(StandardCharsets.UTF_8)) == Verdict.EXCLUDE;
  }
}
