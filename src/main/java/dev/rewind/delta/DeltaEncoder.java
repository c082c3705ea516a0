package dev.rewind.delta;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
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
   * Writes a reverse increment the way rdiff-backup's can be read: a librsync delta that rebuilds
   * {@code older} from {@code newer}, both local files. Where the two line up at the same offsets
   * it is found by comparing bytes ({@link AlignedMatcher}); elsewhere by the rsync algorithm with
   * rdiff-backup's block length ({@link BlockLength#forFileSize} of the newer file) and an
   * in-process signature ({@link Signature#computeInProcess}). Any librsync can apply the delta.
   * Reads both channels at explicit positions and leaves them open.
   */
  public static void encodeReverse(FileChannel newer, FileChannel older, OutputStream delta) throws IOException {
    DeltaWriter writer = new DeltaWriter(delta);
    new AlignedMatcher(newer, older, BlockLength.forFileSize(newer.size()), writer).run();
    writer.finish();
  }
}
