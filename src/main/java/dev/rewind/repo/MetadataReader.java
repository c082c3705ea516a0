package dev.rewind.repo;

import dev.rewind.core.DeviceNumber;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Streams the records of one {@code mirror_metadata} file (already decompressed) in file order,
 * which is index order. Unknown keys are ignored, as rdiff-backup does. Not thread-safe.
 */
public final class MetadataReader implements Closeable {
  private static final byte[] FILE = "File ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] UID = bytes("Uid");
  private static final byte[] GID = bytes("Gid");
  private static final byte[] TYPE = bytes("Type");
  private static final byte[] SIZE = bytes("Size");
  private static final byte[] UNAME = bytes("Uname");
  private static final byte[] GNAME = bytes("Gname");
  private static final byte[] INODE = bytes("Inode");
  private static final byte[] MOD_TIME = bytes("ModTime");
  private static final byte[] SYM_DATA = bytes("SymData");
  private static final byte[] SHA1_DIGEST = bytes("SHA1Digest");
  private static final byte[] PERMISSIONS = bytes("Permissions");
  private static final FileType[] TYPES = FileType.values();
  private static final byte[][] TYPE_KEYWORDS = new byte[TYPES.length][];

  static {
    for (int t = 0; t < TYPES.length; t++) {
      TYPE_KEYWORDS[t] = bytes(TYPES[t].keyword());
    }
  }

  private final InputStream in;
  private final String source;
  private final byte[] buf = new byte[1 << 16];
  private int bufPos;
  private int bufEnd;
  private byte[] line = new byte[256];
  private int lineLength;
  private boolean pending;
  private long lineNumber;
  private String lastUname;
  private String lastGname;

  /** @param source names the file in error messages */
  public MetadataReader(InputStream in, String source) {
    this.in = in;
    this.source = source;
  }

