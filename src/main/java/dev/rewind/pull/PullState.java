package dev.rewind.pull;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What {@code <state_dir>/<host>.state} records about a host's last pull: {@code key=value}
 * lines, written atomically (a temporary file renamed over the old one) with mode 0600, read by
 * {@code rewind status}.
 *
 * @param lastAttempt when the last pull started, epoch seconds
 * @param lastSuccess when the last pull that wrote a session started (kept across failures)
 * @param lastResult {@code ok}, {@code partial} or {@code failed}
 * @param lastError the failure or first file error, one line (empty when ok)
 */
public record PullState(long lastAttempt, OptionalLong lastSuccess, String lastResult, String lastError,
    long lastDurationMs) {

  public PullState {
    lastError = lastError.replace('\n', ' ').replace('\r', ' ');
  }

  /** The state file of {@code host} in {@code stateDir}. */
  public static Path file(Path stateDir, String host) {
    return stateDir.resolve(host + ".state");
  }

  /** Reads a state file; null when there is none (the host was never pulled). */
  public static PullState readOrNull(Path file) throws IOException {
    Map<String, String> v = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          v.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (NoSuchFileException e) {
      return null;
    }
    try {
      String success = v.getOrDefault("last_success", "");
      return new PullState(Long.parseLong(v.getOrDefault("last_attempt", "0")),
          success.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(success)),
          v.getOrDefault("last_result", "failed"), v.getOrDefault("last_error", ""),
          Long.parseLong(v.getOrDefault("last_duration_ms", "0")));
    } catch (NumberFormatException e) {
      throw new IOException(file + ": not a pull state file (" + e.getMessage() + ")");
    }
  }

  /** Replaces {@code file} atomically; readers see the old or the new state, never a mix. */
  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp); // left by a crash
    try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      ch.write(StandardCharsets.UTF_8.encode(render()));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  String render() {
    return "last_attempt=" + lastAttempt + "\n"
        + "last_success=" + (lastSuccess.isPresent() ? Long.toString(lastSuccess.getAsLong()) : "") + "\n"
        + "last_result=" + lastResult + "\n"
        + "last_error=" + lastError + "\n"
        + "last_duration_ms=" + lastDurationMs + "\n";
  }
}
