package dev.rewind.delta;

import static dev.rewind.delta.Deltas.hex;
import static dev.rewind.delta.Deltas.signature;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Signature computation, librsync serialisation and parsing, checked against rdiff output. */
class SignatureTest {
  @Test
  void compute_abcMd4Rollsum16_isByteIdenticalToRdiff() throws Exception {
    // rdiff -H md4 -R rollsum -S 16 -b 64 signature (file containing "abc")
    byte[] expected = hex("727301360000004000000010" + "03040183" + "a448017aaf21d8525fc10ae87aa6729d");
    assertArrayEquals(expected, bytes(signature(abc(), 64, 16, SignatureKind.MD4_ROLLSUM)));
  }

  @Test
  void compute_abcMd4RabinKarp16_isByteIdenticalToRdiff() throws Exception {
    byte[] expected = hex("727301460000004000000010" + "66298923" + "a448017aaf21d8525fc10ae87aa6729d");
    assertArrayEquals(expected, bytes(signature(abc(), 64, 16, SignatureKind.MD4_RABINKARP)));
  }

  @Test
  void compute_zerosBlake2Rollsum32_isByteIdenticalToRdiff() throws Exception {
    byte[] expected = hex("72730137000003e800000020" + "bf6c7918"
        + "919da92d5040aeac86a75eb4125da3d0a9423bae8ae422b733b755f7baa8dadf");
    assertArrayEquals(expected, bytes(signature(new byte[1000], 1000, 32, SignatureKind.BLAKE2_ROLLSUM)));
  }

  @Test
  void computeInProcess_abc_keeps16BytesOfSha256AndRollsum() throws Exception {
    Signature s = Signature.computeInProcess(new ByteArrayInputStream(abc()), 64);
    assertEquals(SignatureKind.MD4_ROLLSUM, s.kind());
    assertEquals(Rollsum.of(abc(), 0, 3), s.weakSum(0));
    assertArrayEquals(hex("ba7816bf8f01cfea414140de5dae2223"), s.strongSum(0));
  }

  @Test
  void computeInProcess_hasNoLibrsyncForm_writeToRefuses() throws Exception {
    Signature s = Signature.computeInProcess(new ByteArrayInputStream(abc()), 64);
    assertThrows(IllegalStateException.class, () -> s.writeTo(new ByteArrayOutputStream()));
    assertTrue(!s.equals(signature(abc(), 64, 16, SignatureKind.MD4_ROLLSUM)));
  }

  @Test
  void compute_emptyInput_isHeaderOnly() throws Exception {
    Signature s = signature(new byte[0], 64, 8, SignatureKind.MD4_ROLLSUM);
    assertEquals(0, s.blockCount());
    assertArrayEquals(hex("727301360000004000000008"), bytes(s));
  }

  @Test
  void compute_strongLength8_keepsLeftmostBytes() throws Exception {
    Signature s = signature(abc(), 64, 8, SignatureKind.MD4_ROLLSUM);
    assertArrayEquals(hex("a448017aaf21d852"), s.strongSum(0));
  }

  @Test
  void compute_shortLastBlock_hashesOnlyItsBytes() throws Exception {
    byte[] data = new byte[130];
    new Random(3).nextBytes(data);
    Signature s = signature(data, 64, 16, SignatureKind.MD4_ROLLSUM);
    assertEquals(3, s.blockCount());
    assertEquals(Rollsum.of(data, 128, 2), s.weakSum(2));
    Signature last = signature(Arrays.copyOfRange(data, 128, 130), 64, 16, SignatureKind.MD4_ROLLSUM);
    assertArrayEquals(last.strongSum(0), s.strongSum(2));
  }

  @Test
  void compute_blocksAcrossReadChunks_sameAsOneBlockAtATime() throws Exception {
    byte[] data = new byte[700_000];
    new Random(4).nextBytes(data);
    Signature whole = signature(data, 1000, 8, SignatureKind.BLAKE2_RABINKARP);
    Signature trickled = Signature.compute(new TrickleInputStream(data, new Random(5)), 1000, 8,
        SignatureKind.BLAKE2_RABINKARP);
    assertEquals(whole, trickled);
    assertEquals(700, whole.blockCount());
    assertEquals(RabinKarp.of(data, 699_000, 1000), whole.weakSum(699));
  }

  @Test
  void writeThenRead_everyKind_roundTrips() throws Exception {
    byte[] data = new byte[5000];
    new Random(6).nextBytes(data);
    for (SignatureKind k : SignatureKind.values()) {
      Signature s = signature(data, 128, k.maxStrongLength(), k);
      Signature back = Signature.readFrom(new ByteArrayInputStream(bytes(s)));
      assertEquals(s, back, k.toString());
      assertEquals(s.hashCode(), back.hashCode());
      assertEquals(k, back.kind());
      assertEquals(128, back.blockLength());
      assertEquals(k.maxStrongLength(), back.strongLength());
    }
  }

  @Test
  void strongSum_returnsCopy_signatureStaysImmutable() throws Exception {
    Signature s = signature(abc(), 64, 8, SignatureKind.MD4_ROLLSUM);
    s.strongSum(0)[0] ^= 1;
    assertArrayEquals(hex("a448017aaf21d852"), s.strongSum(0));
  }

  @Test
  void readFrom_unknownMagic_rejected() {
    DeltaFormatException e = assertThrows(DeltaFormatException.class,
        () -> Signature.readFrom(new ByteArrayInputStream(hex("727302360000004000000008"))));
    assertEquals(0, e.offset());
  }

  @Test
  void readFrom_truncatedBlock_rejected() {
    DeltaFormatException e = assertThrows(DeltaFormatException.class,
        () -> Signature.readFrom(new ByteArrayInputStream(hex("727301360000004000000008" + "0102030405"))));
    assertEquals(17, e.offset());
    assertTrue(e.getMessage().contains("strong sum of block 0"), e.getMessage());
  }

  @Test
  void readFrom_truncatedHeader_rejected() {
    assertThrows(DeltaFormatException.class, () -> Signature.readFrom(new ByteArrayInputStream(hex("7273013600"))));
  }

  @Test
  void readFrom_badLengths_rejected() {
    for (String header : new String[] {"727301360000000000000008", "727301360000004000000000",
        "727301360000004000000011", "727301370000004000000021", "72730136ffffffff00000008"}) {
      assertThrows(DeltaFormatException.class, () -> Signature.readFrom(new ByteArrayInputStream(hex(header))), header);
    }
  }

  @Test
  void compute_invalidArguments_throw() {
    assertThrows(IllegalArgumentException.class, () -> signature(abc(), 0, 8, SignatureKind.MD4_ROLLSUM));
    assertThrows(IllegalArgumentException.class, () -> signature(abc(), 64, 17, SignatureKind.MD4_ROLLSUM));
    assertThrows(IllegalArgumentException.class, () -> signature(abc(), 64, 0, SignatureKind.BLAKE2_ROLLSUM));
  }

  @Test
  void signatureKind_magics_matchLibrsync() {
    assertEquals(0x72730136, SignatureKind.MD4_ROLLSUM.magic());
    assertEquals(0x72730137, SignatureKind.BLAKE2_ROLLSUM.magic());
    assertEquals(0x72730146, SignatureKind.MD4_RABINKARP.magic());
    assertEquals(0x72730147, SignatureKind.BLAKE2_RABINKARP.magic());
    assertEquals(SignatureKind.MD4_RABINKARP, SignatureKind.byMagic(0x72730146));
  }

  private static byte[] abc() {
    return "abc".getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] bytes(Signature s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.writeTo(out);
    return out.toByteArray();
  }
}
