package dev.rewind.delta;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Encodes a delta from a basis file to a target file when both are at hand: it first compares the
 * target with the basis at the same offsets, and hands the rest to the rsync algorithm ({@link
 * RollingMatcher}) only where the two stop lining up.
 *
 * <p>Why: reverse increments are written with both versions of a file on local disk, and most
 * changes to big files happen in place or at the end (databases, disk images, growing logs). For
 * those the rsync algorithm's work — a strong hash of every block of the basis, then a rolling
 * checksum and strong hash over the whole target — finds nothing that a byte comparison at the
 * same offset does not find at memory speed. The comparison is also exact: a COPY is emitted only
 * for bytes seen to be equal, so the delta is valid whatever the content.
 *
 * <p>A differing stretch ends where the two agree again for {@link #RESYNC} bytes; it is written
 * as a LITERAL of the target. If the stretch grows past {@link #giveUp} bytes the contents have
 * most likely shifted (an insertion or a deletion), and from the stretch's start on the rsync
 * algorithm takes over, with a signature of the whole basis as before. Literals emitted here are
 * therefore bounded by {@code giveUp} each, which keeps the delta close to what rsync would give.
 */
final class AlignedMatcher {
  private static final int CHUNK = 1 << 20;
  /** Equal bytes that end a differing stretch; shorter agreements stay inside the literal. */
  static final int RESYNC = 32;

  private final FileChannel basis;
  private final FileChannel target;
  private final long basisSize;
  private final long targetSize;
  private final int blockLength;
  private final int giveUp;
  private final DeltaWriter writer;
  private final byte[] t;
  private final byte[] b;

  /** {@code blockLength} is the rsync fallback's; it also scales how long a stretch may differ. */
  AlignedMatcher(FileChannel basis, FileChannel target, int blockLength, DeltaWriter writer) throws IOException {
    this.basis = basis;
    this.target = target;
    this.basisSize = basis.size();
    this.targetSize = target.size();
    this.blockLength = blockLength;
    this.giveUp = giveUpAfter(blockLength);
    this.writer = writer;
    int chunk = (int) Math.min(CHUNK, Math.max(1, targetSize));
    this.t = new byte[chunk];
    this.b = new byte[chunk];
  }

  /** Eight blocks: an in-place edit of a few blocks resyncs; a shift is recognised cheaply. */
  static int giveUpAfter(int blockLength) {
    return (int) Math.min(CHUNK / 2, Math.max(8L * blockLength, 4L * RESYNC));
  }

  void run() throws IOException {
    long pos = 0; // the first target byte not yet encoded
    while (pos < targetSize) {
      int lt = readFully(target, t, pos, (int) Math.min(t.length, targetSize - pos));
      int lb = readFully(basis, b, pos, (int) Math.max(0, Math.min(lt, basisSize - pos)));
      if (lt == 0) {
        throw new IOException("the file shrank while its delta was written");
      }
      boolean lastChunk = pos + lt == targetSize;
      int i = 0;
      while (i < lt) {
        int same = equalRun(i, lb);
        if (same > 0) {
          writer.copy(pos + i, same);
          i += same;
          continue;
        }
        int resync = nextResync(i, lt, lb, lastChunk);
        if (resync >= 0 && resync - i <= giveUp) {
          writer.literal(t, i, resync - i);
          i = resync;
          continue;
        }
        if (resync >= 0) {
          // Agreeing again only after a long stretch: more likely shifted content that happens
          // to line up somewhere (zeros, a repeated pattern) than an edit in place.
          fallBack(pos + i);
          return;
        }
        int stretch = lt - i;
        if (lastChunk && stretch <= giveUp && stretch <= targetSize / 8) {
          // A changed tail (say an index rewritten at the end of the file) in a file that
          // otherwise lined up: rsync would find nothing better for it.
          writer.literal(t, i, stretch);
          i = lt;
        } else if (lastChunk || stretch >= giveUp) {
          fallBack(pos + i);
          return;
        } else {
          break; // the stretch may end in the next chunk, which starts with it
        }
      }
      pos += i;
    }
  }

  /** How many bytes from {@code i} are equal in target and basis. */
  private int equalRun(int i, int lb) {
    if (i >= lb) {
      return 0;
    }
    int m = Arrays.mismatch(t, i, lb, b, i, lb);
    return m < 0 ? lb - i : m;
  }

  /**
   * Where, from {@code i} on, target and basis agree again for {@link #RESYNC} bytes (or up to
   * the end of the target), or -1 if not within this chunk.
   */
  private int nextResync(int i, int lt, int lb, boolean lastChunk) {
    for (int k = i + 1; k < lb; k++) {
      if (t[k] != b[k]) {
        continue;
      }
      int same = equalRun(k, lb);
      if (same >= RESYNC || (lastChunk && k + same == lt)) {
        return k;
      }
      k += same; // t[k + same] differs: go on after it
    }
    return -1;
  }

  /** The rsync algorithm for the target from {@code from} on, against the whole basis. */
  private void fallBack(long from) throws IOException {
    // Not closed: closing a channel's stream closes the channel, which is the caller's.
    InputStream basisIn = new BufferedInputStream(Channels.newInputStream(basis.position(0)), CHUNK);
    Signature sig = Signature.computeInProcess(basisIn, blockLength);
    InputStream targetIn = new BufferedInputStream(Channels.newInputStream(target.position(from)), CHUNK);
    new RollingMatcher(sig, targetIn, writer).run();
  }

  /** Reads {@code len} bytes at {@code position}; fewer only if the file ended meanwhile. */
  private static int readFully(FileChannel ch, byte[] into, long position, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(into, 0, len);
    while (buf.hasRemaining()) {
      if (ch.read(buf, position + buf.position()) < 0) {
        break;
      }
    }
    return buf.position();
  }
}
