package dev.rewind.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Turns any failure into one line on stderr and an exit code: users see what went wrong and
 * which file or repository it concerns, never a stack trace ({@code REWIND_DEBUG=1} adds it).
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
    boolean expected = cause instanceof IOException || cause instanceof IllegalArgumentException;
    cli.getErr().println("rewind: " + (expected ? "error: " : "internal error: ") + describe(cause));
    if ("1".equals(System.getenv("REWIND_DEBUG"))) {
      cause.printStackTrace(cli.getErr());
    }
    return expected ? ExitCode.ERROR : ExitCode.INTERNAL;
  }

  static String describe(Throwable t) {
    if (t instanceof NoSuchFileException n) {
      return "no such file or directory: '" + n.getFile() + "'";
    }
    if (t instanceof AccessDeniedException a) {
      return "permission denied: '" + a.getFile() + "'" + (a.getReason() == null ? "" : " (" + a.getReason() + ")");
    }
    if (t instanceof java.nio.file.NotDirectoryException n) {
      return "not a directory: '" + n.getFile() + "'";
    }
    if (t instanceof FileSystemException f && f.getFile() != null) {
      return "'" + f.getFile() + "': " + (f.getReason() == null ? t.getClass().getSimpleName() : f.getReason());
    }
    String msg = t.getMessage();
    return (msg == null ? t.getClass().getSimpleName() : msg).replace('\n', ' ');
  }
}
