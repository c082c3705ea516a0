package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rewind.backup.Selection.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceSelectionTest {
  private static Verdict verdict(SourceSelection s, String path) {
    return s.selection().verdict(path.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void repositoryInsideTheSource_isExcluded_asAQuotedPath() {
    SourceSelection s = SourceSelection.of("/data/", List.of("/data/back[1]*"), List.of());
    assertEquals("/data", new String(s.matchPath(), StandardCharsets.UTF_8));
    assertEquals(Verdict.EXCLUDE, verdict(s, "/data/back[1]*/x"));
    assertEquals(Verdict.INCLUDE, verdict(s, "/data/back1x"), "the name is a path, not a glob");
    assertEquals(Verdict.INCLUDE, verdict(s, "/data/other"));
  }

  @Test
  void repositoryOutside_addsNothing_andUserRulesFollow() {
    SourceSelection s = SourceSelection.of("/data", List.of("/srv/rewind", "/database"),
        List.of(Selection.Rule.of(false, "**/*.tmp")));
    assertEquals(Verdict.INCLUDE, verdict(s, "/data/a"));
    assertEquals(Verdict.EXCLUDE, verdict(s, "/data/a.tmp"));
  }

  @Test
  void relativeSource_matchesRelativeGlobs_andItsRepositoryIsExcluded() {
    String cwd = Path.of("").toAbsolutePath().toString();
    SourceSelection s = SourceSelection.of("./src/../data", List.of(cwd + "/data/repo"), List.of());
    assertEquals("data", new String(s.matchPath(), StandardCharsets.UTF_8));
    assertEquals(cwd + "/data", new String(s.root(), StandardCharsets.UTF_8));
    assertEquals(Verdict.EXCLUDE, verdict(s, "data/repo/x"));
    assertEquals(Verdict.INCLUDE, verdict(s, "data/x"));
  }
}
