package dev.rewind.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One host of {@code DIR/hosts.d/<name>.conf}, with the global settings and defaults resolved.
 *
 * @param name the host's name: its file name without {@code .conf}
 * @param file the file it was read from
 * @param address DNS name or IP address, or {@link #LOCAL} for this machine's own files
 * @param port SSH port
 * @param paths the directories backed up, absolute ({@code /} by default)
 * @param includes globs included although an exclude matches them (they come first)
 * @param excludes the global excludes followed by the host's own
 * @param repository the host's repository ({@code <repository_root>/<name>} by default)
 * @param enabled false when {@code enabled = no}: {@code pull --all} leaves the host out
 */
public record HostConfig(String name, Path file, String address, int port, String user, Path key,
    List<String> paths, List<String> includes, List<String> excludes, String retention, Path repository,
    boolean enabled) {

  /** The address that means "this machine, without SSH". */
  public static final String LOCAL = "local";

  static final Set<String> SINGLE_KEYS = Set.of("address", "port", "user", "key", "retention", "repository", "enabled");
  static final Set<String> LIST_KEYS = Set.of("path", "exclude", "include");

  public HostConfig {
    paths = List.copyOf(paths);
    includes = List.copyOf(includes);
    excludes = List.copyOf(excludes);
  }

  /** True for {@code address = local}. */
  public boolean isLocal() {
    return address.equals(LOCAL);
  }

  /** Reads one host file; {@code name} is already known to be safe. */
  static HostConfig read(String name, Path file, GlobalConfig global) throws IOException {
    ConfFile f = ConfFile.read(file, SINGLE_KEYS, LIST_KEYS);
    List<String> paths = f.all("path", Values::sourcePath);
    List<String> excludes = new ArrayList<>(global.excludes());
    excludes.addAll(f.all("exclude", Values::glob));
    return new HostConfig(name, file,
        f.get("address", Values::address, name),
        f.get("port", Values::port, 22),
        f.get("user", Values::user, global.user()),
        f.get("key", v -> Values.pathIn(global.dir(), v), global.key()),
        paths.isEmpty() ? List.of("/") : paths,
        f.all("include", Values::glob),
        excludes,
        f.get("retention", Values::retention, global.retention()),
        f.get("repository", Values::absolutePath, global.repositoryRoot().resolve(name)),
        f.get("enabled", Values::yesNo, true));
  }
}
