package dev.rewind.backup;

import dev.rewind.core.RelPath;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Decides whether an increment is gzip-compressed, as rdiff-backup does: compression on, and
 * the mirror path does not match the not-compressed regexp (already-compressed formats).
 */
final class CompressionRule {
  /** rdiff-backup 2.2.2's default {@code --not-compressed-regexp}. */
  static final String DEFAULT_NOT_COMPRESSED = ".*\\.(7z|aac|arj|asc|avi|bik|bz|bz2|deb|docx|flac|flv|gif|gpg|gz|jp2|jpeg|jpg|jsonlz4|lharc|lz4|lzh|lzma|lzo|m4a|m4v|mdf|mkv|mov|mozlz4|mp3|mp4|mpeg|mpg|oga|ogg|ogm|ogv|opus|pgp|pk3|png|rar|rm|rpm|rz|shn|tgz|tzst|vob|webm|webp|wma|wmv|xlsx|xz|z|zip|zoo|zst)$";

  private final boolean enabled;
  private final Pattern notCompressed;

  CompressionRule(boolean enabled, String notCompressedRegexp) {
    this.enabled = enabled;
    this.notCompressed = Pattern.compile(notCompressedRegexp, Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  }

  boolean compress(RelPath path) {
    // Python's re.match anchors at the start only; the default pattern starts with .* anyway.
    return enabled && !notCompressed.matcher(new String(path.bytes(), StandardCharsets.ISO_8859_1)).lookingAt();
  }
}
