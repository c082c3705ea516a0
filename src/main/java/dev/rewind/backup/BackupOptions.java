package dev.rewind.backup;

import java.time.ZoneId;
import java.util.List;

/**
 * How one backup session runs.
 *
 * @param time the session time in epoch seconds ({@code --current-time} or the clock)
 * @param zone the zone whose offsets appear in the session's file names
 * @param selection which source paths are backed up (with {@code --exclude-other-filesystems}
 *     among its rules, where given)
 * @param compression gzip increments (except already-compressed formats)
 */
public record BackupOptions(
    long time, ZoneId zone, Selection selection, boolean compression) {

  public static BackupOptions defaults(long time) {
    return new BackupOptions(time, ZoneId.systemDefault(), Selection.everything(), true);
  }

  public BackupOptions withSelection(List<Selection.Rule> rules) {
    return new BackupOptions(time, zone, new Selection(rules), compression);
  }
}
