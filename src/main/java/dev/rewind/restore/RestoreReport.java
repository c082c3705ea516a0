package dev.rewind.restore;

import java.util.List;

/**
 * What a restore did: how much it wrote, the entries it could not restore (each with a
 * one-line reason naming the path) and what it could not do for lack of privilege.
 */
public record RestoreReport(long entries, long bytes, List<String> failures, List<String> limitations) {
  public RestoreReport {
    failures = List.copyOf(failures);
    limitations = List.copyOf(limitations);
  }

  public boolean isComplete() {
    return failures.isEmpty();
  }
}
