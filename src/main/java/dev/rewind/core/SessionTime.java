package dev.rewind.core;

/**
 * The time of one backup session: epoch seconds plus the spelling rdiff-backup used in file
 * names for it (local time with its UTC offset), which must be reproduced exactly when naming
 * further files of the same session.
 */
public record SessionTime(long epochSecond, String spelling) implements Comparable<SessionTime> {
  public SessionTime {
    if (spelling == null || spelling.isEmpty()) {
      throw new IllegalArgumentException("session time needs its spelling");
    }
  }

  @Override
  public int compareTo(SessionTime o) {
    return Long.compare(epochSecond, o.epochSecond);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SessionTime s && s.epochSecond == epochSecond;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(epochSecond);
  }

  @Override
  public String toString() {
    return spelling;
  }
}
