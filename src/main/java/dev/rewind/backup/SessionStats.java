package dev.rewind.backup;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Counters of one backup session, written as rdiff-backup's {@code session_statistics} file and
 * printed at the end. Updated by one thread at a time.
 */
public final class SessionStats {
  long sourceFiles;
  long sourceFileSize;
  long mirrorFiles;
  long mirrorFileSize;
  long newFiles;
  long newFileSize;
  long deletedFiles;
  long deletedFileSize;
  long changedFiles;
  long changedSourceSize;
  long changedMirrorSize;
  long incrementFiles;
  long incrementFileSize;
  long errors;
  long bytesCopied;

  public long errors() {
    return errors;
  }

  public long sourceFiles() {
    return sourceFiles;
  }

  public long changedFiles() {
    return changedFiles + newFiles + deletedFiles;
  }

  /** Bytes of the new and changed files (their size in the source). */
  public long changedBytes() {
    return newFileSize + changedSourceSize;
  }

  /** The {@code session_statistics.<T>.data} text. */
  byte[] render(long startTime, double endTime) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "StartTime %d.00%n", startTime));
    s.append(String.format(Locale.ROOT, "EndTime %.2f%n", endTime));
    s.append(String.format(Locale.ROOT, "ElapsedTime %.2f%n", Math.max(0, endTime - startTime)));
    line(s, "SourceFiles", sourceFiles);
    line(s, "SourceFileSize", sourceFileSize);
    line(s, "MirrorFiles", mirrorFiles);
    line(s, "MirrorFileSize", mirrorFileSize);
    line(s, "NewFiles", newFiles);
    line(s, "NewFileSize", newFileSize);
    line(s, "DeletedFiles", deletedFiles);
    line(s, "DeletedFileSize", deletedFileSize);
    line(s, "ChangedFiles", changedFiles);
    line(s, "ChangedSourceSize", changedSourceSize);
    line(s, "ChangedMirrorSize", changedMirrorSize);
    line(s, "IncrementFiles", incrementFiles);
    line(s, "IncrementFileSize", incrementFileSize);
    line(s, "TotalDestinationSizeChange", newFileSize - deletedFileSize + changedSourceSize - changedMirrorSize + incrementFileSize);
    line(s, "Errors", errors);
    return s.toString().replace(System.lineSeparator(), "\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static void line(StringBuilder s, String key, long value) {
    s.append(key).append(' ').append(value).append('\n');
  }

  /** A human summary like rdiff-backup's {@code --print-statistics}. */
  public String summary(double elapsedSeconds) {
    return String.format(Locale.ROOT,
        "--------------[ Session statistics ]--------------%n"
            + "ElapsedTime %.2f s%nSourceFiles %d%nSourceFileSize %d (%s)%nNewFiles %d%nNewFileSize %d%n"
            + "DeletedFiles %d%nChangedFiles %d%nChangedSourceSize %d%nIncrementFiles %d%n"
            + "IncrementFileSize %d (%s)%nErrors %d%n--------------------------------------------------",
        elapsedSeconds, sourceFiles, sourceFileSize, human(sourceFileSize), newFiles, newFileSize,
        deletedFiles, changedFiles, changedSourceSize, incrementFiles, incrementFileSize,
        human(incrementFileSize), errors);
  }

  static String human(long bytes) {
    String[] units = {"bytes", "KB", "MB", "GB", "TB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
  }
}
