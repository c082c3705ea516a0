package dev.rewind.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rewind.backup.Selection.Verdict;
import dev.rewind.backup.SourceSelection;
import dev.rewind.config.GlobalConfig;
import dev.rewind.config.HostConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostSelectionTest {
  static HostConfig host(String address, List<String> paths, List<String> includes, List<String> ownExcludes) {
    List<String> excludes = new ArrayList<>(GlobalConfig.DEFAULT_EXCLUDES);
    excludes.addAll(ownExcludes);
    return new HostConfig("h", Path.of("/etc/rewind/hosts.d/h.conf"), address, 22, "backuphelper", Path.of("/k"),
        paths, includes, excludes, "30D", Path.of("/srv/rewind/h"), true);
  }

  private static Verdict verdict(SourceSelection s, String path) {
    return s.selection().verdict(path.getBytes(StandardCharsets.UTF_8));
  }

  private static String root(SourceSelection s) {
    return new String(s.root(), StandardCharsets.UTF_8);
  }

  @Test
  void onePath_isTheSourceRoot_andAnExcludeAboveItIsDropped() {
    SourceSelection s = HostSelection.of(host("local", List.of("/tmp/data"), List.of(), List.of("/tmp/data/cache")), List.of());
    assertEquals("/tmp/data", root(s));
    assertEquals(Verdict.INCLUDE, verdict(s, "/tmp/data/a"), "the default exclude /tmp covers the path asked for by name");
    assertEquals(Verdict.EXCLUDE, verdict(s, "/tmp/data/cache/x"));
    s.selection().check(s.matchPath()); // rdiff-backup's checks pass: no rule outside the root is left
  }

  @Test
  void severalPaths_sourceIsRoot_pathsIncluded_everythingElseExcluded() {
    SourceSelection s = HostSelection.of(host("10.0.0.1", List.of("/etc", "/home"), List.of("/home/*/.cache/keep"),
        List.of("/home/*/.cache")), List.of("/srv/rewind"));
    assertEquals("/", root(s));
    assertEquals(Verdict.INCLUDE, verdict(s, "/etc/passwd"));
    assertEquals(Verdict.INCLUDE, verdict(s, "/home/ann/notes"));
    assertEquals(Verdict.EXCLUDE, verdict(s, "/home/ann/.cache/x"));
    assertEquals(Verdict.INCLUDE, verdict(s, "/home/ann/.cache/keep"), "an include overrides the excludes");
    assertEquals(Verdict.EXCLUDE, verdict(s, "/var/log/syslog"));
    assertEquals(Verdict.EXCLUDE, verdict(s, "/proc/1"));
    s.selection().check(s.matchPath());
  }

  @Test
  void localHost_neverBacksUpRepositories_remoteHostIsNotTouchedByThem() {
    SourceSelection local = HostSelection.of(host("local", List.of("/"), List.of(), List.of()), List.of("/srv/rewind"));
    assertEquals(Verdict.EXCLUDE, verdict(local, "/srv/rewind/h/x"));
    assertEquals(Verdict.INCLUDE, verdict(local, "/srv/www"));
    SourceSelection remote = HostSelection.of(host("web1", List.of("/"), List.of(), List.of()), List.of("/srv/rewind"));
    assertEquals(Verdict.INCLUDE, verdict(remote, "/srv/rewind/h/x"));
    assertEquals(Verdict.EXCLUDE, verdict(remote, "/proc/1"));
  }

  @Test
  void onePath_globalRulesOutsideIt_areDropped() {
    SourceSelection s = HostSelection.of(host("local", List.of("/etc"), List.of("/home/keep"), List.of("**/*.tmp")), List.of());
    assertEquals(Verdict.EXCLUDE, verdict(s, "/etc/x.tmp"));
    assertEquals(Verdict.INCLUDE, verdict(s, "/etc/x"));
    s.selection().check(s.matchPath()); // /proc, /home/keep... would be refused by rdiff-backup's check
  }
}
