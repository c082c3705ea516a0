package dev.rewind.delta;

import static dev.rewind.delta.Deltas.commands;
import static dev.rewind.delta.Deltas.encode;
import static dev.rewind.delta.Deltas.patch;
import static dev.rewind.delta.Deltas.signature;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What the encoder emits: command choice, integer widths, merging and chunking. */
class DeltaEncoderTest {
  private static final SignatureKind MD4 = SignatureKind.MD4_ROLLSUM;

  @Test
  void encode_identicalTarget_isOneMergedCopy() throws Exception {
    byte[] basis = random(1000, 1);
    byte[] d = encode(signature(basis, 64, 8, MD4), basis);
    assertEquals("C0+1000/12 E", commands(d));
    assertArrayEquals(basis, patch(basis, d));
  }

  @Test
  void encode_emptyTarget_isMagicAndEnd() throws Exception {
    assertArrayEquals(Deltas.hex("7273023600"), encode(signature(random(500, 2), 64, 8, MD4), new byte[0]));
  }

  @Test
  void encode_emptyBasis_inlineLiteralUpTo64() throws Exception {
    byte[] target = random(64, 3);
    byte[] d = encode(signature(new byte[0], 64, 8, MD4), target);
    assertEquals("L64 E", commands(d));
    assertEquals(4 + 1 + 64 + 1, d.length);
  }

  @Test
  void encode_literalLengths_useSmallestWidth() throws Exception {
    Signature empty = signature(new byte[0], 64, 8, MD4);
    assertEquals("L65/1 E", commands(encode(empty, random(65, 4))));
    assertEquals("L300/2 E", commands(encode(empty, random(300, 4))));
    assertEquals("L70000/4 E", commands(encode(empty, random(70000, 4))));
  }

  @Test
  void encode_largeLiteralRun_flushedInBoundedChunks() throws Exception {
    byte[] target = random(3 << 20, 5);
    byte[] d = encode(signature(random(4096, 6), 64, 8, MD4), target);
    assertArrayEquals(target, patch(random(4096, 6), d));
    for (String c : commands(d).split(" ")) {
      if (c.startsWith("L")) {
        assertTrue(Long.parseLong(c.substring(1, c.indexOf('/'))) <= 1 << 20, c);
      }
    }
  }

  @Test
  void encode_copyFarIntoBasis_usesFourByteStart() throws Exception {
    byte[] basis = random(70_000, 7);
    byte[] d = encode(signature(basis, 1000, 8, MD4), Arrays.copyOfRange(basis, 66_000, 67_000));
    assertEquals("C66000+1000/42 E", commands(d));
    assertEquals(0x4e, d[4] & 0xff);
  }

  @Test
  void encode_reorderedBlocks_copiesEachRun() throws Exception {
    byte[] basis = random(640, 8);
    byte[] target = concat(Arrays.copyOfRange(basis, 320, 640), Arrays.copyOfRange(basis, 0, 320));
    byte[] d = encode(signature(basis, 64, 8, MD4), target);
    assertEquals("C320+320/22 C0+320/12 E", commands(d));
  }

  @Test
  void encode_shortLastBlockAtTargetEnd_isCopied() throws Exception {
    byte[] basis = random(130, 9);
    byte[] target = concat("xyz".getBytes(java.nio.charset.StandardCharsets.US_ASCII), Arrays.copyOfRange(basis, 128, 130));
    for (SignatureKind k : SignatureKind.values()) {
      // the 5-byte tail window has to shrink to 2 bytes before it can match the short block
      assertEquals("L3 C128+2/11 E", commands(encode(signature(basis, 64, 8, k), target)), k.toString());
    }
  }

  @Test
  void encode_suffixOfBasis_copiesFullAndShortBlockAsOne() throws Exception {
    byte[] basis = random(130, 10);
    for (SignatureKind k : SignatureKind.values()) {
      byte[] d = encode(signature(basis, 64, 8, k), Arrays.copyOfRange(basis, 64, 130));
      assertEquals("C64+66/11 E", commands(d), k.toString());
    }
  }

  @Test
  void encode_insertionInMiddle_resynchronises() throws Exception {
    byte[] basis = random(1280, 11);
    byte[] target = concat(Arrays.copyOfRange(basis, 0, 600), new byte[] {1, 2, 3}, Arrays.copyOfRange(basis, 600, 1280));
    byte[] d = encode(signature(basis, 64, 8, MD4), target);
    assertArrayEquals(target, patch(basis, d));
    assertTrue(d.length < 100, commands(d));
  }

  @Test
  void encode_repeatedIdenticalBlocks_stillMergeIntoOneCopy() throws Exception {
    byte[] zeros = new byte[64 * 50];
    assertEquals("C0+3200/12 E", commands(encode(signature(zeros, 64, 8, MD4), zeros)));
  }

  @Test
  void encode_blockLengthOne_roundTrips() throws Exception {
    byte[] basis = random(50, 12);
    byte[] target = concat(Arrays.copyOfRange(basis, 10, 40), random(5, 13), basis);
    assertArrayEquals(target, patch(basis, encode(signature(basis, 1, 8, SignatureKind.BLAKE2_RABINKARP), target)));
  }

  @Test
  void encode_trickledTarget_sameDeltaAsWholeReads() throws Exception {
    byte[] basis = random(600_000, 16);
    byte[] target = concat(Arrays.copyOfRange(basis, 1000, 300_000), random(777, 17), Arrays.copyOfRange(basis, 299_000, 600_000));
    Signature sig = signature(basis, 700, 8, MD4);
    ByteArrayOutputStream trickled = new ByteArrayOutputStream();
    DeltaEncoder.encode(sig, new TrickleInputStream(target, new Random(18)), trickled);
    assertArrayEquals(target, patch(basis, trickled.toByteArray()));
    assertEquals(commands(encode(sig, target)).replaceAll("L\\d+(/\\d)? ", "L "),
        commands(trickled.toByteArray()).replaceAll("L\\d+(/\\d)? ", "L "));
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
