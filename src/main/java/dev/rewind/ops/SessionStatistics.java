package dev.rewind.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The counters of one session's {@code session_statistics.<T>.data} file, as rdiff-backup and
 * Rewind write it ({@code Key value[ (human form)]} lines). Missing keys read as 0.
 *
 * @param sourceFileSize bytes of the source tree at that session (the mirror's content size)
 * @param changedBytes bytes of new and changed source files ({@code NewFileSize + ChangedSourceSize})
 * @param incrementBytes bytes of the reverse increments the session wrote
 * @param errors files the session could not back up
 */
public record SessionStatistics(long sourceFileSize, long changedBytes, long incrementBytes, long errors) {

  /** Parses the file's text; {@code display} names it in errors. */
  static SessionStatistics parse(InputStream in, String display) throws IOException {
    String text = new String(in.readNBytes(1 << 16), StandardCharsets.US_ASCII);
    Map<String, Long> values = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] words = line.trim().split(" ", 3);
      if (words.length >= 2) {
        try {
          values.put(words[0], (long) Double.parseDouble(words[1]));
        } catch (NumberFormatException e) {
          throw new IOException("'" + display + "': bad value in line '" + line + "'");
        }
      }
    }
    long v = values.getOrDefault("NewFileSize", 0L) + values.getOrDefault("ChangedSourceSize", 0L);
    return new SessionStatistics(values.getOrDefault("SourceFileSize", 0L), v,
        values.getOrDefault("IncrementFileSize", 0L), values.getOrDefault("Errors", 0L));
  }
}
