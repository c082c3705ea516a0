package dev.rewind.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A small tmpfs mounted on an existing directory for a test (a file system that fills up, or
 * one that lies inside a source tree); {@link #close()} unmounts it, lazily if it is busy. Root only.
 */
public final class Tmpfs implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private boolean mounted;

  private Tmpfs(Path dir) {
    this.dir = dir;
  }

  /** Mounts a tmpfs of {@code size} (as mount(8) takes it: {@code 8m}) with mode 0755 on {@code dir}. */
  public static Tmpfs mount(Path dir, String size) {
    Tools.requireRoot();
    Tools.require("mount", "umount");
    Proc.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", dir.toString()), null,
        Map.of(), TIMEOUT).expect(0);
    Tmpfs t = new Tmpfs(dir);
    t.mounted = true;
    return t;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() throws IOException {
    if (mounted) {
      Proc.Result r = Proc.run(List.of("umount", dir.toString()), null, Map.of(), TIMEOUT);
      if (r.exitCode() != 0) {
        Proc.run(List.of("umount", "-l", dir.toString()), null, Map.of(), TIMEOUT).expect(0);
      }
      mounted = false;
    }
  }
}
