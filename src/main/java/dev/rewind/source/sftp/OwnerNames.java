package dev.rewind.source.sftp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.sftp.Response;

/**
 * User and group names as the remote host knows them, asked with OpenSSH's {@code
 * users-groups-by-id@openssh.com} extension in batches and remembered for the session. Without
 * the extension every name is absent (the metadata then records the ids only). Thread-safe.
 */
final class OwnerNames {
  private static final String EXTENSION = "users-groups-by-id";
  private static final String DOMAIN = "openssh.com";
  /** Absent name: the server answered with an empty string, or cannot answer. */
  private static final String NONE = "";

  private final SftpConnection connection;
  private final boolean supported;
  private final Map<Long, String> users = new ConcurrentHashMap<>();
  private final Map<Long, String> groups = new ConcurrentHashMap<>();

  OwnerNames(SftpConnection connection) {
    this.connection = connection;
    this.supported = connection.supports(EXTENSION, DOMAIN);
  }

  /** Asks once for every id not known yet. */
  void learn(Collection<Long> uids, Collection<Long> gids) throws IOException {
    List<Long> u = missing(uids, users);
    List<Long> g = missing(gids, groups);
    if (u.isEmpty() && g.isEmpty()) {
      return;
    }
    if (!supported) {
      u.forEach(id -> users.put(id, NONE));
      g.forEach(id -> groups.put(id, NONE));
      return;
    }
    Response r = connection.extended(EXTENSION + "@" + DOMAIN, ids(u), ids(g));
    store(u, new Buffer.PlainBuffer(r.readStringAsBytes()), users);
    store(g, new Buffer.PlainBuffer(r.readStringAsBytes()), groups);
  }

  /** The user name of {@code uid} (after {@link #learn}), or null. */
  String user(long uid) {
    String n = users.get(uid);
    return n == null || n.isEmpty() ? null : n;
  }

  String group(long gid) {
    String n = groups.get(gid);
    return n == null || n.isEmpty() ? null : n;
  }

  private static List<Long> missing(Collection<Long> ids, Map<Long, String> known) {
    List<Long> out = new ArrayList<>();
    for (long id : new TreeSet<>(ids)) {
      if (!known.containsKey(id)) {
        out.add(id);
      }
    }
    return out;
  }

  private static byte[] ids(List<Long> ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (long id : ids) {
      out.write((int) (id >>> 24));
      out.write((int) (id >>> 16));
      out.write((int) (id >>> 8));
      out.write((int) id);
    }
    return out.toByteArray();
  }

  private static void store(List<Long> ids, Buffer.PlainBuffer names, Map<Long, String> into) throws IOException {
    try {
      for (long id : ids) {
        into.put(id, names.readString(SftpConnection.NAMES));
      }
    } catch (Buffer.BufferException e) {
      throw new IOException("malformed users-groups-by-id reply", e);
    }
  }
}
