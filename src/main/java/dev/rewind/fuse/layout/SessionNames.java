package dev.rewind.fuse.layout;

import dev.rewind.core.SessionTime;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The names under which one host's sessions appear in its directory {@code /<host>/}, in a given
 * time zone:
 *
 * <ul>
 *   <li>{@code YYYY-MM-DD}: one per calendar day that has a session, standing for the last
 *       session of that day;
 *   <li>{@code YYYY-MM-DDTHH:MM:SS±HH:MM} (ISO 8601, {@code Z} for UTC): one per session, its
 *       time in that zone with the zone's offset at that instant, so names are unique even
 *       across a daylight-saving change; this is rdiff-backup's own spelling when the zones agree;
 *   <li>{@code latest}: a symbolic link to the newest session's timestamp name.
 * </ul>
 *
 * Immutable; a new instance is made when the sessions change.
 */
public final class SessionNames {
  /** The name of the symbolic link to the newest session. */
  public static final byte[] LATEST = "latest".getBytes(StandardCharsets.US_ASCII);

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXXXX", Locale.ROOT);
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("uuuu-MM-dd", Locale.ROOT);

  /** Which of the three forms a name has. */
  public enum Kind {
    DAY,
    TIMESTAMP,
    LATEST
  }

  /** A name resolved to its session. */
  public record Named(Kind kind, SessionTime session) {}

  private final ZoneId zone;
  private final List<SessionTime> sessions;
  private final Map<String, Named> byName;
  private final List<byte[]> names;

  private SessionNames(ZoneId zone, List<SessionTime> sessions) {
    this.zone = zone;
    this.sessions = sessions;
    Map<String, Named> map = new HashMap<>();
    TreeMap<String, SessionTime> lastOfDay = new TreeMap<>();
    for (SessionTime s : sessions) {
      map.put(timestamp(s), new Named(Kind.TIMESTAMP, s));
      lastOfDay.put(day(s), s); // sessions are oldest first: the last one of a day wins
    }
    lastOfDay.forEach((day, s) -> map.put(day, new Named(Kind.DAY, s)));
    if (!sessions.isEmpty()) {
      map.put(new String(LATEST, StandardCharsets.US_ASCII), new Named(Kind.LATEST, newest()));
    }
    this.byName = Map.copyOf(map);
    List<byte[]> sorted = new ArrayList<>();
    for (String n : new TreeMap<>(map).keySet()) {
      sorted.add(n.getBytes(StandardCharsets.US_ASCII));
    }
    this.names = List.copyOf(sorted);
  }

  /**
   * The names of {@code sessions} (oldest first, as {@code History.sessions()} gives them) in
   * {@code zone}.
   */
  public static SessionNames of(List<SessionTime> sessions, ZoneId zone) {
    List<SessionTime> copy = List.copyOf(sessions);
    for (int i = 1; i < copy.size(); i++) {
      if (copy.get(i - 1).compareTo(copy.get(i)) >= 0) {
        throw new IllegalArgumentException("sessions must be strictly oldest first");
      }
    }
    return new SessionNames(zone, copy);
  }

  /** The session a name stands for, or null when no session has that name. */
  public Named resolve(byte[] name) {
    for (byte b : name) {
      if (b < 0x20 || b > 0x7e) {
        return null; // every name this class makes is printable ASCII
      }
    }
    return byName.get(new String(name, StandardCharsets.US_ASCII));
  }

  /** Every name, sorted by bytes (a day sorts just before the timestamps of that day). */
  public List<byte[]> names() {
    List<byte[]> out = new ArrayList<>(names.size());
    for (byte[] n : names) {
      out.add(n.clone());
    }
    return out;
  }

  /** Number of names. */
  public int size() {
    return names.size();
  }

  /** The target of {@code latest}: the newest session's timestamp name, or null without sessions. */
  public byte[] latestTarget() {
    return sessions.isEmpty() ? null : timestamp(newest()).getBytes(StandardCharsets.US_ASCII);
  }

  public boolean isEmpty() {
    return sessions.isEmpty();
  }

  /** The sessions, oldest first. */
  public List<SessionTime> sessions() {
    return sessions;
  }

  public ZoneId zone() {
    return zone;
  }

  /** The timestamp name of a session in this zone. */
  public String timestamp(SessionTime s) {
    return TIMESTAMP.format(Instant.ofEpochSecond(s.epochSecond()).atZone(zone));
  }

  /** The day name of a session in this zone. */
  public String day(SessionTime s) {
    return DAY.format(Instant.ofEpochSecond(s.epochSecond()).atZone(zone));
  }

  private SessionTime newest() {
    return sessions.get(sessions.size() - 1);
  }

  @Override
  public String toString() {
    List<String> out = new ArrayList<>();
    for (byte[] n : names) {
      out.add(new String(n, StandardCharsets.US_ASCII));
    }
    return out.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SessionNames s && s.zone.equals(zone) && s.sessions.equals(sessions);
  }

  @Override
  public int hashCode() {
    return zone.hashCode() * 31 + Arrays.hashCode(sessions.toArray());
  }
}
