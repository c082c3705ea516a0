package dev.rewind.repo;

import dev.rewind.core.RelPath;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Writes the sections of {@code extended_attributes} and {@code access_control_lists}
 * snapshots in the getfattr/getfacl style rdiff-backup uses (see {@link SideFiles}).
 */
public final class SideFileWriter {
  private SideFileWriter() {}

  public static void writeXattrs(OutputStream out, RelPath path, List<Xattr> attrs) throws IOException {
    header(out, path);
    for (Xattr x : attrs) {
      out.write(TextEscapes.quoteAcl(x.name()));
      if (x.value().length > 0) {
        out.write(("=0s" + Base64.getEncoder().encodeToString(x.value())).getBytes(StandardCharsets.US_ASCII));
      }
      out.write('\n');
    }
  }

  public static void writeAcl(OutputStream out, RelPath path, List<String> lines) throws IOException {
    header(out, path);
    for (String line : lines) {
      out.write(line.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
  }

  private static void header(OutputStream out, RelPath path) throws IOException {
    out.write("# file: ".getBytes(StandardCharsets.US_ASCII));
    out.write(TextEscapes.quoteAcl(path.indexBytes()));
    out.write('\n');
  }
}
