package dev.rewind.delta;

import java.io.IOException;

/** A librsync delta or signature stream that is malformed, with the byte offset where it went wrong. */
public final class DeltaFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long offset;

  DeltaFormatException(String problem, long offset) {
    super(problem + " at offset " + offset);
    this.offset = offset;
  }

  /** The byte offset in the stream (counting from its magic) where the problem was found. */
  public long offset() {
    return offset;
  }
}
