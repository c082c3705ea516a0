package dev.rewind.delta;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/** Writes librsync deltas that turn a basis (known by its signature) into a target stream. */
public final class DeltaEncoder {
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
   * Encodes the way rdiff-backup writes a reverse increment: signature of {@code newer} (rollsum,
   * block length by {@link BlockLength#forFileSize}), then a delta from it to {@code older}.
   * {@code newerSize} only picks the block length. The signature never leaves this process, so
   * its strong sums are SHA-256 rather than rdiff-backup's MD4 (see {@link
   * Signature#computeInProcess}); any librsync can apply the delta.
   */
  public static void encode(InputStream newer, long newerSize, InputStream older, OutputStream delta)
      throws IOException {
    Signature sig = Signature.computeInProcess(newer, BlockLength.forFileSize(newerSize));
    encode(sig, older, delta);
  }
}
