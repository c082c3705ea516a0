package dev.rewind.config;

import java.io.IOException;
import java.nio.file.Path;

/** A configuration file that cannot be used; the message starts with {@code FILE:LINE:}. */
public final class ConfigException extends IOException {
  ConfigException(Path file, int line, String message) {
    super(file + (line > 0 ? ":" + line : "") + ": " + message);
  }
}
