package dev.rewind.delta;

import static dev.rewind.delta.Deltas.delta;
import static dev.rewind.delta.Deltas.patch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding of every delta command width, and rejection of every kind of malformed delta. */
class DeltaPatcherTest {
  private static final byte[] BASIS = "0123456789abcdefghij".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  @Test
  void endOnly_emptyBasis_writesNothing() throws Exception {
    assertArrayEquals(new byte[0], patch(new byte[0], delta().end().build()));
  }

  @Test
  void inlineLiteral_everyLengthFrom1To64_copiesData() throws Exception {
    for (int len = 1; len <= 64; len++) {
      byte[] data = random(len, len);
      assertArrayEquals(data, patch(BASIS, delta().op(len).bytes(data).end().build()), "len " + len);
    }
  }

  @Test
  void literalWithLengthField_everyWidth_copiesData() throws Exception {
    for (int w = 0; w < 4; w++) {
      byte[] data = random(300, w);
      byte[] d = delta().op(0x41 + w).be(w == 0 ? 200 : 300, 1 << w).bytes(w == 0 ? Arrays.copyOf(data, 200) : data).end().build();
      assertArrayEquals(w == 0 ? Arrays.copyOf(data, 200) : data, patch(BASIS, d), "width " + (1 << w));
    }
  }

  @Test
  void copy_everyWidthPair_copiesRange() throws Exception {
    for (int op = 0x45; op <= 0x54; op++) {
      int startWidth = 1 << ((op - 0x45) >> 2);
      int lengthWidth = 1 << ((op - 0x45) & 3);
      byte[] d = delta().copy(3, startWidth, 5, lengthWidth).end().build();
      assertEquals(op, d[4] & 0xff);
      assertArrayEquals(Arrays.copyOfRange(BASIS, 3, 8), patch(BASIS, d), String.format("op 0x%02x", op));
    }
  }

  @Test
  void mixedCommands_backwardsAndOverlappingCopies_concatenateInOrder() throws Exception {
    byte[] d = delta().copy(10, 1, 5, 1).op(2).bytes(new byte[] {'X', 'Y'}).copy(0, 2, 3, 4).copy(1, 8, 3, 8).end().build();
    assertArrayEquals("abcdeXY012123".getBytes(java.nio.charset.StandardCharsets.US_ASCII), patch(BASIS, d));
  }

  @Test
  void bytesAfterEnd_areIgnored() throws Exception {
    byte[] d = delta().op(1).bytes(new byte[] {7}).end().op(0x99).build();
    assertArrayEquals(new byte[] {7}, patch(BASIS, d));
  }

  @Test
  void copyToEndOfBasis_isAccepted() throws Exception {
    assertArrayEquals(BASIS, patch(BASIS, delta().copy(0, 1, BASIS.length, 1).end().build()));
  }

  @Test
  void fileChannelBasis_positionalReads_leaveChannelPositionAlone(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("basis");
    Files.write(f, BASIS);
    try (FileChannel ch = FileChannel.open(f)) {
      ch.position(7);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long n = DeltaPatcher.apply(ch, new ByteArrayInputStream(delta().copy(12, 1, 8, 1).end().build()), out);
      assertEquals(8, n);
      assertEquals("cdefghij", out.toString(java.nio.charset.StandardCharsets.US_ASCII));
      assertEquals(7, ch.position());
    }
  }

  @Test
  void hugeCopy_lengthAbove2To32_streamsWholeRange() throws Exception {
    long length = (1L << 32) + 5;
    HugeChannel basis = new HugeChannel(5L << 30);
    CountingOutputStream out = new CountingOutputStream();
    byte[] d = delta().copy(7, 1, length, 8).end().build();
    assertEquals(length, DeltaPatcher.apply(basis, new ByteArrayInputStream(d), out));
    assertEquals(length, out.count);
    assertEquals(7, basis.firstRead);
    assertEquals(7 + length, basis.readEnd);
  }

  @Test
  void hugeCopy_lengthJustAbove2To31_fourByteWidthWorks() throws Exception {
    long length = (1L << 31) + 5;
    HugeChannel basis = new HugeChannel(3L << 30);
    CountingOutputStream out = new CountingOutputStream();
    assertEquals(length, DeltaPatcher.apply(basis, new ByteArrayInputStream(delta().copy(0, 1, length, 4).end().build()), out));
    assertEquals(length, out.count);
  }

  @Test
  void trickledDelta_shortReads_sameResult() throws Exception {
    byte[] lit = random(100_000, 9);
    byte[] d = delta().op(0x43).be(lit.length, 4).bytes(lit).copy(0, 1, 20, 1).end().build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DeltaPatcher.apply(new MemoryChannel(BASIS), new TrickleInputStream(d, new Random(1)), out);
    byte[] expected = Arrays.copyOf(lit, lit.length + 20);
    System.arraycopy(BASIS, 0, expected, lit.length, 20);
    assertArrayEquals(expected, out.toByteArray());
  }

