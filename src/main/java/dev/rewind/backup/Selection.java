package dev.rewind.backup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * rdiff-backup's {@code --include}/{@code --exclude} globs, with its semantics (its {@code
 * selection.py}): rules are tried in order and the first that includes or excludes a path
 * decides; a path no rule decides is included. Globs match the full path (the source directory
 * as given, then the relative path): {@code **} crosses directories, {@code *} and {@code ?} do
 * not, {@code [...]} and {@code [!...]} are classes, a backslash quotes the next character, an
 * {@code ignorecase:} prefix ignores ASCII case; a glob naming a directory names its subtree. A
 * glob without any of {@code *?[\} is a plain path, compared component by component: as an
 * include it also includes its ancestors. An include glob "scans" the directories that could
 * lead to a match: when a later exclude matches such a directory, it is kept only if something
 * below it is included ({@link Verdict#SCAN}). {@code --exclude-other-filesystems} is a rule in
 * the same list, at its place on the command line: it excludes what lies on another file system
 * than the source directory, so an earlier {@code --include} can still reach into a mounted file
 * system. Immutable and thread-safe.
 */
public final class Selection {
  private static final Pattern GLOB_CHARS = Pattern.compile("(.*[*?\\[\\\\]|ignorecase:)", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  private static final String IGNORECASE = "ignorecase:";

  /** What the rules say about one path. */
  public enum Verdict {
    INCLUDE,
    EXCLUDE,
    /** Back up this directory only if something below it is included. */
    SCAN
  }

  /** One {@code --include}, {@code --exclude} or {@code --exclude-other-filesystems}. */
  public static final class Rule {
    private static final String OTHER_FILESYSTEMS = "--exclude-other-filesystems";

    private final boolean include;
    private final String glob;
    private final boolean otherFilesystems;
    private final boolean everything;
    private final List<String> components; // a plain path; null for a glob
    private final Pattern match;
    private final Pattern scan;

    private Rule(boolean include, String glob) {
      this(include, glob, false);
    }

    private Rule(boolean include, String glob, boolean otherFilesystems) {
      this.include = include;
      this.glob = glob;
      this.otherFilesystems = otherFilesystems;
      this.everything = glob.equals("**");
      if (otherFilesystems) {
        this.components = null;
        this.match = null;
        this.scan = null;
        return;
      }
      if (everything || !GLOB_CHARS.matcher(glob).lookingAt()) {
        this.components = everything ? null : components(glob);
        this.match = null;
        this.scan = null;
        return;
      }
      this.components = null;
      String g = glob;
      int flags = Pattern.DOTALL | Pattern.UNIX_LINES;
      if (g.toLowerCase(Locale.ROOT).startsWith(IGNORECASE)) {
        g = g.substring(IGNORECASE.length());
        flags |= Pattern.CASE_INSENSITIVE;
      }
      // Python's re.match of "^glob($|/)": anchored at the start, "$" also before a final newline
      this.match = Pattern.compile("^" + toRegex(g) + "($|/)", flags);
      int stars = g.indexOf("**");
      this.scan = Pattern.compile("^(" + String.join("|", prefixRegexes(stars < 0 ? g : g.substring(0, stars + 2))) + ")$", flags);
    }

    /** A rule from a user's glob (a UTF-8 string; matched against paths as bytes). */
    public static Rule of(boolean include, String userGlob) {
      // Paths are matched as Latin-1 views of their bytes; give the glob the same view.
      return new Rule(include, new String(userGlob.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    }

    /**
     * {@code --exclude-other-filesystems}: excludes every entry whose file system is not the
     * source directory's (like rdiff-backup's, it decides nothing about the others).
     */
    public static Rule excludeOtherFilesystems() {
      return new Rule(false, OTHER_FILESYSTEMS, true);
    }

    public boolean include() {
      return include;
    }

    /** The glob as given (a Latin-1 view of its UTF-8 bytes). */
    public String glob() {
      return glob;
    }

    /** This rule's say on {@code path}, or null when it has none. */
    Verdict apply(String path, boolean onOtherFilesystem) {
      if (otherFilesystems) {
        return onOtherFilesystem ? Verdict.EXCLUDE : null;
      }
      if (everything) {
        return decision();
      }
      if (components != null) {
        List<String> p = components(path);
        if (startsWith(p, components) || (include && startsWith(components, p))) {
          return decision(); // a plain include also names every ancestor of its path
        }
        return null;
      }
      if (match.matcher(path).lookingAt()) {
        return decision();
      }
      return include && scan.matcher(path).lookingAt() ? Verdict.SCAN : null;
    }

    /** Whether this rule can match the source root itself or something below it. */
    boolean canMatchBelow(String root) {
      if (everything || otherFilesystems) {
        return true;
      }
      if (components != null) {
        return startsWith(components, components(root));
      }
      return match.matcher(root).lookingAt() || scan.matcher(root).lookingAt();
    }

    private Verdict decision() {
      return include ? Verdict.INCLUDE : Verdict.EXCLUDE;
    }

    @Override
    public String toString() {
      return otherFilesystems ? OTHER_FILESYSTEMS : (include ? "--include " : "--exclude ") + glob;
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
   * Refuses rules rdiff-backup refuses: a glob that cannot match anything in the source, and a
   * list whose last rule only includes (redundant, since everything else is included anyway).
   *
   * @param root the source directory as given (the start of every full path)
   */
  public void check(byte[] root) {
    String r = new String(root, StandardCharsets.ISO_8859_1);
    for (Rule rule : rules) {
      if (!rule.canMatchBelow(r)) {
        throw new IllegalArgumentException("'" + display(rule.glob()) + "' cannot match any file in the source directory '"
            + display(r) + "'; globs must begin with the source directory as given, or with '**'");
      }
    }
    if (!rules.isEmpty() && rules.get(rules.size() - 1).include()) {
      throw new IllegalArgumentException("the last selection rule '" + display(rules.get(rules.size() - 1).toString())
          + "' only includes; since everything is included by default it has no effect (end with an --exclude)");
    }
  }

  /**
   * What the rules say about the entry at {@code fullPath} (bytes: the source root as given,
   * joined with the relative path), like rdiff-backup's {@code select_default}.
   */
  public Verdict verdict(byte[] fullPath) {
    return verdict(fullPath, false);
  }

  /**
   * What the rules say about the entry at {@code fullPath} that lies on another file system than
   * the source directory when {@code onOtherFilesystem}.
   */
  public Verdict verdict(byte[] fullPath, boolean onOtherFilesystem) {
    String p = new String(fullPath, StandardCharsets.ISO_8859_1);
    boolean scanned = false;
    for (Rule r : rules) {
      Verdict v = r.apply(p, onOtherFilesystem);
      if (v == Verdict.INCLUDE) {
        return v;
      } else if (v == Verdict.EXCLUDE) {
        return scanned ? Verdict.SCAN : Verdict.EXCLUDE;
      } else if (v == Verdict.SCAN) {
        scanned = true;
      }
    }
    return Verdict.INCLUDE;
  }

  /** rdiff-backup's {@code _glob_to_re}: a shell glob as a regular expression. */
  static String toRegex(String pat) {
    StringBuilder res = new StringBuilder();
    int n = pat.length();
    int i = 0;
    while (i < n) {
      char c = pat.charAt(i);
      i++;
      if (c == '\\') {
        res.append(quote(i < n ? pat.charAt(i) : c)); // quotes the next character
        i++;
      } else if (c == '*' && i < n && pat.charAt(i) == '*') {
        res.append(".*");
        i++;
      } else if (c == '*') {
        res.append("[^/]*");
      } else if (c == '?') {
        res.append("[^/]");
      } else if (c == '[') {
        int j = i;
        if (j < n && (pat.charAt(j) == '!' || pat.charAt(j) == '^')) {
          j++;
        }
        if (j < n && pat.charAt(j) == ']') {
          j++;
        }
        while (j < n && pat.charAt(j) != ']') {
          j++;
        }
        if (j >= n) {
          res.append("\\[");
        } else {
          String stuff = pat.substring(i, j);
          i = j + 1;
          boolean negated = stuff.charAt(0) == '!' || stuff.charAt(0) == '^';
          res.append('[').append(negated ? "^" : "").append(classBody(negated ? stuff.substring(1) : stuff)).append(']');
        }
      } else {
        res.append(quote(c));
      }
    }
    return res.toString();
  }

  /** A class body as Python reads it, written for Java (which gives [, ] and && a meaning there). */
  private static String classBody(String stuff) {
    StringBuilder b = new StringBuilder();
    for (char c : stuff.toCharArray()) {
      if (c == '\\' || c == '[' || c == ']' || c == '&') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  /** rdiff-backup's {@code _glob_get_prefix_res}: the globs of every leading part of a glob. */
  private static List<String> prefixRegexes(String glob) {
    String[] parts = glob.split("/", -1);
    for (int i = 1; i < parts.length - 1; i++) {
      if (parts[i].isEmpty()) {
        throw new IllegalArgumentException("consecutive '/'s in the glob '" + display(glob) + "'");
      }
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < parts.length; i++) {
      String prefix = String.join("/", Arrays.asList(parts).subList(0, i + 1));
      out.add(toRegex(i == 0 && prefix.isEmpty() ? "/" : prefix));
    }
    return out;
  }

  private static String quote(char c) {
    return Character.isLetterOrDigit(c) && c < 0x80 ? String.valueOf(c) : Pattern.quote(String.valueOf(c));
  }

  private static List<String> components(String path) {
    List<String> out = new ArrayList<>();
    for (String c : path.split("/")) {
      if (!c.isEmpty()) {
        out.add(c);
      }
    }
    return out;
  }

  private static boolean startsWith(List<String> list, List<String> prefix) {
    return list.size() >= prefix.size() && list.subList(0, prefix.size()).equals(prefix);
  }

  private static String display(String latin1) {
    return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }
}
