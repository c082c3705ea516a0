package dev.rewind.delta;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/** Writes librsync deltas that turn a basis (known by its signature) into a target stream. */
public final class DeltaEncoder {
  /** rdiff-backup keeps 8 bytes of the MD4 sum per block. */
  private static final int RDIFF_BACKUP_STRONG_LENGTH = 8;

  private DeltaEncoder() {}

  /**
   * Writes to {@code delta} a librsync delta that rebuilds {@code target} from the basis that
   * {@code basisSignature} was computed from. Reads the target once, holding only about two
   * blocks of it; does not close either stream.
   */
  public static void encode(Signature basisSignature, InputStream target, OutputStream delta)
      throws IOException {
    Objects.requireNonNull(basisSignature, "basisSignature");
    DeltaWriter writer = new DeltaWriter(delta);
    new RollingMatcher(basisSignature, target, writer).run();
    writer.finish();
  }

  /**
   * Encodes the way rdiff-backup writes a reverse increment: signature of {@code newer} (MD4,
   * rollsum, strong length 8, block length by {@link BlockLength#forFileSize}), then a delta from
   * it to {@code older}. {@code newerSize} only picks the block length.
   */
  public static void encode(InputStream newer, long newerSize, InputStream older, OutputStream delta)
      throws IOException {
    Signature sig = Signature.compute(newer, BlockLength.forFileSize(newerSize),
        RDIFF_BACKUP_STRONG_LENGTH, SignatureKind.MD4_ROLLSUM);
    encode(sig, older, delta);
  }
}
