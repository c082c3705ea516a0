package dev.rewind.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountpointsTest {
  private static final MountLog QUIET = new MountLog() {
    @Override
    public void warn(String message) {}

    @Override
    public void info(String message) {}
  };

  @TempDir Path dir;

  @Test
  void parse_mountinfoLine_unescapesPaths() {
    Mountpoints.Mount m = Mountpoints.parse(
        "42 26 0:38 / /srv/back\\040ups ro,nosuid,nodev,relatime shared:1 - fuse.rewind /srv/rewind ro,user_id=0");
    assertEquals(new Mountpoints.Mount("/srv/back ups", "fuse.rewind", "/srv/rewind"), m);
    assertNull(Mountpoints.parse("garbage"));
  }

  @Test
  void prepare_plainDirectory_ok() throws IOException {
    Mountpoints.prepare(dir, QUIET);
  }

  @Test
  void prepare_missingOrFile_refused() throws IOException {
    assertThrows(NoSuchFileException.class, () -> Mountpoints.prepare(dir.resolve("nope"), QUIET));
    Files.writeString(dir.resolve("f"), "x");
    assertThrows(NotDirectoryException.class, () -> Mountpoints.prepare(dir.resolve("f"), QUIET));
  }
}
