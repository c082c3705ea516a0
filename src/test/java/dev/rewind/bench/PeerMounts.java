package dev.rewind.bench;

import dev.rewind.testing.Proc;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Further peers for the mount benchmark: a borg and a restic archive of the benchmark tree's
 * newest state (the same tree as the newest session), on the same volume, and their own FUSE
 * mounts ({@code borg mount}, {@code restic mount}). Only operations on the newest state can be
 * compared: these archives have no history of the tree. Made once and reused (a marker holds the
 * tree's spec). Skipped when the tool is not installed.
 */
final class PeerMounts {
  private static final Duration STEP = Duration.ofMinutes(60);

  /** A peer that is ready: its name ({@code BORG}, {@code RESTIC}), label, and the tree's path once mounted. */
  record Peer(String name, String label, String treeDir) {}

  private final Path volume;
  private final Path mnt;
  private final Path tree;
  private final List<Peer> ready = new ArrayList<>();
  private final Consumer<String> log;
  private Process restic;

  private PeerMounts(Path volume, Path mnt, Path tree, Consumer<String> log) {
    this.volume = volume;
    this.mnt = mnt;
    this.tree = tree;
    this.log = log;
  }

  /** Makes the archives named in {@code which} ({@code borg,restic}, or empty) whose tools exist. */
  static PeerMounts prepare(String which, Path volume, BenchTree benchTree, Path mnt, Consumer<String> log)
      throws IOException {
    PeerMounts p = new PeerMounts(volume, mnt, benchTree.src().getParent(), log);
    String marker = benchTree.spec().marker();
    if (which.contains("borg") && Tools.find("borg") != null) {
      p.borg(marker);
    }
    if (which.contains("restic") && Tools.find("restic") != null) {
      p.restic(marker);
    }
    return p;
  }

  List<Peer> available() {
    return ready;
  }

  private void borg(String marker) throws IOException {
    Path repo = volume.resolve("borg");
    if (!marker.equals(readMarker(repo))) {
      log.accept("making the borg archive of the newest tree");
      BenchTree.removeTree(repo);
      run(List.of("borg", "init", "--encryption=none", repo.toString()), borgEnv());
      long t0 = System.nanoTime();
      run(List.of("borg", "create", "--compression", "lz4", repo + "::latest", "src"), borgEnv());
      log.accept(String.format("borg create took %.1f s", (System.nanoTime() - t0) / 1e9));
      Files.writeString(repo.resolve("BENCH-READY"), marker, StandardCharsets.UTF_8);
    }
    ready.add(new Peer("BORG", "borg mount", mnt.resolve("src").toString()));
  }

  private void restic(String marker) throws IOException {
    Path repo = volume.resolve("restic");
    if (!marker.equals(readMarker(repo))) {
      log.accept("making the restic snapshot of the newest tree");
      BenchTree.removeTree(repo);
      run(List.of("restic", "-r", repo.toString(), "init"), resticEnv());
      long t0 = System.nanoTime();
      run(List.of("restic", "-r", repo.toString(), "backup", "src"), resticEnv());
      log.accept(String.format("restic backup took %.1f s", (System.nanoTime() - t0) / 1e9));
      Files.writeString(repo.resolve("BENCH-READY"), marker, StandardCharsets.UTF_8);
    }
    ready.add(new Peer("RESTIC", "restic mount", mnt.resolve("snapshots/latest/src").toString()));
  }

  /** Mounts {@code name}'s archive on the mount point and waits until its tree is there. */
  void mount(String name) {
    Peer peer = ready.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    if (name.equals("BORG")) {
      run(List.of("nice", "-n", MountBench.NICE, "borg", "mount", volume.resolve("borg") + "::latest", mnt.toString()),
          borgEnv());
    } else {
      try {
        ProcessBuilder pb = new ProcessBuilder("nice", "-n", MountBench.NICE, "restic", "-r",
            volume.resolve("restic").toString(), "mount", mnt.toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(resticEnv());
        restic = pb.start();
      } catch (IOException e) {
        throw new AssertionError("cannot start restic mount", e);
      }
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (!Files.isDirectory(Path.of(peer.treeDir()))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " mount did not show " + peer.treeDir());
      }
      sleep(200);
    }
  }

  /** Unmounts whatever peer is mounted. */
  void unmount() {
    for (int i = 0; i < 50 && mounted(); i++) {
      Proc.run(List.of("fusermount", "-u", i < 10 ? "-q" : "-z", mnt.toString()), null, Map.of(), Duration.ofSeconds(20));
      sleep(200);
    }
    if (restic != null) {
      try {
        if (!restic.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
          restic.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      restic = null;
    }
  }

  private boolean mounted() {
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .anyMatch(l -> l.contains(" " + mnt + " ") && !l.contains(" fuse.rewind "));
    } catch (IOException e) {
      return false;
    }
  }

  String describe() {
    if (ready.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("\nFurther peers (the newest tree only; they hold no history of it): ");
    if (ready.stream().anyMatch(p -> p.name().equals("BORG"))) {
      b.append(Proc.run(List.of("borg", "--version"), null, Map.of(), Duration.ofMinutes(1)).out().trim())
          .append(" (`borg create --compression lz4`, unencrypted; `borg mount REPO::latest MNT`)");
    }
    if (ready.stream().anyMatch(p -> p.name().equals("RESTIC"))) {
      b.append(ready.size() > 1 ? "; " : "")
          .append(Proc.run(List.of("restic", "version"), null, Map.of(), Duration.ofMinutes(1)).out().trim())
          .append(" (`restic backup`, its local cache on the same volume; `restic mount MNT`)");
    }
    return b.append(", on the same volume, cold after the same remount.\n").toString();
  }

  private Map<String, String> borgEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK", "yes");
    env.put("BORG_RELOCATED_REPO_ACCESS_IS_OK", "yes");
    env.put("BORG_BASE_DIR", volume.resolve("borg-home").toString());
    return env;
  }

  private Map<String, String> resticEnv() {
    return Map.of("RESTIC_PASSWORD", "bench", "RESTIC_CACHE_DIR", volume.resolve("restic-cache").toString());
  }

  private void run(List<String> cmd, Map<String, String> env) {
    Proc.Result r = Proc.run(cmd, tree, env, STEP);
    if (r.exitCode() != 0) {
      throw new AssertionError(cmd + " failed (exit " + r.exitCode() + "): " + r.stderr());
    }
  }

  private static String readMarker(Path repo) {
    try {
      return Files.readString(repo.resolve("BENCH-READY"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
