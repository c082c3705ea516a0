package dev.rewind.source.sftp;

import dev.rewind.core.FileMeta;
import dev.rewind.core.FileType;
import dev.rewind.core.RelPath;
import dev.rewind.source.SourceEntry;
import dev.rewind.source.SourceTree;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.schmizz.sshj.sftp.FileAttributes;
import net.schmizz.sshj.sftp.FileMode;

/**
 * A directory on another host, read over SFTP (protocol 3, as OpenSSH speaks it) as a backup
 * source. See the package documentation for what SFTP carries and what it does not.
 *
 * <p>Holds a few SSH connections to the host: the walk (list, stat, readlink) uses the first;
 * {@link #open} spreads files over the others, so that several files are read at once, each
 * on an SFTP channel of its own with several read requests in flight. Thread-safe. A broken connection (or one that stops
 * answering for the request timeout, two minutes unless given) makes every later call on any of them throw {@link
 * SftpConnectionLostException}, so that a backup stops instead of recording the rest as errors.
 */
public final class SftpTree implements SourceTree {
  /**
   * Connections per host: one for the walk (so that listing never waits behind file data) and
   * three for reading files, which the backup's writers do up to four at a time.
   */
  public static final int DEFAULT_CONNECTIONS = 4;
  /** How long a request may go unanswered before the connections count as lost. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(2);

  private final SftpAddress address;
  private final byte[] root;
  private final List<SftpConnection> connections;
  private final OwnerNames names;
  private final AtomicInteger nextReader = new AtomicInteger();

  private SftpTree(SftpAddress address, List<SftpConnection> connections) {
    this.address = address;
    this.root = address.path();
    this.connections = List.copyOf(connections);
    this.names = new OwnerNames(connections.get(0));
  }

  /**
   * Connects to {@code address} (host key checked against {@code knownHosts}, login with {@code
   * privateKey} only) and returns the remote directory as a source tree; close it when done.
   *
   * @throws HostKeyException if the host's key is unknown or changed
   * @throws IOException naming the host if it cannot be reached or refuses the key
   */
  public static SftpTree open(SftpAddress address, Path privateKey, Path knownHosts) throws IOException {
    return open(address, privateKey, knownHosts, DEFAULT_CONNECTIONS);
  }

  /** As {@link #open(SftpAddress, Path, Path)} with {@code connections} SSH connections (1 or more). */
  public static SftpTree open(SftpAddress address, Path privateKey, Path knownHosts, int connections) throws IOException {
    return open(address, privateKey, knownHosts, connections, DEFAULT_REQUEST_TIMEOUT);
  }

  /**
   * As {@link #open(SftpAddress, Path, Path, int)}; a request that gets no answer for {@code
   * requestTimeout} (a second or more) loses the connections, as a broken one does.
   */
  public static SftpTree open(SftpAddress address, Path privateKey, Path knownHosts, int connections,
      Duration requestTimeout) throws IOException {
    if (connections < 1) {
      throw new IllegalArgumentException("connections must be at least 1, not " + connections);
    }
    if (requestTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("the request timeout must be at least 1 second, not " + requestTimeout);
    }
    long timeoutMs = requestTimeout.toMillis();
    KnownHosts hosts = new KnownHosts(knownHosts);
    List<SftpConnection> opened = new ArrayList<>();
    var lost = new java.util.concurrent.atomic.AtomicReference<SftpConnectionLostException>();
    try {
      // The first alone, so that a refused host key or login is reported once; then the others
      // at the same time: each handshake is a third of a second or more, mostly waiting.
      opened.add(SftpConnection.open(address, privateKey, hosts, timeoutMs, lost));
      opened.addAll(openTogether(connections - 1, () -> SftpConnection.open(address, privateKey, hosts, timeoutMs, lost)));
      return new SftpTree(address, opened);
    } catch (IOException | RuntimeException e) {
      opened.forEach(SftpConnection::close);
      throw e;
    }
  }

  private interface Opener {
    SftpConnection open() throws IOException;
  }

  /** {@code count} connections opened in parallel; all or none (the opened ones closed on failure). */
  private static List<SftpConnection> openTogether(int count, Opener opener) throws IOException {
    if (count == 0) {
      return List.of();
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(count, r -> {
      Thread t = new Thread(r, "sftp connect");
      t.setDaemon(true);
      return t;
    });
    List<java.util.concurrent.Future<SftpConnection>> pending = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        pending.add(pool.submit(opener::open));
      }
      List<SftpConnection> out = new ArrayList<>();
      Throwable failure = null;
      for (java.util.concurrent.Future<SftpConnection> f : pending) {
        try {
          out.add(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          failure = failure == null ? e.getCause() : failure;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failure = failure == null ? new java.io.InterruptedIOException("interrupted while connecting") : failure;
        }
      }
      if (failure != null) {
        out.forEach(SftpConnection::close);
        if (failure instanceof IOException io) {
          throw io;
        }
        throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
      }
      return out;
    } finally {
      pool.shutdown();
    }
  }

