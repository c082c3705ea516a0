package dev.rewind.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Rollsum and Rabin-Karp against values read from signatures made by rdiff 2.3.2. */
class WeakSumTest {
  private static final byte[] ABC = "abc".getBytes(StandardCharsets.US_ASCII);

  @Test
  void rollsum_empty_isZero() {
    assertEquals(0, Rollsum.of(new byte[0], 0, 0));
  }

  @Test
  void rollsum_abc_matchesRdiff() {
    // s1 = 128 + 129 + 130 = 0x183, s2 = 128 + 257 + 387 = 0x304
    assertEquals(0x03040183, Rollsum.of(ABC, 0, 3));
  }

  @Test
  void rollsum_thousandZeros_matchesRdiff() {
    assertEquals(0xbf6c7918, Rollsum.of(new byte[1000], 0, 1000));
  }

  @Test
  void rollsum_highBytes_treatedAsUnsigned() {
    assertEquals(Rollsum.digest(0xff + 31, 0xff + 31), Rollsum.of(new byte[] {(byte) 0xff}, 0, 1));
  }

  @Test
  void rollsum_offset_onlyCoversRange() {
    byte[] b = {9, 'a', 'b', 'c', 9};
    assertEquals(0x03040183, Rollsum.of(b, 1, 3));
  }

  @Test
  void rabinKarp_empty_isSeed1() {
    assertEquals(1, RabinKarp.of(new byte[0], 0, 0));
  }

  @Test
  void rabinKarp_abc_matchesRdiff() {
    assertEquals(0x66298923, RabinKarp.of(ABC, 0, 3));
  }

  @Test
  void rabinKarp_thousandZeros_matchesRdiff() {
    assertEquals(0xd1335f61, RabinKarp.of(new byte[1000], 0, 1000));
  }

  @Test
  void rabinKarp_inverse_matchesLibrsyncConstant() {
    assertEquals(0x98f009ad, RabinKarp.inverse());
    assertEquals(1, RabinKarp.inverse() * RabinKarp.MULT);
  }

  @Test
  void rabinKarp_pow_matchesRepeatedMultiplication() {
    int p = 1;
    for (int n = 0; n < 300; n++) {
      assertEquals(p, RabinKarp.pow(n), "n " + n);
      p *= RabinKarp.MULT;
    }
  }

  @Test
  void rabinKarp_rollingFormula_equalsFreshSum() {
    byte[] b = new byte[500];
    new Random(5).nextBytes(b);
    int n = 64;
    int h = RabinKarp.of(b, 0, n);
    int weight = RabinKarp.pow(n);
    for (int p = 0; p + n < b.length; p++) {
      h = h * RabinKarp.MULT + (b[p + n] & 0xff) - weight * ((b[p] & 0xff) + RabinKarp.ADJUST);
      assertEquals(RabinKarp.of(b, p + 1, n), h, "window " + (p + 1));
    }
  }

  @Test
  void rollsum_rollingFormula_equalsFreshSum() {
    byte[] b = new byte[500];
    new Random(6).nextBytes(b);
    int n = 64;
    int w = Rollsum.of(b, 0, n);
    int s1 = w & 0xffff;
    int s2 = w >>> 16;
    for (int p = 0; p + n < b.length; p++) {
      int out = b[p] & 0xff;
      s1 += (b[p + n] & 0xff) - out;
      s2 += s1 - n * (out + Rollsum.CHAR_OFFSET);
      assertEquals(Rollsum.of(b, p + 1, n), Rollsum.digest(s1, s2), "window " + (p + 1));
    }
  }
}
