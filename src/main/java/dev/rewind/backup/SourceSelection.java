package dev.rewind.backup;

import dev.rewind.posix.Posix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one backup reads: the source directory, the path its globs are matched against (the
 * source as given, normalized, like rdiff-backup), and the selection rules, with the repository
 * itself excluded when it lies inside the source.
 *
 * @param root the source directory as bytes
 * @param matchPath the start of every full path matched by the globs
 */
public record SourceSelection(byte[] root, byte[] matchPath, Selection selection) {

  /**
   * The selection of a backup of {@code source} into {@code repo}.
   *
   * @param source the source directory as the user gave it (relative or absolute)
   * @param inside directories never backed up when they lie inside the source (the repository)
   * @param userRules the user's rules, first match wins
   */
  public static SourceSelection of(String source, List<String> inside, List<Selection.Rule> userRules) {
    byte[] root = Posix.bytes(Path.of(source));
    String matchPath = Path.of(source).normalize().toString();
    matchPath = matchPath.isEmpty() ? "." : matchPath;
    List<Selection.Rule> rules = new ArrayList<>();
    for (String dir : inside) {
      Selection.Rule r = excludeIfInside(matchPath, Posix.display(root), Posix.display(Posix.bytes(Path.of(dir))));
      if (r != null) {
        rules.add(r);
      }
    }
    rules.addAll(userRules);
    return new SourceSelection(root, Posix.bytes(matchPath), new Selection(rules));
  }

  /** An exclude of {@code dir} (absolute) as a quoted path below {@code matchPath}, or null when it is outside. */
  private static Selection.Rule excludeIfInside(String matchPath, String sourcePath, String dir) {
    String sourceDir = sourcePath.endsWith("/") ? sourcePath : sourcePath + "/";
    if (!(dir + "/").startsWith(sourceDir)) {
      return null;
    }
    String below = (dir + "/").substring(sourceDir.length()).replaceAll("/$", "");
    String glob = below.isEmpty() ? matchPath : matchPath.endsWith("/") ? matchPath + below : matchPath + "/" + below;
    return Selection.Rule.of(false, glob.replaceAll("([*?\\[\\\\])", "\\\\$1")); // quoted: a path, not a glob
  }
}
