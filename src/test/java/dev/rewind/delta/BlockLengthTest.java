package dev.rewind.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** rdiff-backup's block length rule at its boundaries. */
class BlockLengthTest {
  @Test
  void forFileSize_empty_is64() {
    assertEquals(64, BlockLength.forFileSize(0));
  }

  @Test
  void forFileSize_justBelow10240_is64() {
    assertEquals(64, BlockLength.forFileSize(10239));
  }

  @Test
  void forFileSize_10240_usesSquareRootRule() {
    // bit_length(10240) = 14, so 10240 >> 11 << 4 = 80
    assertEquals(80, BlockLength.forFileSize(10240));
  }

  @Test
  void forFileSize_4MiB_is2048() {
    assertEquals(2048, BlockLength.forFileSize(4L << 20));
  }

  @Test
  void forFileSize_1GiB_is32768() {
    assertEquals(32768, BlockLength.forFileSize(1L << 30));
  }

  @Test
  void forFileSize_powerOfTwoBoundaries_matchPythonFormula() {
    for (int bits = 14; bits < 50; bits++) {
      for (long size : new long[] {(1L << bits) - 1, 1L << bits, (1L << bits) + 1}) {
        long expected = (size >> (Long.toBinaryString(size).length() / 2 + 4)) << 4;
        assertEquals(expected, BlockLength.forFileSize(size), "size " + size);
      }
    }
  }

  @Test
  void forFileSize_largestLong_throwsInsteadOfWrapping() {
    assertThrows(ArithmeticException.class, () -> BlockLength.forFileSize(Long.MAX_VALUE));
  }

  @Test
  void forFileSize_negative_throws() {
    assertThrows(IllegalArgumentException.class, () -> BlockLength.forFileSize(-1));
  }
}
