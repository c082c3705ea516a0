package dev.rewind.backup;

import dev.rewind.core.RelPath;

/** Receives progress events from a backup; called from the backup thread. */
public interface Progress {
  Progress NONE = (path, bytes) -> { };

  /** One entry was processed; {@code bytes} of content were read for it. */
  void entry(RelPath path, long bytes);
}
