package dev.rewind.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelPathTest {
  @Test
  void compareTo_prefixDirectory_sortsBeforeSiblingsWithLowerBytes() {
    List<RelPath> paths = new ArrayList<>(List.of(
        RelPath.of("sub.txt"), RelPath.of("sub-a"), RelPath.of("sub/plain_in_sub.txt"), RelPath.of("sub"),
        RelPath.ROOT));
    Collections.sort(paths);
    assertEquals(List.of(RelPath.ROOT, RelPath.of("sub"), RelPath.of("sub/plain_in_sub.txt"),
        RelPath.of("sub-a"), RelPath.of("sub.txt")), paths);
  }

  @Test
  void compareTo_highBytes_sortAfterAscii() {
    RelPath high = RelPath.of(new byte[] {(byte) 0xc3, (byte) 0xbc});
    assertTrue(high.compareTo(RelPath.of("xattr/f")) > 0);
  }

  @Test
  void child_nameWithNewlineAndInvalidUtf8_keepsBytes() {
    byte[] odd = {'a', '\n', (byte) 0xff};
    RelPath p = RelPath.of("dir").child(odd);
    assertArrayEquals(odd, p.name());
    assertEquals(RelPath.of("dir"), p.parent());
    assertEquals(2, p.depth());
  }

  @Test
  void of_dotOrEmpty_isRoot() {
    assertTrue(RelPath.of(".").isRoot());
    assertTrue(RelPath.of("").isRoot());
    assertArrayEquals(new byte[] {'.'}, RelPath.ROOT.indexBytes());
  }

  @Test
  void of_badPaths_rejected() {
    assertThrows(IllegalArgumentException.class, () -> RelPath.of("/abs"));
    assertThrows(IllegalArgumentException.class, () -> RelPath.of("a//b"));
    assertThrows(IllegalArgumentException.class, () -> RelPath.ROOT.child("a/b".getBytes()));
  }

  @Test
  void contains_onlyWholeComponents() {
    assertTrue(RelPath.of("a").contains(RelPath.of("a/b")));
    assertTrue(RelPath.of("a").contains(RelPath.of("a")));
    assertFalse(RelPath.of("a").contains(RelPath.of("ab")));
    assertTrue(RelPath.ROOT.contains(RelPath.of("x")));
    assertEquals(RelPath.of("b/c"), RelPath.of("a/b/c").relativeTo(RelPath.of("a")));
    assertEquals(RelPath.ROOT, RelPath.of("a").relativeTo(RelPath.of("a")));
  }

  @Test
  void under_joinsWithOneSlash() {
    assertEquals("/t/a/b", new String(RelPath.of("a/b").under("/t".getBytes())));
    assertEquals("/t/a", new String(RelPath.of("a").under("/t/".getBytes())));
    assertEquals("/t", new String(RelPath.ROOT.under("/t".getBytes())));
  }
}
