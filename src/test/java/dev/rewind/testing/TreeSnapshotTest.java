package dev.rewind.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.FileType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tree fixtures themselves: what {@link TreeBuilder} makes and what {@link TreeSnapshot} notices. */
class TreeSnapshotTest {
  private static final long T = 1_700_000_000L;
  private static final byte[] NEWLINE = TreeBuilder.raw("new\nline");
  private static final byte[] BAD = TreeBuilder.raw("bad\u00ff\u00fe.bin");

  @TempDir Path dir;
  private int trees;

  private TreeBuilder sampleTree() {
    return TreeBuilder.at(dir.resolve("t" + (++trees)), T)
        .file("a.txt", "hello\n")
        .randomFile("big", 100_000, 7)
        .dir("d")
        .file("d/x", "x\n")
        .hardlink("d/x2", "d/x")
        .symlink("link", "a.txt")
        .fifo("fifo")
        .file(NEWLINE, "newline\n")
        .file(BAD, "bad\n")
        .xattr("a.txt", "user.k", new byte[] {1, 2, 3})
        .touch("", T);
  }

  @Test
  void capture_sameTreeTwice_noDifferences() {
    TreeBuilder t = sampleTree();
    TreeSnapshot a = TreeSnapshot.capture(t.root());
    TreeSnapshot b = TreeSnapshot.capture(t.root());
    assertEquals(List.of(), TreeSnapshot.differences(a, b));
    assertEquals(10, a.size(), a.toString());
    assertNotNull(a.get(NEWLINE), "byte name with a newline is recorded as is");
    assertNotNull(a.get(BAD), "invalid UTF-8 name is recorded as is");
    assertEquals(FileType.FIFO, a.get("fifo").type());
    assertEquals(Map.of("d/x", "d/x", "d/x2", "d/x"), a.hardLinkGroups());
    assertEquals(T, a.get("a.txt").mtime());
  }

  private void assertNoticed(Consumer<TreeBuilder> change, String expectedFragment) {
    TreeBuilder t = sampleTree();
    TreeSnapshot before = TreeSnapshot.capture(t.root());
    change.accept(t);
    List<String> diffs = TreeSnapshot.differences(before, TreeSnapshot.capture(t.root()));
    assertTrue(diffs.stream().anyMatch(d -> d.contains(expectedFragment)),
        "expected a difference containing '" + expectedFragment + "', got " + diffs);
  }

  @Test
  void differences_sameSizeSameMtimeEdit_noticedByHash() {
    assertNoticed(t -> t.editAt("big", 50_000, "EDIT".getBytes()).touch("big", T), "big: sha1");
  }

  @Test
  void differences_eachAttributeChange_noticed() {
    assertNoticed(t -> t.chmod("a.txt", 0600), "a.txt: permissions: expected 0644, actual 0600");
    assertNoticed(t -> t.touch("a.txt", -5), "a.txt: mtime: expected " + T + ", actual -5");
    assertNoticed(t -> t.retarget("link", "d/x"), "link: symlink: expected a.txt, actual d/x");
    assertNoticed(t -> t.xattr("a.txt", "user.k", new byte[] {9}), "a.txt: xattr user.k");
    assertNoticed(t -> t.breakHardLink("d/x2"), "d/x2: hard link group: expected with d/x, actual none");
    assertNoticed(t -> t.append("a.txt", "more"), "a.txt: size");
    assertNoticed(t -> t.truncate("big", 10), "big: size");
    assertNoticed(t -> t.delete("d"), "missing: d/x2");
    assertNoticed(t -> t.file("new", "n"), "unexpected: new");
    assertNoticed(t -> t.replaceWithDir("a.txt"), "a.txt: type: expected reg, actual dir");
    assertNoticed(t -> t.replaceWithSymlink("d", "a.txt"), "d: type: expected dir, actual sym");
    assertNoticed(t -> t.write(NEWLINE, "changed\n".getBytes()), "new\\x0aline: sha1");
    assertNoticed(t -> t.delete(BAD), "missing: bad\\xff\\xfe.bin");
  }

  @Test
  void write_throughOneHardLink_changesTheGroupAndKeepsIt() {
    TreeBuilder t = sampleTree().clock(T + 100).write("d/x", "new content\n");
    TreeSnapshot s = TreeSnapshot.capture(t.root());
    assertEquals(s.get("d/x").sha1(), s.get("d/x2").sha1());
    assertEquals(Map.of("d/x", "d/x", "d/x2", "d/x"), s.hardLinkGroups());
    assertEquals(T + 100, s.get("d/x2").mtime());
  }

  @Test
  void subtreeAndWithout_reRootAndCut() {
    TreeSnapshot s = TreeSnapshot.capture(sampleTree().root());
    TreeSnapshot d = s.subtree("d");
    assertEquals(3, d.size());
    assertEquals(FileType.DIRECTORY, d.get("").type());
    assertEquals(Map.of("x", "x", "x2", "x"), d.hardLinkGroups());
    assertEquals(7, s.without("d").size());
    assertEquals(1, s.subtree("a.txt").size());
  }

  @Test
  void assertSameTree_manyDifferences_boundedReadableMessage() {
    TreeBuilder t = sampleTree();
    TreeSnapshot before = TreeSnapshot.capture(t.root());
    for (int i = 0; i < 100; i++) {
      t.file("extra" + i, "e");
    }
    AssertionError e = assertThrows(AssertionError.class,
        () -> TreeSnapshot.assertSameTree(before, TreeSnapshot.capture(t.root()), "ctx"));
    assertTrue(e.getMessage().startsWith("ctx: trees differ in 100 place(s):"), e.getMessage());
    assertTrue(e.getMessage().contains("... and 40 more"), e.getMessage());
  }

  @Test
  void withoutDirectoryMtimes_ignoresOnlyDirectories() {
    TreeBuilder t = sampleTree();
    TreeSnapshot before = TreeSnapshot.capture(t.root()).withoutDirectoryMtimes();
    t.touch("d", 5);
    assertEquals(List.of(), TreeSnapshot.differences(before, TreeSnapshot.capture(t.root()).withoutDirectoryMtimes()));
  }

  @Test
  void escape_isReadableAndInjective() {
    assertEquals("a\\x0ab\\\\c\\xff", TreeSnapshot.escape(TreeBuilder.raw("a\nb\\c\u00ff")));
  }
}