  /** The next record, or null at the end of the file. */
  public MetadataRecord next() throws IOException {
    if (!pending && !readLine()) {
      return null;
    }
    pending = false;
    if (!startsWith(FILE)) {
      throw bad("expected a 'File' line");
    }
    FileMeta.Builder b = new FileMeta.Builder();
    b.path = RelPath.of(TextEscapes.unquotePath(line, FILE.length, lineLength));
    boolean absent = false;
    while (readLine()) {
      if (startsWith(FILE)) {
        pending = true;
        break;
      }
      absent |= field(b);
    }
    if (absent) {
      return new MetadataRecord(b.path, null);
    }
    if (b.type == null) {
      throw bad("record for '" + b.path + "' has no Type");
    }
    try {
      return new MetadataRecord(b.path, b.build());
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
  }

  /**
   * Copies the text of the next {@code records} records to {@code out} byte for byte, as they
   * are in the file, and returns how many there were (fewer only at the end of the file). A
   * record starts at a line beginning with {@code File }; {@link #next()} goes on after them.
   */
  public long copyRecords(long records, OutputStream out) throws IOException {
    long copied = 0;
    while (pending || readLine()) {
      if (startsWith(FILE)) {
        if (copied == records) {
          pending = true;
          return copied;
        }
        copied++;
      }
      pending = false;
      out.write(line, 0, lineLength);
      out.write('\n');
    }
    return copied;
  }

  /**
   * Applies one field line to the builder; returns true for {@code Type None}. The key is matched
   * on the line's bytes (its length first), without a string per line: this runs for every line
   * of every session's metadata, and a string switch here was the costliest method the JIT
   * compiled in a no-change backup.
   */
  private boolean field(FileMeta.Builder b) throws IOException {
    int k = 0;
    while (k < lineLength && line[k] == ' ') {
      k++;
    }
    int space = indexOf((byte) ' ', k);
    if (space < 0) {
      return false;
    }
    int v = space + 1;
    try {
      switch (space - k) {
        case 3 -> {
          if (key(k, UID)) {
            b.uid = number(v);
          } else if (key(k, GID)) {
            b.gid = number(v);
          }
        }
        case 4 -> {
          if (key(k, TYPE)) {
            return type(b, v);
          } else if (key(k, SIZE)) {
            b.size = number(v);
          }
        }
        case 5 -> {
          if (key(k, UNAME)) {
            b.uname = lastUname = name(v, lastUname);
          } else if (key(k, GNAME)) {
            b.gname = lastGname = name(v, lastGname);
          } else if (key(k, INODE)) {
            b.inode = number(v);
          }
        }
        case 7 -> {
          if (key(k, MOD_TIME)) {
            b.mtime = number(v);
          } else if (key(k, SYM_DATA)) {
            b.symlinkTarget = TextEscapes.unquotePath(line, v, lineLength);
          }
        }
        case 10 -> {
          if (key(k, SHA1_DIGEST)) {
            b.sha1 = ascii(v);
          }
        }
        case 11 -> {
          if (key(k, PERMISSIONS)) {
            b.permissions = Math.toIntExact(number(v));
          }
        }
        default -> rareField(b, k, space, v);
      }
    } catch (NumberFormatException | ArithmeticException e) {
      throw bad("bad value for " + new String(line, k, space - k, StandardCharsets.US_ASCII));
    }
    return false;
  }

  /** The keys most records do not have. Unknown ones (ResourceFork, CarbonFile, ...) are skipped. */
  private void rareField(FileMeta.Builder b, int k, int space, int v) {
    switch (new String(line, k, space - k, StandardCharsets.US_ASCII)) {
      case "DeviceNum" -> b.device = DeviceNumber.parse(ascii(v));
      case "NumHardLinks" -> b.numHardLinks = number(v);
      case "DeviceLoc" -> b.deviceLoc = number(v);
      case "AlternateMirrorName" -> b.alternateMirrorName = Integer.valueOf(ascii(v));
      case "AlternateIncrementName" -> b.alternateIncrementName = Integer.valueOf(ascii(v));
      default -> { } // not ours to interpret
    }
  }

  /** The {@code Type} value; true for {@code None} (the path did not exist). */
  private boolean type(FileMeta.Builder b, int v) throws IOException {
    int end = lineLength;
    while (end > v && (line[end - 1] == ' ' || line[end - 1] == '\r')) {
      end--;
    }
    for (int t = 0; t < TYPE_KEYWORDS.length; t++) {
      byte[] keyword = TYPE_KEYWORDS[t];
      if (end - v == keyword.length && Arrays.equals(line, v, end, keyword, 0, keyword.length)) {
        b.type = TYPES[t];
        return false;
      }
    }
    String t = ascii(v); // other spacing than the writers use
    if (t.equals("None")) {
      return true;
    }
    b.type = FileType.ofKeyword(t);
    if (b.type == null) {
      throw bad("unknown Type '" + t + "'");
    }
    return false;
  }

  private boolean key(int from, byte[] key) {
    return Arrays.equals(line, from, from + key.length, key, 0, key.length);
  }

  /**
   * An owner name; {@code previous} is returned when the bytes spell it again, as they do for
   * most records, which saves decoding a string per record and makes equal names identical.
   */
  private String name(int from, String previous) {
    if (previous != null && previous.length() == lineLength - from) {
      boolean same = true;
      for (int i = from; i < lineLength && same; i++) {
        same = (line[i] & 0xff) < 0x80 && line[i] == previous.charAt(i - from);
      }
      if (same) {
        return previous;
      }
    }
    String s = new String(line, from, lineLength - from, StandardCharsets.UTF_8);
    return s.equals(":") || s.equals("None") ? null : s;
  }

  /** A decimal integer (optionally negative, surrounded by blanks) straight from the line's bytes. */
  private long number(int from) {
    int i = from;
    int end = lineLength;
    while (i < end && line[i] == ' ') {
      i++;
    }
    while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\r')) {
      end--;
    }
    boolean negative = i < end && line[i] == '-';
    if (negative) {
      i++;
    }
    if (i == end || end - i > 19) {
      throw new NumberFormatException();
    }
    long v = 0;
    for (; i < end; i++) {
      int d = line[i] - '0';
      if (d < 0 || d > 9) {
        throw new NumberFormatException();
      }
      v = Math.addExact(Math.multiplyExact(v, 10), d);
    }
    return negative ? -v : v;
  }

  private String ascii(int from) {
    return new String(line, from, lineLength - from, StandardCharsets.ISO_8859_1).trim();
  }

  private boolean readLine() throws IOException {
    lineLength = 0;
    while (true) {
      if (bufPos == bufEnd && !fill()) {
        if (lineLength == 0) {
          return false;
        }
        break;
      }
      int start = bufPos;
      while (bufPos < bufEnd && buf[bufPos] != '\n') {
        bufPos++;
      }
      append(start, bufPos);
      if (bufPos < bufEnd) {
        bufPos++; // the newline
        break;
      }
    }
    lineNumber++;
    return true;
  }

  private boolean fill() throws IOException {
    int n;
    try {
      n = in.read(buf, 0, buf.length);
    } catch (IOException e) {
      throw new MetadataFormatException(source + ", after line " + lineNumber + ": " + e.getMessage());
    }
    bufPos = 0;
    bufEnd = Math.max(n, 0);
    return n > 0;
  }

  private void append(int from, int to) {
    int n = to - from;
    if (lineLength + n > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
    }
    System.arraycopy(buf, from, line, lineLength, n);
    lineLength += n;
  }

  private boolean startsWith(byte[] prefix) {
    return lineLength >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
  }

  private int indexOf(byte b, int from) {
    for (int i = from; i < lineLength; i++) {
      if (line[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private IOException bad(String what) {
    return new MetadataFormatException(source + ", line " + lineNumber + ": " + what);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** A metadata file that does not follow the record syntax. */
  public static final class MetadataFormatException extends dev.rewind.core.RepositoryException {
    MetadataFormatException(String message) {
      super("corrupt metadata: " + message);
    }
  }
}
