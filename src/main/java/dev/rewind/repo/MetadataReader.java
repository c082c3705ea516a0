package dev.rewind.repo;

import dev.rewind.core.DeviceNumber;
import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Streams the records of one {@code mirror_metadata} file (already decompressed) in file order,
 * which is index order. Unknown keys are ignored, as rdiff-backup does. Not thread-safe.
 */
public final class MetadataReader implements Closeable {
  private static final byte[] FILE = "File ".getBytes(StandardCharsets.US_ASCII);

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

  /** Applies one field line to the builder; returns true for {@code Type None}. */
  private boolean field(FileMeta.Builder b) throws IOException {
    int i = 0;
    while (i < lineLength && line[i] == ' ') {
      i++;
    }
    int space = indexOf((byte) ' ', i);
    if (space < 0) {
      return false;
    }
    String key = new String(line, i, space - i, StandardCharsets.US_ASCII);
    int v = space + 1;
    try {
      switch (key) {
        case "Type" -> {
          String t = ascii(v);
          if (t.equals("None")) {
            return true;
          }
          b.type = FileType.ofKeyword(t);
          if (b.type == null) {
            throw bad("unknown Type '" + t + "'");
          }
        }
        case "Size" -> b.size = number(v);
        case "ModTime" -> b.mtime = number(v);
        case "Uid" -> b.uid = number(v);
        case "Gid" -> b.gid = number(v);
        case "Uname" -> b.uname = lastUname = name(v, lastUname);
        case "Gname" -> b.gname = lastGname = name(v, lastGname);
        case "Permissions" -> b.permissions = Math.toIntExact(number(v));
        case "SymData" -> b.symlinkTarget = TextEscapes.unquotePath(line, v, lineLength);
        case "DeviceNum" -> b.device = DeviceNumber.parse(ascii(v));
        case "SHA1Digest" -> b.sha1 = ascii(v);
        case "NumHardLinks" -> b.numHardLinks = number(v);
        case "Inode" -> b.inode = number(v);
        case "DeviceLoc" -> b.deviceLoc = number(v);
        case "AlternateMirrorName" -> b.alternateMirrorName = Integer.valueOf(ascii(v));
        case "AlternateIncrementName" -> b.alternateIncrementName = Integer.valueOf(ascii(v));
        default -> { } // ResourceFork, CarbonFile and future keys: not ours to interpret
      }
    } catch (NumberFormatException | ArithmeticException e) {
      throw bad("bad value for " + key);
    }
    return false;
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
