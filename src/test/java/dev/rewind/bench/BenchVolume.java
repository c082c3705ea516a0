package dev.rewind.bench;

import dev.rewind.testing.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A file system of its own for a benchmark's data, so that "cold" means cold for that data
 * only, without dropping the whole machine's page cache (other work runs here too): an ext4
 * image on the work dir's disk, attached with {@code losetup --direct-io=on} (reads bypass the
 * host's cache of the image) and mounted; {@link #remount} unmounts it, which evicts its files
 * and its block device cache, and mounts it again. The image is kept between runs.
 */
final class BenchVolume implements AutoCloseable {
  private static final Duration STEP = Duration.ofMinutes(10);

  private final Path image;
  private final Path dir;
  private String device;

  private BenchVolume(Path image, Path dir) {
    this.image = image;
    this.dir = dir;
  }

  /** Mounts (making it first if needed) a {@code gib} GiB sparse ext4 image {@code work/volume.img} at {@code work/volume}. */
  static BenchVolume open(Path work, int gib) throws IOException {
    Files.createDirectories(work);
    Path image = work.resolve("volume.img");
    Path dir = work.resolve("volume");
    sh("umount", dir.toString()); // what an interrupted run left, if anything
    for (String line : sh("losetup", "-j", image.toString()).out().split("\n")) {
      if (line.contains(":")) {
        sh("losetup", "-d", line.substring(0, line.indexOf(':')));
      }
    }
    if (!Files.exists(image)) {
      sh("truncate", "-s", gib + "G", image.toString()).expect(0);
      sh("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", image.toString()).expect(0);
    }
    Files.createDirectories(dir);
    BenchVolume v = new BenchVolume(image, dir);
    v.mount();
    return v;
  }

  Path dir() {
    return dir;
  }

  String describe() {
    return "its own ext4 (sparse image on the work dir's disk, loop device with direct I/O); \"cold\" = that file system"
        + " unmounted and mounted again right before, which empties its page, inode and dentry caches";
  }

  /** Unmounts and mounts again: the next reads come from the disk. */
  void remount() {
    sh("sync").expect(0);
    unmount();
    mount();
  }

  private void mount() {
    device = sh("losetup", "-f", "--show", "--direct-io=on", image.toString()).expect(0).out().trim();
    sh("mount", device, dir.toString()).expect(0);
  }

  private void unmount() {
    sh("umount", dir.toString()).expect(0);
    sh("losetup", "-d", device).expect(0);
  }

  @Override
  public void close() {
    unmount();
  }

  private static Proc.Result sh(String... cmd) {
    return Proc.run(List.of(cmd), null, Map.of(), STEP);
  }
}
