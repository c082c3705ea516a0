package dev.rewind.delta;

import java.io.IOException;
import java.io.InputStream;

/** Decodes a librsync delta stream command by command, for whoever turns commands into bytes. */
final class DeltaCommands {
  /** Receives the commands of one delta in order. */
  interface Sink {
    /**
     * A LITERAL of {@code length} bytes (at least 1) that the sink must read, all of them, from
     * {@code data}; {@code at} is the command's offset in the delta, for error messages.
     */
    void literal(long length, ByteReader data, long at) throws IOException;

    /** A COPY of {@code length} bytes (at least 1) of the basis from {@code start}. */
    void copy(long start, long length, long at) throws IOException;
  }

  private DeltaCommands() {}

  /** Reads {@code delta} up to its END command and does not close it. */
  static void read(InputStream delta, Sink sink) throws IOException {
    ByteReader r = new ByteReader(delta);
    long magic = r.readUnsigned(4, "magic");
    if (magic != DeltaFormat.DELTA_MAGIC) {
      throw new DeltaFormatException(
          String.format("bad delta magic 0x%08x (expected 0x%08x)", magic, DeltaFormat.DELTA_MAGIC), 0);
    }
    while (command(r, sink)) {
      // each call handles one command
    }
  }

  /** Executes one command; false after END. */
  private static boolean command(ByteReader r, Sink sink) throws IOException {
    long at = r.offset();
    int op = r.readByteOrEof();
    if (op < 0) {
      throw new DeltaFormatException("delta ends without END command", at);
    }
    if (op == DeltaFormat.OP_END) {
      return false;
    }
    if (op <= DeltaFormat.MAX_INLINE_LITERAL) {
      sink.literal(op, r, at);
    } else if (op < DeltaFormat.OP_COPY) {
      int width = DeltaFormat.width(op - DeltaFormat.OP_LITERAL_N);
      sink.literal(checkLength(r.readUnsigned(width, "LITERAL length"), "LITERAL", at), r, at);
    } else if (op <= DeltaFormat.OP_LAST_COPY) {
      int widths = op - DeltaFormat.OP_COPY;
      long start = r.readUnsigned(DeltaFormat.width(widths >> 2), "COPY start");
      long length = r.readUnsigned(DeltaFormat.width(widths & 3), "COPY length");
      sink.copy(start, checkLength(length, "COPY", at), at);
    } else {
      throw new DeltaFormatException(String.format("bogus command 0x%02x", op), at);
    }
    return true;
  }

  private static long checkLength(long length, String command, long at)
      throws DeltaFormatException {
    // An 8-byte length with the top bit set reads as negative; librsync rejects zero as corrupt.
    if (length <= 0) {
      throw new DeltaFormatException(
          command + " with invalid length " + Long.toUnsignedString(length), at);
    }
    return length;
  }

  /** The error for a COPY that reaches outside a basis of {@code basisSize} bytes. */
  static DeltaFormatException outsideBasis(long start, long length, long basisSize, long at) {
    return new DeltaFormatException("COPY of " + length + " bytes from " + Long.toUnsignedString(start)
        + " lies outside the basis of " + basisSize + " bytes", at);
  }
}
