package dev.rewind.backup;

import static dev.rewind.backup.Selection.Verdict.EXCLUDE;
import static dev.rewind.backup.Selection.Verdict.INCLUDE;
import static dev.rewind.backup.Selection.Verdict.SCAN;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The include/exclude rules against rdiff-backup 2.2.2's {@code selection.py} (its {@code
 * select_default}, {@code _glob_to_re}, {@code _glob_get_prefix_res} and tuple rules for plain
 * paths), on full paths under the source {@code /src}. {@code SelectionIT} checks the same
 * against the real rdiff-backup.
 */
class SelectionTest {
  private static final byte[] ROOT = bytes("/src");

  /** Rules from alternating "+"/"-" and glob: {@code rules("+", "/src/keep", "-", "/src/**")}. */
  private static Selection rules(String... signAndGlob) {
    List<Selection.Rule> out = new ArrayList<>();
    for (int i = 0; i < signAndGlob.length; i += 2) {
      out.add(Selection.Rule.of(signAndGlob[i].equals("+"), signAndGlob[i + 1]));
    }
    return new Selection(out);
  }

  private static void expect(Selection s, Object... pathAndVerdict) {
    List<Executable> checks = new ArrayList<>();
    for (int i = 0; i < pathAndVerdict.length; i += 2) {
      Object path = pathAndVerdict[i];
      byte[] p = path instanceof byte[] b ? b : bytes((String) path);
      Selection.Verdict expected = (Selection.Verdict) pathAndVerdict[i + 1];
      checks.add(() -> assertEquals(expected, s.verdict(p), "verdict for " + new String(p, StandardCharsets.ISO_8859_1)));
    }
    assertAll(checks);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void verdict_noRules_includesEverything() {
    expect(Selection.everything(), "/src/a", INCLUDE, "/src/a/b/c", INCLUDE);
  }

  @Test
  void verdict_includeBeforeExclude_firstMatchingRuleDecides() {
    expect(rules("+", "/src/keep", "-", "/src/**"),
        "/src/keep", INCLUDE, "/src/keep/deep/x", INCLUDE, "/src/other", EXCLUDE, "/src/keeper", EXCLUDE);
  }

  @Test
  void verdict_excludeBeforeInclude_excludeWins() {
    expect(rules("-", "/src/**", "+", "/src/keep", "-", "/src/none"),
        "/src/keep", EXCLUDE, "/src/keep/x", EXCLUDE, "/src/other", EXCLUDE);
  }

  @Test
  void verdict_otherFilesystemsRule_excludesOnlyEntriesOnAnotherFileSystem() {
    Selection s = new Selection(List.of(Selection.Rule.excludeOtherFilesystems()));
    assertAll(
        () -> assertEquals(EXCLUDE, s.verdict(bytes("/src/mnt"), true)),
        () -> assertEquals(INCLUDE, s.verdict(bytes("/src/mnt"), false)),
        () -> assertDoesNotThrow(() -> s.check(ROOT)));
  }

  @Test
  void verdict_otherFilesystemsRule_takesItsPlaceAmongTheGlobs() {
    List<Selection.Rule> rules = List.of(Selection.Rule.of(true, "/src/mnt/keep"), Selection.Rule.excludeOtherFilesystems(),
        Selection.Rule.of(false, "**/*.tmp"));
    Selection s = new Selection(rules);
    assertAll(
        () -> assertEquals(INCLUDE, s.verdict(bytes("/src/mnt/keep"), true), "an earlier include reaches into the mount"),
        () -> assertEquals(INCLUDE, s.verdict(bytes("/src/mnt/keep/x.tmp"), true), "the include decides before the globs after it"),
        () -> assertEquals(INCLUDE, s.verdict(bytes("/src/mnt"), true), "a plain include names the mount point too"),
        () -> assertEquals(EXCLUDE, s.verdict(bytes("/src/mnt/other"), true)),
        () -> assertEquals(EXCLUDE, s.verdict(bytes("/src/a.tmp"), false), "later rules still apply on the source's file system"),
        () -> assertEquals(INCLUDE, s.verdict(bytes("/src/a"), false)),
        () -> assertEquals("--exclude-other-filesystems", rules.get(1).toString()));
  }

  @Test
  void verdict_otherFilesystemsRuleAfterAnIncludeGlob_scansTheMountPoint() {
    Selection s = new Selection(List.of(Selection.Rule.of(true, "/src/mnt/k*"), Selection.Rule.excludeOtherFilesystems()));
    assertAll(
        () -> assertEquals(SCAN, s.verdict(bytes("/src/mnt"), true), "kept only if something below it is included"),
        () -> assertEquals(INCLUDE, s.verdict(bytes("/src/mnt/keep"), true)),
        () -> assertEquals(EXCLUDE, s.verdict(bytes("/src/mnt/other"), true)));
  }

  @Test
  void verdict_unmatchedPath_included() {
    expect(rules("-", "/src/drop"), "/src/other", INCLUDE, "/src/drop", EXCLUDE);
  }

  @Test
  void verdict_doubleStar_crossesDirectories() {
    expect(rules("-", "**/*.tmp"),
        "/src/a.tmp", EXCLUDE, "/src/d/e/f.tmp", EXCLUDE, "/src/a.tmpx", INCLUDE);
  }

  @Test
  void verdict_sourceSlashDoubleStarSlash_needsADirectoryInBetween() {
    expect(rules("-", "/src/**/*.tmp"), "/src/a.tmp", INCLUDE, "/src/d/a.tmp", EXCLUDE, "/src/d/e/a.tmp", EXCLUDE);
  }

  @Test
  void verdict_singleStarAndQuestionMark_doNotCrossSlash() {
    expect(rules("-", "/src/*.log", "-", "/src/d?r"),
        "/src/x.log", EXCLUDE, "/src/d/x.log", INCLUDE, "/src/dir", EXCLUDE, "/src/dr", INCLUDE, "/src/d/r", INCLUDE);
  }

  @Test
  void verdict_characterClassesAndNegation_matchOneCharacter() {
    expect(rules("-", "/src/[ab]*", "-", "/src/x/[!a]*", "-", "/src/y/[^a]*", "-", "/src/z/[]]"),
        "/src/apple", EXCLUDE, "/src/berry", EXCLUDE, "/src/cherry", INCLUDE,
        "/src/x/apple", INCLUDE, "/src/x/berry", EXCLUDE, "/src/y/apple", INCLUDE, "/src/y/berry", EXCLUDE,
        "/src/z/]", EXCLUDE);
  }

  @Test
  void verdict_unclosedBracket_isLiteral() {
    expect(rules("-", "/src/a[b*"), "/src/a[bc", EXCLUDE, "/src/ab", INCLUDE);
  }

  @Test
  void verdict_backslash_quotesTheNextCharacter() {
    expect(rules("-", "/src/lit\\*star", "-", "/src/q\\?"),
        "/src/lit*star", EXCLUDE, "/src/litXstar", INCLUDE, "/src/q?", EXCLUDE, "/src/qx", INCLUDE);
  }

  @Test
  void verdict_ignorecasePrefix_ignoresAsciiCase() {
    expect(rules("-", "ignorecase:/src/upper*", "-", "/src/lower*"),
        "/src/UPPER.txt", EXCLUDE, "/src/Upper/inner", EXCLUDE, "/src/LOWER", INCLUDE, "/src/lower", EXCLUDE);
  }

  @Test
  void verdict_excludedDirectory_excludesSubtreeNotNamesSharingAPrefix() {
    expect(rules("-", "/src/drop", "-", "/src/g*p"),
        "/src/drop/a/b", EXCLUDE, "/src/dropped.txt", INCLUDE, "/src/gap/inner", EXCLUDE, "/src/gaps", INCLUDE);
  }

  @Test
  void verdict_plainPath_ignoresRepeatedAndTrailingSlashes() {
    expect(rules("-", "/src//drop/"), "/src/drop", EXCLUDE, "/src/drop/x", EXCLUDE, "/src/dropx", INCLUDE);
  }

  @Test
  void verdict_plainInclude_includesItsAncestorsAndSubtree() {
    expect(rules("+", "/src/a/b/file.txt", "-", "/src/**"),
        "/src/a", INCLUDE, "/src/a/b", INCLUDE, "/src/a/b/file.txt", INCLUDE, "/src/a/b/file.txt/x", INCLUDE,
        "/src/a/c", EXCLUDE, "/src/a/b/other", EXCLUDE);
  }

  @Test
  void verdict_includeGlob_scansDirectoriesThatMayHoldAMatch() {
    expect(rules("+", "/src/**/*.txt", "-", "**"),
        "/src/d", SCAN, "/src/d/e", SCAN, "/src/d/x.txt", INCLUDE, "/src/d/x.bin", SCAN);
    expect(rules("+", "/src/a*/b/*.c", "-", "/src/**"),
        "/src/ab", SCAN, "/src/ab/b", SCAN, "/src/ab/b/x.c", INCLUDE, "/src/ab/c", EXCLUDE, "/src/x", EXCLUDE);
  }

  @Test
  void verdict_scannedButNotExcluded_isIncluded() {
    expect(rules("+", "/src/a*/b/*.c", "-", "/src/zzz"), "/src/ab/c", INCLUDE, "/src/ab", INCLUDE);
  }

  @Test
  void verdict_namesThatAreNotUtf8_matchedByteForByte() {
    expect(rules("-", "/src/bad*.tmp", "-", "/src/\u00fc*", "-", "/src/new?line"),
        "/src/bad\u00ff.tmp".getBytes(StandardCharsets.ISO_8859_1), EXCLUDE,
        "/src/bad\u00ff.txt".getBytes(StandardCharsets.ISO_8859_1), INCLUDE,
        "/src/\u00fcber", EXCLUDE, // the glob's UTF-8 bytes against the name's
        "/src/\u00fcber".getBytes(StandardCharsets.ISO_8859_1), INCLUDE,
        "/src/new\nline", EXCLUDE);
  }

  @Test
  void verdict_relativeSource_takesRelativeGlobs() {
    Selection s = rules("-", "**/*.tmp", "+", "src/keep", "-", "src/*");
    assertDoesNotThrow(() -> s.check(bytes("src")));
    expect(s, "src/keep", INCLUDE, "src/keep/x.tmp", EXCLUDE, "src/other", EXCLUDE);
  }

  @Test
  void check_globThatCannotMatchTheSource_refused() {
    assertAll(
        () -> assertThrows(IllegalArgumentException.class, () -> rules("-", "/other/**").check(ROOT)),
        () -> assertThrows(IllegalArgumentException.class, () -> rules("-", "/other/x").check(ROOT)),
        () -> assertThrows(IllegalArgumentException.class, () -> rules("-", "src/x*").check(ROOT)),
        () -> assertDoesNotThrow(() -> rules("-", "**/x", "-", "/src/a*", "-", "/src/plain", "-", "**").check(ROOT)));
  }

  /** rdiff-backup compares plain paths component by component, so a missing leading slash does not matter. */
  @Test
  void verdict_plainPathWithoutLeadingSlash_sameComponents() {
    Selection s = rules("-", "src/x");
    assertDoesNotThrow(() -> s.check(ROOT));
    expect(s, "/src/x", EXCLUDE, "/src/y", INCLUDE);
  }

  @Test
  void check_lastRuleOnlyIncludes_refused() {
    assertThrows(IllegalArgumentException.class, () -> rules("-", "/src/a", "+", "/src/b").check(ROOT));
  }

  @Test
  void ruleOf_consecutiveSlashesInAGlob_refused() {
    assertThrows(IllegalArgumentException.class, () -> Selection.Rule.of(false, "/src//a*"));
  }
}
