package dev.rewind.fuse;

/**
 * Where the mount reports what users cannot see through the file system: files it answered
 * with EIO (naming host, session and path), repositories it cannot open, unmount trouble.
 * Implementations are thread-safe.
 */
public interface MountLog {
  void warn(String message);

  void info(String message);
}
