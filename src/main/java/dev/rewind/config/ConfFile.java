package dev.rewind.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code key = value} file, checked against the keys it may hold: single-valued keys may
 * appear once, list keys any number of times, anything else is an error naming file and line.
 */
final class ConfFile {
  private static final Pattern LINE = Pattern.compile("\\s*([A-Za-z0-9_.-]+)\\s*=\\s*(.*?)\\s*");

  /** One {@code key = value} line. */
  record Entry(int line, String key, String value) {}

  private final Path file;
  private final Map<String, List<Entry>> entries;

  private ConfFile(Path file, Map<String, List<Entry>> entries) {
    this.file = file;
    this.entries = entries;
  }

  /** An absent file: every key takes its default. */
  static ConfFile empty(Path file) {
    return new ConfFile(file, Map.of());
  }

  /** Reads and checks {@code file}. */
  static ConfFile read(Path file, Set<String> singleKeys, Set<String> listKeys) throws IOException {
    String[] lines = decode(file, Files.readAllBytes(file)).split("\n", -1);
    Map<String, List<Entry>> entries = new HashMap<>();
    for (int i = 0; i < lines.length; i++) {
      String text = lines[i].strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(text);
      if (!m.matches()) {
        throw new ConfigException(file, i + 1, "expected 'key = value', found '" + text + "'");
      }
      Entry e = new Entry(i + 1, m.group(1), m.group(2));
      if (!singleKeys.contains(e.key()) && !listKeys.contains(e.key())) {
        throw new ConfigException(file, e.line(), "unknown key '" + e.key() + "'");
      }
      if (e.value().isEmpty()) {
        throw new ConfigException(file, e.line(), "no value for '" + e.key() + "'");
      }
      List<Entry> same = entries.computeIfAbsent(e.key(), k -> new ArrayList<>());
      if (singleKeys.contains(e.key()) && !same.isEmpty()) {
        throw new ConfigException(file, e.line(), "'" + e.key() + "' given twice (also on line "
            + same.get(0).line() + "); it takes one value");
      }
      same.add(e);
    }
    return new ConfFile(file, entries);
  }

  Path file() {
    return file;
  }

  /** The value of a single-valued key parsed by {@code parse}, or {@code fallback} when absent. */
  <T> T get(String key, Function<String, T> parse, T fallback) throws ConfigException {
    List<Entry> list = entries.getOrDefault(key, List.of());
    return list.isEmpty() ? fallback : parse(list.get(0), parse);
  }

  /** Every value of a list key, each parsed by {@code parse}, in file order. */
  <T> List<T> all(String key, Function<String, T> parse) throws ConfigException {
    List<T> out = new ArrayList<>();
    for (Entry e : entries.getOrDefault(key, List.of())) {
      out.add(parse(e, parse));
    }
    return out;
  }

  /** The line where {@code key} is set, or 0. */
  int lineOf(String key) {
    List<Entry> list = entries.getOrDefault(key, List.of());
    return list.isEmpty() ? 0 : list.get(0).line();
  }

  private <T> T parse(Entry e, Function<String, T> parse) throws ConfigException {
    try {
      return parse.apply(e.value());
    } catch (IllegalArgumentException x) {
      throw new ConfigException(file, e.line(), "bad value for '" + e.key() + "': " + x.getMessage());
    }
  }

  private static String decode(Path file, byte[] bytes) throws ConfigException {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(file, 0, "not UTF-8 text");
    }
  }
}
