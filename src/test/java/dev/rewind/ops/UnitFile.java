package dev.rewind.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A systemd unit file read the way systemd reads it, as far as the tests need: sections,
 * {@code Key=value} assignments in order (a key may repeat; an empty assignment resets a list),
 * {@code #} and {@code ;} comment lines.
 */
record UnitFile(Path path, List<Assignment> assignments) {
  /** One {@code Key=value} line. */
  record Assignment(String section, String key, String value, int line) {}

  static UnitFile read(Path path) {
    List<String> lines;
    try {
      lines = Files.readAllLines(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Assignment> out = new ArrayList<>();
    String section = "";
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        section = line.substring(1, line.length() - 1);
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw new AssertionError(path + ":" + (i + 1) + ": not a Key=value line: " + line);
      }
      out.add(new Assignment(section, line.substring(0, eq).strip(), line.substring(eq + 1).strip(), i + 1));
    }
    return new UnitFile(path, List.copyOf(out));
  }

  String name() {
    return path.getFileName().toString();
  }

  /** Every value assigned to KEY in SECTION, in order. */
  List<String> all(String section, String key) {
    return assignments.stream().filter(a -> a.section().equals(section) && a.key().equals(key))
        .map(Assignment::value).toList();
  }

  /** The single value of KEY in SECTION; fails unless it is assigned exactly once. */
  String one(String section, String key) {
    List<String> values = all(section, key);
    if (values.size() != 1) {
      throw new AssertionError(name() + ": expected one " + key + "= in [" + section + "], found " + values);
    }
    return values.get(0);
  }

  /**
   * The list KEY ends up with: space-separated words of every assignment, an empty assignment
   * resetting what came before (systemd's rule for capability sets, ReadWritePaths= and the like).
   */
  List<String> list(String section, String key) {
    List<String> words = new ArrayList<>();
    for (String v : all(section, key)) {
      if (v.isEmpty()) {
        words.clear();
      } else {
        words.addAll(List.of(v.split("\\s+")));
      }
    }
    return words;
  }

  boolean has(String key) {
    return assignments.stream().anyMatch(a -> a.key().equals(key));
  }
}
