package dev.rewind.ops;

import dev.rewind.core.SessionTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The backup health of one host: its repository's complete sessions (with their statistics and
 * the repository size after each), the repository's size today, what its last pull left in the
 * state directory, and what prevented reading the repository, if anything.
 *
 * @param host the host name (the repository's directory name)
 * @param repository the repository's path, for display
 * @param sessions complete sessions, oldest first; empty when there is none
 * @param repositoryBytes bytes of the whole repository; 0 when it could not be read
 * @param pull the last pull's state; null when no state file exists
 * @param problem why the repository could not be read (fully); null when it could
 */
public record HostStatus(String host, String repository, List<Session> sessions, long repositoryBytes,
    PullState pull, String problem) {

  public HostStatus {
    sessions = List.copyOf(sessions);
  }

  /**
   * One complete session.
   *
   * @param statistics null when the session left no {@code session_statistics} file
   * @param repositoryBytes the repository's size after this session (with today's increments);
   *     null when unknown (no statistics to tell the mirror's size then)
   */
  public record Session(SessionTime time, SessionStatistics statistics, Long repositoryBytes) {}

  /** The newest complete session (the current mirror), or null. */
  public Session last() {
    return sessions.isEmpty() ? null : sessions.get(sessions.size() - 1);
  }

  /** The oldest session still in the repository, or null. */
  public Session oldest() {
    return sessions.isEmpty() ? null : sessions.get(0);
  }

  /** Seconds from the last session to {@code now}; null when there is no session. */
  public Long ageSeconds(long now) {
    Session last = last();
    return last == null ? null : now - last.time().epochSecond();
  }

  /**
   * What a monitor should alert on, one line each: no session, a last session older than {@code
   * staleAfterSeconds}, a failed last pull, an unreadable repository. Empty when healthy.
   */
  public List<String> alarms(long now, long staleAfterSeconds) {
    List<String> out = new ArrayList<>();
    if (problem != null) {
      out.add(problem);
    }
    Long age = ageSeconds(now);
    if (age == null) {
      out.add("no complete backup session");
    } else if (age > staleAfterSeconds) {
      out.add("last session " + last().time() + " is " + Units.duration(age) + " old (limit "
          + Units.duration(staleAfterSeconds) + ")");
    }
    if (pull != null && pull.lastFailed()) {
      out.add("last pull failed" + (pull.lastError() == null ? "" : ": " + pull.lastError()));
    }
    return out;
  }
}
