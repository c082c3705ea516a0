package dev.rewind.backup;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * rdiff-backup's include/exclude globs: rules are tried in order and the first that matches a
 * path decides; a path no rule matches is included. Globs match the full source path ({@code
 * **} crosses directories, {@code *} and {@code ?} do not). An exclude that matches a directory
 * excludes everything below it; an include that could match something below a directory keeps
 * that directory so the walk can reach it.
 */
public final class Selection {
  /** One {@code --include} or {@code --exclude} glob. */
  public record Rule(boolean include, String glob, Pattern pattern, String literalPrefix) {
    public static Rule of(boolean include, String userGlob) {
      // Paths are matched as Latin-1 views of their bytes; give the glob the same view.
      String glob = new String(userGlob.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      return new Rule(include, glob, Pattern.compile(toRegex(glob), Pattern.DOTALL), Selection.literalPrefix(glob));
    }
  }

  private final List<Rule> rules;

  public Selection(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  public static Selection everything() {
    return new Selection(List.of());
  }

  /**
   * Whether the entry at {@code fullPath} (bytes: the source root joined with the relative path)
   * is backed up.
   */
  public boolean includes(byte[] fullPath, boolean directory) {
    String p = new String(fullPath, StandardCharsets.ISO_8859_1);
    for (Rule r : rules) {
      if (r.pattern().matcher(p).matches()) {
        return r.include();
      }
      if (r.include() && directory && leadsTo(p, r)) {
        return true;
      }
    }
    return true;
  }

  /** True when the directory {@code dir} lies on the way to what the include rule names. */
  private static boolean leadsTo(String dir, Rule r) {
    String prefix = r.literalPrefix();
    return r.glob().startsWith("**") || prefix.startsWith(dir + "/") || (dir + "/").startsWith(prefix);
  }

  static String toRegex(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else if (c == '[') {
        int end = glob.indexOf(']', i + 1);
        if (end < 0) {
          re.append("\\[");
        } else {
          String body = glob.substring(i + 1, end).replace("\\", "\\\\");
          re.append('[').append(body.startsWith("!") ? "^" + body.substring(1) : body).append(']');
          i = end;
        }
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    // A glob naming a directory also names everything below it.
    return re + "(/.*)?";
  }

  private static String literalPrefix(String glob) {
    int cut = glob.length();
    for (String meta : new String[] {"*", "?", "["}) {
      int i = glob.indexOf(meta);
      if (i >= 0) {
        cut = Math.min(cut, i);
      }
    }
    return glob.substring(0, cut);
  }
}
