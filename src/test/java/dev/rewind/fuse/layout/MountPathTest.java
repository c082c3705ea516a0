package dev.rewind.fuse.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rewind.core.RelPath;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MountPathTest {
  private static byte[] b(String latin1) {
    return latin1.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void parse_slash_isRoot() {
    MountPath p = MountPath.parse(b("/"));
    assertEquals(MountPath.Level.ROOT, p.level());
    assertNull(p.host());
    assertArrayEquals(b("/"), p.format());
  }

  @Test
  void parse_hostOnly_isHostLevel() {
    MountPath p = MountPath.parse(b("/web1"));
    assertEquals(MountPath.Level.HOST, p.level());
    assertArrayEquals(b("web1"), p.host());
    assertNull(p.session());
    assertNull(p.inside());
  }

  @Test
  void parse_session_isSessionRoot() {
    MountPath p = MountPath.parse(b("/web1/2026-11-20"));
    assertEquals(MountPath.Level.SESSION, p.level());
    assertArrayEquals(b("2026-11-20"), p.session());
    assertEquals(RelPath.ROOT, p.inside());
  }

  @Test
  void parse_deepPathWithOddBytes_keepsBytesExactly() {
    byte[] raw = b("/h\u00ff/latest/etc/new\nline/bad\u00fe\u00ff");
    MountPath p = MountPath.parse(raw);
    assertEquals(MountPath.Level.ENTRY, p.level());
    assertArrayEquals(b("h\u00ff"), p.host());
    assertEquals(RelPath.of(b("etc/new\nline/bad\u00fe\u00ff")), p.inside());
    assertArrayEquals(raw, p.format());
  }

  @Test
  void parse_relativeOrEmptyComponent_rejected() {
    assertThrows(IllegalArgumentException.class, () -> MountPath.parse(b("web1")));
    assertThrows(IllegalArgumentException.class, () -> MountPath.parse(b("")));
    assertThrows(IllegalArgumentException.class, () -> MountPath.parse(b("//x")));
    assertThrows(IllegalArgumentException.class, () -> MountPath.parse(b("/h//x")));
    assertThrows(IllegalArgumentException.class, () -> MountPath.parse(b("/h/s/a//b")));
  }

  @Test
  void of_formatsAndParsesBack() {
    MountPath p = MountPath.of(b("web1"), b("latest"), RelPath.of("etc/hosts"));
    assertEquals(p, MountPath.parse(p.format()));
    assertEquals("/web1/latest/etc/hosts", p.toString());
    assertEquals(MountPath.host(b("web1")), MountPath.parse(b("/web1")));
    assertEquals(MountPath.of(b("a"), b("s"), RelPath.ROOT), MountPath.parse(b("/a/s")));
  }
}
