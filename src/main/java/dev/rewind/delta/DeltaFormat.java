package dev.rewind.delta;

/** Constants of the librsync delta command stream and its integer-width rule. */
final class DeltaFormat {
  /** "rs\x026". */
  static final int DELTA_MAGIC = 0x72730236;

  static final int OP_END = 0x00;
  /** Opcodes 0x01..0x40 are literals whose length is the opcode itself. */
  static final int MAX_INLINE_LITERAL = 0x40;
  /** 0x41..0x44: literal with a 1/2/4/8-byte length. */
  static final int OP_LITERAL_N = 0x41;
  /** 0x45..0x54: copy; (op - 0x45) = 4 * startWidthIndex + lengthWidthIndex. */
  static final int OP_COPY = 0x45;
  static final int OP_LAST_COPY = 0x54;

  private DeltaFormat() {}

  /** Bytes of the width with index i (0..3). */
  static int width(int index) {
    return 1 << index;
  }

  /** Index (0..3) of the smallest of 1/2/4/8 bytes that holds the non-negative {@code v}. */
  static int widthIndex(long v) {
    if ((v & ~0xffL) == 0) {
      return 0;
    }
    if ((v & ~0xffffL) == 0) {
      return 1;
    }
    if ((v & ~0xffffffffL) == 0) {
      return 2;
    }
    return 3;
  }
}