  @Override
  public String describe() {
    return address.toString();
  }

  @Override
  public SourceEntry stat(RelPath path) throws IOException {
    byte[] abs = path.under(root);
    SftpConnection c = walker();
    FileAttributes attrs = c.lstat(abs);
    names.learn(List.of(uid(attrs)), List.of(gid(attrs)));
    SourceEntry e = entry(c, path, abs, attrs);
    if (e == null) {
      throw new IOException(where(path) + " is a device node; SFTP does not carry device numbers");
    }
    return e;
  }

  @Override
  public List<SourceEntry> list(RelPath dir) throws IOException {
    SftpConnection c = walker();
    List<SftpConnection.Named> found = c.readdir(dir.under(root));
    found.sort(Comparator.comparing(SftpConnection.Named::name, Arrays::compareUnsigned));
    names.learn(found.stream().map(n -> uid(n.attrs())).toList(), found.stream().map(n -> gid(n.attrs())).toList());
    List<SourceEntry> out = new ArrayList<>(found.size());
    for (SftpConnection.Named n : found) {
      RelPath path = dir.child(n.name());
      try {
        SourceEntry e = entry(c, path, path.under(root), n.attrs());
        if (e != null) {
          out.add(e);
        }
      } catch (java.nio.file.NoSuchFileException vanished) {
        // a symlink deleted between READDIR and READLINK: not part of this session
      }
    }
    return out;
  }

  /**
   * Opens a regular file. It is checked with LSTAT first and anything else is refused: OpenSSH's
   * sftp-server opens without O_NONBLOCK, so opening a FIFO would block it (and the channel)
   * for good.
   */
  @Override
  public InputStream open(RelPath path) throws IOException {
    byte[] abs = path.under(root);
    SftpConnection c = reader();
    FileAttributes attrs = c.lstat(abs);
    FileType type = type(attrs);
    if (type != FileType.REGULAR) {
      throw new IOException(where(path) + " is a " + type.keyword() + ", not a regular file; not opened");
    }
    return c.open(abs, attrs.getSize());
  }

  @Override
  public void close() {
    connections.forEach(SftpConnection::close);
  }

  private SftpConnection walker() {
    return connections.get(0);
  }

  /** The next connection for a file read: round robin over all but the walker's (if there are others). */
  private SftpConnection reader() {
    int readers = connections.size() - 1;
    if (readers == 0) {
      return connections.get(0);
    }
    return connections.get(1 + Math.floorMod(nextReader.getAndIncrement(), readers));
  }

  /** {@code '/remote/path' on host}, for messages. */
  private String where(RelPath path) {
    return "'" + dev.rewind.posix.Posix.display(path.under(root)) + "' on " + address.host();
  }

  /** The entry for one lstat result, or null for a device node (see the package doc). */
  private SourceEntry entry(SftpConnection c, RelPath path, byte[] abs, FileAttributes attrs) throws IOException {
    FileType type = type(attrs);
    if (type == FileType.DEVICE) {
      return null;
    }
    FileMeta.Builder b = new FileMeta.Builder();
    b.path = path;
    b.type = type;
    b.uid = uid(attrs);
    b.gid = gid(attrs);
    b.uname = names.user(b.uid);
    b.gname = names.group(b.gid);
    b.permissions = attrs.getMode().getPermissionsMask() & 07777;
    if (type == FileType.REGULAR) {
      b.size = attrs.getSize();
    }
    if (type == FileType.SYMLINK) {
      b.symlinkTarget = c.readlink(abs);
    } else {
      b.mtime = RemoteTimes.unsigned(attrs.getMtime());
    }
    return new SourceEntry(b.build(), List.of(), List.of(), 0);
  }

  static FileType type(FileAttributes attrs) {
    FileMode.Type t = attrs.getType();
    return switch (t) {
      case REGULAR -> FileType.REGULAR;
      case DIRECTORY -> FileType.DIRECTORY;
      case SYMLINK -> FileType.SYMLINK;
      case FIFO_SPECIAL -> FileType.FIFO;
      case SOCKET_SPECIAL -> FileType.SOCKET;
      case BLOCK_SPECIAL, CHAR_SPECIAL -> FileType.DEVICE;
      default -> throw new IllegalStateException("unknown file type in SFTP mode " + Integer.toOctalString(attrs.getMode().getMask()));
    };
  }

  private static long uid(FileAttributes a) {
    return a.getUID() & 0xFFFF_FFFFL;
  }

  private static long gid(FileAttributes a) {
    return a.getGID() & 0xFFFF_FFFFL;
  }
}
