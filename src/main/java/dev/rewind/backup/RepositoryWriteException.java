package dev.rewind.backup;

import dev.rewind.posix.Posix;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystemException;

/**
 * Writing data into the repository failed, most often because its file system is full. Unlike a
 * source file that cannot be read (one error, the session goes on), this ends the session, as in
 * rdiff-backup: the interrupted session is left for regress, and the user gets one line naming
 * the repository. Reading the message: {@code cannot write to the repository '/srv/b/web1': No
 * space left on device (big.iso)}.
 */
final class RepositoryWriteException extends IOException {
  RepositoryWriteException(byte[] repoRoot, String what, IOException cause) {
    super("cannot write to the repository '" + Posix.display(repoRoot) + "': " + reason(cause) + " (" + what + ")",
        cause);
  }

  private static String reason(IOException e) {
    String r = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
    r = r == null ? e.getClass().getSimpleName() : r;
    return r.startsWith("write: ") ? r.substring("write: ".length()) : r;
  }

  /** {@code out} with every failure to write, flush or close it turned into this exception. */
  static OutputStream guard(OutputStream out, byte[] repoRoot, String what) {
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        try {
          out.write(b, off, len);
        } catch (RepositoryWriteException e) {
          throw e;
        } catch (IOException e) {
          throw new RepositoryWriteException(repoRoot, what, e);
        }
      }

      @Override
      public void flush() throws IOException {
        try {
          out.flush();
        } catch (RepositoryWriteException e) {
          throw e;
        } catch (IOException e) {
          throw new RepositoryWriteException(repoRoot, what, e);
        }
      }

      @Override
      public void close() throws IOException {
        try {
          out.close();
        } catch (RepositoryWriteException e) {
          throw e;
        } catch (IOException e) {
          throw new RepositoryWriteException(repoRoot, what, e);
        }
      }
    };
  }
}