  @Test
  void badMagic_rejectedAtOffset0() {
    DeltaFormatException e = fails(Deltas.raw().be(0x72730136, 4).end().build());
    assertEquals(0, e.offset());
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
  }

  @Test
  void emptyStream_rejectedAsTruncated() {
    assertTrue(fails(new byte[0]).getMessage().contains("truncated"));
  }

  @Test
  void shortMagic_rejectedAsTruncated() {
    DeltaFormatException e = fails(new byte[] {0x72, 0x73});
    assertEquals(2, e.offset());
  }

  @Test
  void reservedOpcodes_0x55To0xff_rejectedAsBogusAtTheirOffset() {
    for (int op = 0x55; op <= 0xff; op++) {
      DeltaFormatException e = fails(delta().op(1).bytes(new byte[1]).op(op).end().build());
      assertEquals(6, e.offset(), "op " + op);
      assertTrue(e.getMessage().contains("bogus") && e.getMessage().contains("at offset 6"), e.getMessage());
    }
  }

  @Test
  void zeroLengthLiteral_rejected() {
    for (int w = 0; w < 4; w++) {
      DeltaFormatException e = fails(delta().op(0x41 + w).be(0, 1 << w).end().build());
      assertEquals(4, e.offset());
      assertTrue(e.getMessage().contains("LITERAL"), e.getMessage());
    }
  }

  @Test
  void zeroLengthCopy_rejected() {
    for (int w = 1; w <= 8; w *= 2) {
      DeltaFormatException e = fails(delta().copy(0, w, 0, w).end().build());
      assertTrue(e.getMessage().contains("COPY"), e.getMessage());
    }
  }

  @Test
  void negativeEightByteLiteralLength_rejected() {
    assertTrue(fails(delta().op(0x44).be(-1L, 8).end().build()).getMessage().contains("18446744073709551615"));
  }

  @Test
  void copyBeyondBasis_rejected() {
    fails(delta().copy(20, 1, 1, 1).end().build());
    fails(delta().copy(15, 1, 6, 1).end().build());
    fails(delta().copy(21, 1, 0xff, 1).end().build());
    fails(delta().copy(1, 1, Long.MAX_VALUE, 8).end().build());
    DeltaFormatException e = fails(delta().op(1).bytes(new byte[1]).copy(-2L, 8, 1, 1).end().build());
    assertEquals(6, e.offset());
    assertTrue(e.getMessage().contains("outside the basis"), e.getMessage());
  }

  @Test
  void missingEnd_rejectedAtEndOfStream() {
    DeltaFormatException e = fails(delta().op(2).bytes(new byte[2]).build());
    assertEquals(7, e.offset());
    assertTrue(e.getMessage().contains("without END"), e.getMessage());
  }

  @Test
  void truncatedLiteralData_rejected() {
    DeltaFormatException e = fails(delta().op(0x42).be(1000, 2).bytes(new byte[10]).build());
    assertEquals(17, e.offset());
    assertTrue(e.getMessage().contains("LITERAL data"), e.getMessage());
  }

  @Test
  void truncatedOperands_rejected() {
    assertTrue(fails(delta().op(0x43).be(0, 2).build()).getMessage().contains("LITERAL length"));
    assertTrue(fails(delta().op(0x4f).be(0, 4).be(1, 1).build()).getMessage().contains("COPY length"));
    assertTrue(fails(delta().op(0x54).be(0, 3).build()).getMessage().contains("COPY start"));
  }

  private static DeltaFormatException fails(byte[] d) {
    return assertThrows(DeltaFormatException.class, () -> patch(BASIS, d));
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A basis of any size whose reads only move the position, so gigabyte copies stay fast. */
  private static final class HugeChannel extends java.nio.channels.spi.AbstractInterruptibleChannel
      implements java.nio.channels.SeekableByteChannel {
    private final long size;
    private long position;
    long firstRead = -1;
    long readEnd;

    HugeChannel(long size) {
      this.size = size;
    }

    @Override
    public int read(java.nio.ByteBuffer dst) {
      if (firstRead < 0) {
        firstRead = position;
      }
      int n = (int) Math.min(dst.remaining(), size - position);
      dst.position(dst.position() + n);
      position += n;
      readEnd = position;
      return n;
    }

    @Override
    public int write(java.nio.ByteBuffer src) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public java.nio.channels.SeekableByteChannel position(long p) {
      position = p;
      return this;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public java.nio.channels.SeekableByteChannel truncate(long s) {
      throw new UnsupportedOperationException();
    }

    @Override
    protected void implCloseChannel() {}
  }

  private static final class CountingOutputStream extends java.io.OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
