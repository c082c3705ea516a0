package dev.rewind.delta;

import java.io.IOException;
import java.io.InputStream;

/**
 * One encoding run of the classic rsync algorithm: slides a block-sized window over the target,
 * turning windows found in the basis into COPYs and everything else into LITERALs.
 *
 * <p>The target lives in one buffer: [litStart, pos) is literal data not yet written, [pos,
 * pos+blockLength) is the window, and [pos, end) is read ahead. Pending literals are written
 * before the buffer is compacted, so memory stays at about two block lengths plus a read chunk.
 */
final class RollingMatcher {
  private static final int READ_CHUNK = 256 * 1024;

  private final BlockIndex index;
  private final StrongHash hasher;
  private final DeltaWriter writer;
  private final InputStream in;
  private final int blockLength;
  private final boolean rabinKarp;
  /** MULT^blockLength: how much the byte leaving a full Rabin-Karp window weighs. */
  private final int rkOutWeight;
  private final byte[] buf;

  private int end;
  private int pos;
  private int litStart;
  private boolean eof;
  /** Rolling state of the window at pos: rollsum halves, or the Rabin-Karp hash in weak. */
  private int s1;
  private int s2;
  private int weak;
  /** First block with the window's weak sum, set when a roll stops on a hit. */
  private int candidate;
  /** The block that would continue the previous COPY; tried first so that COPYs merge. */
  private int preferred = -1;

  RollingMatcher(Signature sig, InputStream target, DeltaWriter writer) {
    this.index = new BlockIndex(sig);
    this.hasher = new StrongHash(sig.strongFunction());
    this.writer = writer;
    this.in = target;
    this.blockLength = sig.blockLength();
    this.rabinKarp = sig.kind().usesRabinKarp();
    this.rkOutWeight = RabinKarp.pow(blockLength);
    this.buf = new byte[blockLength + Math.max(blockLength, READ_CHUNK)];
  }

  void run() throws IOException {
    if (index.count() == 0) {
      literalOnly();
      return;
    }
    while (true) {
      if (end - pos < blockLength && !eof) {
        refill();
      } else if (end - pos >= blockLength) {
        scanFull();
      } else {
        scanTail();
        break;
      }
    }
    flushLiteral();
  }

  /** An empty basis matches nothing, so skip the rolling altogether. */
  private void literalOnly() throws IOException {
    while (!eof) {
      refill();
      pos = end;
      flushLiteral();
    }
  }

  /** Rolls full windows from pos until a COPY is emitted or no full window is left in the buffer. */
  private void scanFull() throws IOException {
    startWindow(blockLength);
    boolean step = false;
    while (rabinKarp ? rollRabinKarp(step) : rollRollsum(step)) {
      int block = confirm(blockLength);
      if (block >= 0) {
        emitCopy(block, blockLength);
        return;
      }
      step = true;
    }
    // The window at pos was the last full one in the buffer and did not match; the next one
    // starts one byte on, after a refill, or is the first of the tail.
    pos++;
  }

  /**
   * Moves the window (one byte first if {@code step}) until its weak sum is in the index, and
   * returns true; returns false if the window reaches the end of the buffer without a hit.
   */
  private boolean rollRollsum(boolean step) {
    final byte[] b = buf;
    final int n = blockLength;
    final int outBias = n * Rollsum.CHAR_OFFSET;
    final int last = end - n;
    int p = pos;
    int a = s1;
    int c = s2;
    boolean move = step;
    while (true) {
      if (move) {
        if (p == last) {
          save(p, a, c, Rollsum.digest(a, c));
          return false;
        }
        int out = b[p] & 0xff;
        a += (b[p + n] & 0xff) - out;
        c += a - n * out - outBias;
        p++;
      }
      move = true;
      int w = Rollsum.digest(a, c);
      if (index.mayContain(w) && (candidate = index.head(w)) >= 0) {
        save(p, a, c, w);
        return true;
      }
    }
  }

  /** The Rabin-Karp twin of {@link #rollRollsum}. */
  private boolean rollRabinKarp(boolean step) {
    final byte[] b = buf;
    final int n = blockLength;
    final int outWeight = rkOutWeight;
    final int last = end - n;
    int p = pos;
    int h = weak;
    boolean move = step;
    while (true) {
      if (move) {
        if (p == last) {
          save(p, 0, 0, h);
          return false;
        }
        h = h * RabinKarp.MULT + (b[p + n] & 0xff) - outWeight * ((b[p] & 0xff) + RabinKarp.ADJUST);
        p++;
      }
      move = true;
      if (index.mayContain(h) && (candidate = index.head(h)) >= 0) {
        save(p, 0, 0, h);
        return true;
      }
    }
  }

  private void save(int p, int a, int c, int w) {
    pos = p;
    s1 = a;
    s2 = c;
    weak = w;
  }

  /**
   * Fewer than a block of target is left: shrink the window from the front, since the basis's
   * last block may be short and may match the target's last bytes.
   */
  private void scanTail() throws IOException {
    int n = end - pos;
    if (n == 0) {
      return;
    }
    int last = index.count() - 1;
    int lastWeak = index.weak(last);
    startWindow(n);
    int weight = rabinKarp ? RabinKarp.pow(n - 1) : 0; // MULT^(len-1) for the leaving byte
    int inverse = RabinKarp.inverse();
    for (; n > 0; n--) {
      if (weak == lastWeak && index.strongMatches(last, hasher.hash(buf, pos, n))) {
        emitCopy(last, n);
        return;
      }
      int out = buf[pos++] & 0xff;
      if (rabinKarp) {
        weak -= weight * (out + RabinKarp.ADJUST);
        weight *= inverse;
      } else {
        s1 -= out + Rollsum.CHAR_OFFSET;
        s2 -= n * (out + Rollsum.CHAR_OFFSET);
        weak = Rollsum.digest(s1, s2);
      }
    }
  }

  /** Computes the weak sum of [pos, pos+len) from scratch. */
  private void startWindow(int len) {
    if (rabinKarp) {
      weak = RabinKarp.of(buf, pos, len);
    } else {
      weak = Rollsum.of(buf, pos, len);
      s1 = weak & 0xffff;
      s2 = weak >>> 16;
    }
  }

  /** The block whose strong sum matches the window, preferring the one that extends the last COPY. */
  private int confirm(int len) {
    byte[] digest = hasher.hash(buf, pos, len);
    int p = preferred;
    if (p >= 0 && p < index.count() && index.weak(p) == weak && index.strongMatches(p, digest)) {
      return p;
    }
    for (int b = candidate; b >= 0; b = index.next(b)) {
      if (index.strongMatches(b, digest)) {
        return b;
      }
    }
    return -1;
  }

  private void emitCopy(int block, int len) throws IOException {
    flushLiteral();
    writer.copy((long) block * blockLength, len);
    pos += len;
    litStart = pos;
    preferred = block + 1;
  }

  private void flushLiteral() throws IOException {
    if (pos > litStart) {
      writer.literal(buf, litStart, pos - litStart);
    }
    litStart = pos;
  }

  /** Writes pending literals, keeps the unfinished window, and reads until the buffer is full. */
  private void refill() throws IOException {
    flushLiteral();
    int keep = end - pos;
    System.arraycopy(buf, pos, buf, 0, keep);
    pos = 0;
    litStart = 0;
    end = keep;
    while (end < buf.length) {
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        eof = true;
        return;
      }
      end += n;
    }
  }
}
