package dev.rewind.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole configuration of one directory: {@code rewind.conf} and every host of {@code
 * hosts.d}. Files of {@code hosts.d} not ending in {@code .conf}, or starting with a dot
 * (editor and package-manager leftovers), are ignored. Immutable.
 */
public final class RewindConfig {
  /** The configuration directory when neither {@code --config} nor {@code REWIND_CONFIG} names one. */
  public static final Path DEFAULT_DIR = Path.of("/etc/rewind");
  private static final String SUFFIX = ".conf";

  private final GlobalConfig global;
  private final Map<String, HostConfig> hosts; // sorted by name

  private RewindConfig(GlobalConfig global, Map<String, HostConfig> hosts) {
    this.global = global;
    this.hosts = hosts;
  }

  /** Reads and checks {@code dir}. */
  public static RewindConfig load(Path dir) throws IOException {
    return load(dir, localHostname());
  }

  /** Reads and checks {@code dir}; {@code localHostname} gives the default {@code mail_from}. */
  public static RewindConfig load(Path dir, String localHostname) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(dir, 0, "no such configuration directory (give --config DIR or set REWIND_CONFIG)");
    }
    GlobalConfig global = GlobalConfig.read(dir, localHostname);
    Map<String, HostConfig> hosts = new TreeMap<>();
    for (Path file : hostFiles(dir.resolve("hosts.d"))) {
      String name = file.getFileName().toString();
      name = name.substring(0, name.length() - SUFFIX.length());
      if (!Values.isSafeName(name)) {
        throw new ConfigException(file, 0, "'" + name + "' is not a usable host name (letters, digits, '.', '-', '_';"
            + " starting with a letter or digit)");
      }
      hosts.put(name, HostConfig.read(name, file, global));
    }
    refuseSharedRepositories(hosts.values());
    return new RewindConfig(global, hosts);
  }

  public GlobalConfig global() {
    return global;
  }

  /** Every host, sorted by name. */
  public List<HostConfig> hosts() {
    return List.copyOf(hosts.values());
  }

  /** Whether hosts.d has a host called {@code name}. */
  public boolean hasHost(String name) {
    return hosts.containsKey(name);
  }

  /**
   * The host called {@code name}.
   *
   * @throws IllegalArgumentException naming the host and the directory when there is none
   */
  public HostConfig host(String name) {
    HostConfig h = Values.isSafeName(name) ? hosts.get(name) : null;
    if (h == null) {
      throw new IllegalArgumentException("unknown host '" + name + "': there is no "
          + global.dir().resolve("hosts.d").resolve(Values.isSafeName(name) ? name + SUFFIX : "<host>" + SUFFIX)
          + (hosts.isEmpty() ? " (no hosts configured)" : " (known: " + String.join(", ", hosts.keySet()) + ")"));
    }
    return h;
  }

  private static List<Path> hostFiles(Path hostsDir) throws IOException {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(hostsDir)) {
      return files;
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(hostsDir)) {
      for (Path p : dir) {
        String n = p.getFileName().toString();
        if (n.endsWith(SUFFIX) && !n.startsWith(".") && Files.isRegularFile(p)) {
          files.add(p);
        }
      }
    }
    files.sort(null);
    return files;
  }

  /** Two hosts writing one repository would lock each other out and mix their histories. */
  private static void refuseSharedRepositories(Iterable<HostConfig> hosts) throws ConfigException {
    Map<Path, HostConfig> byRepository = new HashMap<>();
    for (HostConfig h : hosts) {
      HostConfig other = byRepository.putIfAbsent(h.repository(), h);
      if (other != null) {
        throw new ConfigException(h.file(), 0, "repository " + h.repository() + " is also the repository of host '"
            + other.name() + "' (" + other.file() + "); each host needs its own");
      }
    }
  }

  /** This machine's name, for mail. */
  public static String localHostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException e2) {
        return "localhost";
      }
    }
  }
}
