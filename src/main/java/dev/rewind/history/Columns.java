package dev.rewind.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Growable primitive columns stored in fixed-size chunks, so that growing never copies (and
 * never needs twice the memory) and the memory used is known: the building blocks of {@link
 * SessionIndex}. Not thread-safe while growing; safe to read from many threads once published.
 */
final class Columns {
  static final int SHIFT = 12;
  static final int CHUNK = 1 << SHIFT;
  static final int MASK = CHUNK - 1;
  /** A column's first chunk starts this small and doubles up to {@link #CHUNK}: small sessions stay small. */
  static final int FIRST = 64;

  private Columns() {}

  /** The next size of a growing chunk that must hold index {@code at}. */
  static int grown(int length, int at) {
    int n = Math.max(FIRST, length);
    while (n <= at) {
      n *= 2;
    }
    return Math.min(CHUNK, n);
  }

  /** A column of ints. */
  static final class Ints {
    private final List<int[]> chunks = new ArrayList<>();
    private int[][] view = new int[0][];

    void set(int i, int v) {
      int c = i >>> SHIFT;
      while (c >= chunks.size()) {
        chunks.add(new int[FIRST]);
        view = chunks.toArray(new int[0][]);
      }
      if ((i & MASK) >= view[c].length) {
        view[c] = Arrays.copyOf(view[c], grown(view[c].length, i & MASK));
        chunks.set(c, view[c]);
      }
      view[c][i & MASK] = v;
    }

    int get(int i) {
      return view[i >>> SHIFT][i & MASK];
    }

    long bytes() {
      return chunks.stream().mapToLong(a -> (long) a.length * Integer.BYTES).sum();
    }
  }

  /** A column of longs. */
  static final class Longs {
    private final List<long[]> chunks = new ArrayList<>();
    private long[][] view = new long[0][];

    void set(int i, long v) {
      int c = i >>> SHIFT;
      while (c >= chunks.size()) {
        chunks.add(new long[FIRST]);
        view = chunks.toArray(new long[0][]);
      }
      if ((i & MASK) >= view[c].length) {
        view[c] = Arrays.copyOf(view[c], grown(view[c].length, i & MASK));
        chunks.set(c, view[c]);
      }
      view[c][i & MASK] = v;
    }

    long get(int i) {
      return view[i >>> SHIFT][i & MASK];
    }

    long bytes() {
      return chunks.stream().mapToLong(a -> (long) a.length * Long.BYTES).sum();
    }
  }

  /** A column of unsigned 16-bit values. */
  static final class Chars {
    private final List<char[]> chunks = new ArrayList<>();
    private char[][] view = new char[0][];

    void set(int i, int v) {
      if ((v & ~0xffff) != 0) {
        throw new IllegalArgumentException("value out of 16-bit range: " + v);
      }
      int c = i >>> SHIFT;
      while (c >= chunks.size()) {
        chunks.add(new char[FIRST]);
        view = chunks.toArray(new char[0][]);
      }
      if ((i & MASK) >= view[c].length) {
        view[c] = Arrays.copyOf(view[c], grown(view[c].length, i & MASK));
        chunks.set(c, view[c]);
      }
      view[c][i & MASK] = (char) v;
    }

    int get(int i) {
      return view[i >>> SHIFT][i & MASK];
    }

    long bytes() {
      return chunks.stream().mapToLong(a -> (long) a.length * Character.BYTES).sum();
    }
  }

  /** A column of fixed-width byte records (e.g. 20-byte SHA-1 digests). */
  static final class Fixed {
    private final int width;
    private final List<byte[]> chunks = new ArrayList<>();
    private byte[][] view = new byte[0][];

    Fixed(int width) {
      this.width = width;
    }

    void set(int i, byte[] value) {
      if (value.length != width) {
        throw new IllegalArgumentException("expected " + width + " bytes, got " + value.length);
      }
      int c = i >>> SHIFT;
      while (c >= chunks.size()) {
        chunks.add(new byte[FIRST * width]);
        view = chunks.toArray(new byte[0][]);
      }
      if ((i & MASK) * width >= view[c].length) {
        view[c] = Arrays.copyOf(view[c], grown(view[c].length / width, i & MASK) * width);
        chunks.set(c, view[c]);
      }
      System.arraycopy(value, 0, view[c], (i & MASK) * width, width);
    }

    byte[] get(int i) {
      int from = (i & MASK) * width;
      return Arrays.copyOfRange(view[i >>> SHIFT], from, from + width);
    }

    long bytes() {
      return chunks.stream().mapToLong(a -> a.length).sum();
    }
  }

  /**
   * Byte strings appended one after another into 256 KiB blocks; a string never straddles two
   * blocks. A string is addressed by an int: block number in the high 13 bits, offset in the low
   * 18 (so at most 2 GiB of strings).
   */
  static final class Arena {
    private static final int BLOCK_SHIFT = 18;
    private static final int BLOCK = 1 << BLOCK_SHIFT;
    private static final int MAX_BLOCKS = 1 << (31 - BLOCK_SHIFT);
    private final List<byte[]> blocks = new ArrayList<>();
    private byte[][] view = new byte[0][];
    private static final int FIRST_BLOCK = 4096;
    private int used = BLOCK;

    /** Appends the concatenation of {@code parts}; returns its address. */
    int append(byte[]... parts) {
      int len = 0;
      for (byte[] p : parts) {
        len += p.length;
      }
      if (len > BLOCK) {
        throw new IllegalArgumentException("string too long for the index: " + len + " bytes");
      }
      if (blocks.isEmpty() || used + len > BLOCK) {
        if (blocks.size() == MAX_BLOCKS) {
          throw new IllegalStateException("index string area full (2 GiB)");
        }
        blocks.add(new byte[Math.max(FIRST_BLOCK, len)]);
        view = blocks.toArray(new byte[0][]);
        used = 0;
      }
      int last = blocks.size() - 1;
      if (used + len > view[last].length) {
        int n = view[last].length;
        while (n < used + len) {
          n *= 2;
        }
        view[last] = Arrays.copyOf(view[last], Math.min(BLOCK, n)); // addresses are offsets: still valid
        blocks.set(last, view[last]);
      }
      int address = (last << BLOCK_SHIFT) | used;
      byte[] block = view[last];
      for (byte[] p : parts) {
        System.arraycopy(p, 0, block, used, p.length);
        used += p.length;
      }
      return address;
    }

    byte[] block(int address) {
      return view[address >>> BLOCK_SHIFT];
    }

    static int offset(int address) {
      return address & (BLOCK - 1);
    }

    byte[] copy(int address, int skip, int len) {
      int from = offset(address) + skip;
      return Arrays.copyOfRange(block(address), from, from + len);
    }

    long bytes() {
      return blocks.stream().mapToLong(a -> a.length).sum();
    }
  }
}
