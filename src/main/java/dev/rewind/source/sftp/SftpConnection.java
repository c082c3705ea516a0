package dev.rewind.source.sftp;

import dev.rewind.posix.Posix;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.sftp.FileAttributes;
import net.schmizz.sshj.sftp.OpenMode;
import net.schmizz.sshj.sftp.PacketType;
import net.schmizz.sshj.sftp.RemoteFile;
import net.schmizz.sshj.sftp.Response;
import net.schmizz.sshj.sftp.SFTPEngine;
import net.schmizz.sshj.sftp.SFTPException;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;

/**
 * One authenticated SSH connection with one SFTP channel to a host, speaking in byte paths.
 *
 * <p>SSHJ turns every file name into a Java string with the connection's "remote charset", UTF-8
 * unless set, which replaces invalid sequences (a name {@code \xff\xfe} comes back as {@code
 * ??} and can no longer be opened). This connection sets it to ISO-8859-1, which maps each byte
 * to one char and back, so names cross SSHJ unchanged; {@link #str} and {@link #bytes} are the
 * only conversions. Thread-safe: SSHJ's engine numbers requests and matches their replies, so
 * several threads may have requests in flight on one channel.
 */
final class SftpConnection implements Closeable {
  static final Charset NAMES = StandardCharsets.ISO_8859_1;
  private static final int CONNECT_TIMEOUT_MS = 15_000;
  /** Read requests of one file in flight at once (each up to the channel's packet size, ~32 KiB). */
  private static final int READ_AHEAD = 16;

  private final SftpAddress address;
  /** How long a request may go unanswered before the connection counts as lost. */
  private final long requestTimeoutMs;
  private final SSHClient ssh;
  private final SFTPEngine engine;
  /** Reading channels not lent to an open file now (see {@link #open}). */
  private final java.util.concurrent.ConcurrentLinkedQueue<SftpReadChannel> idleChannels =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** Set once the server refused a second channel: files are then read on the main one. */
  private volatile boolean ownChannelsRefused;
  /** Shared by the connections of one tree: once one is lost, every call on any of them fails. */
  private final AtomicReference<SftpConnectionLostException> lost;

  /** One directory entry as READDIR gives it: name, the {@code ls -l} line, lstat attributes. */
  record Named(byte[] name, String longname, FileAttributes attrs) {}

  private SftpConnection(SftpAddress address, long requestTimeoutMs, SSHClient ssh, SFTPEngine engine,
      AtomicReference<SftpConnectionLostException> lost) {
    this.lost = lost;
    this.address = address;
    this.requestTimeoutMs = requestTimeoutMs;
    this.ssh = ssh;
    this.engine = engine;
  }

  /**
   * Connects, checks the host key against {@code knownHosts}, logs in with {@code privateKey}
   * only; a request unanswered for {@code requestTimeoutMs} then loses the connection.
   */
  static SftpConnection open(SftpAddress a, Path privateKey, KnownHosts knownHosts, long requestTimeoutMs,
      AtomicReference<SftpConnectionLostException> lost) throws IOException {
    SSHClient ssh = new SSHClient(config());
    boolean done = false;
    try {
      ssh.setRemoteCharset(NAMES);
      ssh.setConnectTimeout(CONNECT_TIMEOUT_MS);
      KnownHosts.Verifier verifier = knownHosts.verifier();
      ssh.addHostKeyVerifier(verifier);
      connect(ssh, a, verifier);
      // SSHJ's default window (2 MiB) would make the server wait for window adjustments while a
      // file's read requests are still out (SftpReadChannel keeps up to 4 MiB in flight).
      ssh.getConnection().setWindowSize(Math.max(ssh.getConnection().getWindowSize(), SftpReadChannel.WINDOW_BYTES));
      KeyProvider key = loadKey(ssh, privateKey);
      try {
        ssh.authPublickey(a.user(), key);
      } catch (UserAuthException e) {
        throw new IOException(a.host() + " port " + a.port() + " refused the key '" + privateKey + "' for user '"
            + a.user() + "' (public-key authentication failed)", e);
      }
      SFTPEngine engine = new SFTPEngine(ssh).init();
      engine.setTimeoutMs((int) Math.min(Integer.MAX_VALUE, requestTimeoutMs));
      done = true;
      return new SftpConnection(a, requestTimeoutMs, ssh, engine, lost);
    } catch (TransportException e) {
      throw new IOException("SSH connection to " + a.host() + " port " + a.port() + " failed: " + message(e), e);
    } finally {
      if (!done) {
        closeQuietly(ssh);
      }
    }
  }

  static {
    // SSHJ registers BouncyCastle and then takes every cipher and MAC from it, in plain Java.
    // The JDK's own provider runs AES-GCM with the CPU's AES instructions: measured on this
    // project's VMs, reads of one file went from ~35 MB/s to 50-100 MB/s. The JDK has every
    // algorithm the OpenSSH key formats Rewind uses need (Ed25519, ECDSA, RSA). The delta code
    // uses BouncyCastle's digests directly and is not affected.
    net.schmizz.sshj.common.SecurityUtils.setRegisterBouncyCastle(false);
    net.schmizz.sshj.common.SecurityUtils.setSecurityProvider(null);
  }

  /**
   * SSHJ's defaults with AES-GCM preferred (see the static block); SSHJ's first choice,
   * chacha20-poly1305, runs in plain Java. Override with {@code -Drewind.ssh.ciphers=name,name}.
   */
  private static net.schmizz.sshj.Config config() {
    net.schmizz.sshj.DefaultConfig config = new net.schmizz.sshj.DefaultConfig();
    List<String> preferred = List.of(System.getProperty("rewind.ssh.ciphers",
        "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr").split(","));
    List<net.schmizz.sshj.common.Factory.Named<net.schmizz.sshj.transport.cipher.Cipher>> ciphers =
        new ArrayList<>(config.getCipherFactories());
    ciphers.sort(java.util.Comparator.comparingInt(f -> {
      int i = preferred.indexOf(f.getName());
      return i < 0 ? preferred.size() : i;
    }));
    config.setCipherFactories(ciphers);
    return config;
  }

  private static void connect(SSHClient ssh, SftpAddress a, KnownHosts.Verifier verifier) throws IOException {
    String where = a.host() + " port " + a.port();
    try {
      ssh.connect(a.host(), a.port());
    } catch (UnknownHostException e) {
      throw new IOException("cannot connect to " + where + ": unknown host", e);
    } catch (ConnectException | NoRouteToHostException e) {
      throw new IOException("cannot connect to " + where + ": " + message(e), e);
    } catch (SocketTimeoutException e) {
      throw new IOException("cannot connect to " + where + ": no answer within " + CONNECT_TIMEOUT_MS / 1000 + " s", e);
    } catch (TransportException e) {
      if (verifier.refusal() != null) {
        throw new HostKeyException(verifier.refusal());
      }
      throw new IOException("SSH handshake with " + where + " failed: " + message(e), e);
    }
  }

  private static KeyProvider loadKey(SSHClient ssh, Path privateKey) throws IOException {
    if (!java.nio.file.Files.isReadable(privateKey)) {
      throw new IOException("cannot read SSH private key '" + privateKey + "'");
    }
    try {
      KeyProvider key = ssh.loadKeys(privateKey.toString());
      key.getPublic(); // parses it now, so that a bad file is named here
      return key;
    } catch (IOException | RuntimeException e) {
      throw new IOException("cannot load SSH private key '" + privateKey + "': " + message(e), e);
    }
  }

  /** A remote byte path as the string SSHJ sends unchanged (see the class comment). */
  static String str(byte[] path) {
    return new String(path, NAMES);
  }

  static byte[] bytes(String name) {
    return name.getBytes(NAMES);
  }

  FileAttributes lstat(byte[] path) throws IOException {
    checkNotLost();
    try {
      return engine.lstat(str(path));
    } catch (IOException e) {
      throw failure(path, e);
    }
  }

  byte[] readlink(byte[] path) throws IOException {
    checkNotLost();
    try {
      return bytes(engine.readLink(str(path)));
    } catch (IOException e) {
      throw failure(path, e);
    }
  }

  /**
   * The entries of a directory ({@code .} and {@code ..} left out) with READDIR's own lstat
   * attributes and {@code ls -l} line, which SSHJ's {@code ls()} drops.
   */
  List<Named> readdir(byte[] path) throws IOException {
    checkNotLost();
    try {
      byte[] handle = call(engine.newRequest(PacketType.OPENDIR).putString(str(path), NAMES))
          .ensurePacketTypeIs(PacketType.HANDLE).readStringAsBytes();
      try {
        return readAll(handle);
      } finally {
        call(engine.newRequest(PacketType.CLOSE).putString(handle)).ensureStatusPacketIsOK();
      }
    } catch (IOException e) {
      throw failure(path, e);
    }
  }

  private List<Named> readAll(byte[] handle) throws IOException {
    List<Named> out = new ArrayList<>();
    while (true) {
      Response r = call(engine.newRequest(PacketType.READDIR).putString(handle));
      if (r.getType() == PacketType.STATUS) {
        r.ensureStatusIs(Response.StatusCode.EOF);
        return out;
      }
      r.ensurePacketTypeIs(PacketType.NAME);
      int count = r.readUInt32AsInt();
      for (int i = 0; i < count; i++) {
        byte[] name = r.readStringAsBytes();
        String longname = r.readString(NAMES);
        FileAttributes attrs = r.readFileAttributes();
        if (!(name.length == 1 && name[0] == '.') && !(name.length == 2 && name[0] == '.' && name[1] == '.')) {
          out.add(new Named(name, longname, attrs));
        }
      }
    }
  }

  /**
   * Opens a file for reading on a channel of its own ({@link SftpReadChannel}, lent to this file
   * until the stream is closed, then kept for the next). A server that allows no second channel
   * (sshd's MaxSessions 1) gets SSHJ's read-ahead stream on the main channel instead.
   */
  InputStream open(byte[] path, long expectedSize) throws IOException {
    checkNotLost();
    SftpReadChannel channel = idleChannels.poll();
    if (channel == null && !ownChannelsRefused) {
      try {
        channel = SftpReadChannel.start(ssh, requestTimeoutMs);
      } catch (net.schmizz.sshj.connection.channel.OpenFailException refused) {
        ownChannelsRefused = true;
      } catch (IOException e) {
        throw failure(path, e);
      }
    }
    if (channel == null) {
      return openOnEngine(path);
    }
    InputStream file;
    try {
      file = channel.open(path, expectedSize);
    } catch (IOException e) {
      try {
        throw failure(path, e); // first: a lost connection is dropped, and then releasing does not wait
      } finally {
        release(channel, e);
      }
    }
    SftpReadChannel lent = channel;
    return guarded(path, file, failed -> {
      if (failed == null) {
        release(lent, null);
      } else {
        drop(lent); // replies to its requests may still be coming: out of step for another file
      }
    });
  }

  /**
   * Keeps a channel for the next file after a clean close or after the server refused an OPEN
   * (a STATUS such as "no such file" leaves the channel in step); after anything else it is closed.
   */
  private void release(SftpReadChannel channel, IOException failed) {
    boolean inStep = failed == null
        || failed instanceof SFTPException s && s.getStatusCode() != Response.StatusCode.UNKNOWN;
    if (inStep && lost.get() == null) {
      idleChannels.add(channel);
    } else {
      drop(channel);
    }
  }

  /**
   * Closes a channel, or only forgets it once the connection is lost: closing waits for the
   * server to confirm, which a server that stopped answering never does, and the connection is
   * being disconnected anyway (which ends every channel on it at once).
   */
  private void drop(SftpReadChannel channel) {
    if (lost.get() == null) {
      channel.close();
    } else {
      channel.abandon();
    }
  }

  /** SSHJ's read-ahead stream with {@link #READ_AHEAD} requests in flight, on the main channel. */
  private InputStream openOnEngine(byte[] path) throws IOException {
    RemoteFile file;
    try {
      file = engine.open(str(path), EnumSet.of(OpenMode.READ));
    } catch (IOException e) {
      throw failure(path, e);
    }
    return guarded(path, file.new ReadAheadRemoteFileInputStream(READ_AHEAD), failed -> {
      try {
        file.close();
      } catch (IOException e) {
        if (failed == null) {
          throw e;
        }
      }
    });
  }

  /** What happens once a file's stream ends: closed ({@code failed} null) or failed. */
  private interface Ending {
    void end(IOException failed) throws IOException;
  }

  /**
   * A file's stream whose failures become {@link #failure}'s exceptions naming the file, and
   * whose {@code ending} runs once, at the first failure or at close. A failure is judged before
   * the ending runs: if it loses the connection, the ending must not wait for the server.
   */
  private InputStream guarded(byte[] path, InputStream in, Ending ending) {
    return new FilterInputStream(in) {
      private boolean ended;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (IOException e) {
          throw failed(e);
        }
      }

      @Override
      public void close() throws IOException {
        if (ended) {
          return; // failed before, and ended then: its channel is gone or out of step
        }
        try {
          super.close();
        } catch (IOException e) {
          throw failed(e);
        }
        end(null);
      }

      private IOException failed(IOException e) throws IOException {
        try {
          return failure(path, e);
        } finally {
          end(e);
        }
      }

      private void end(IOException failed) throws IOException {
        if (!ended) {
          ended = true;
          ending.end(failed);
        }
      }
    };
  }

  /** Sends an extended request (e.g. {@code users-groups-by-id@openssh.com}) and returns the reply. */
  Response extended(String name, byte[]... args) throws IOException {
    checkNotLost();
    var req = engine.newExtendedRequest(name);
    for (byte[] a : args) {
      req.putString(a);
    }
    try {
      return call(req).ensurePacketTypeIs(PacketType.EXTENDED_REPLY);
    } catch (IOException e) {
      throw failure(bytes(name), e);
    }
  }

  private void checkNotLost() {
    SftpConnectionLostException e = lost.get();
    if (e != null) {
      throw e.again();
    }
  }

  /** Whether the server announced {@code name@domain} in its SFTP version reply. */
  boolean supports(String name, String domain) {
    return engine.supportsServerExtension(name, domain);
  }

  private Response call(net.schmizz.sshj.sftp.Request req) throws IOException {
    return engine.request(req).retrieve(engine.getTimeoutMs(), TimeUnit.MILLISECONDS);
  }

  /**
   * What a failed request means: the server's answer about one file (an ordinary checked
   * exception naming it), or anything else (no answer, a broken channel or transport, a packet
   * that makes no sense), after which the connection cannot be trusted: {@link
   * SftpConnectionLostException}, for this connection and every other of the tree.
   */
  IOException failure(byte[] path, IOException e) {
    String where = "'" + Posix.display(path) + "' on " + address.host();
    Response.StatusCode status = e instanceof SFTPException s ? s.getStatusCode() : Response.StatusCode.UNKNOWN;
    switch (status) {
      case NO_SUCH_FILE, NO_SUCH_PATH -> {
        return new NoSuchFileException(Posix.display(path), null, "no such file on " + address.host());
      }
      case PERMISSION_DENIED -> {
        return new AccessDeniedException(Posix.display(path), null, "permission denied on " + address.host());
      }
      case UNKNOWN, NO_CONNECTION, CONNECITON_LOST -> {
        String why = timedOut(e) ? "no answer within " + requestTimeoutMs / 1000 + " s" : message(e);
        lost.compareAndSet(null, new SftpConnectionLostException("connection to " + address.host() + " port "
            + address.port() + " lost while reading " + where + ": " + why, e));
        close(); // a channel that failed this way is of no further use
        throw lost.get().again();
      }
      default -> {
        return new IOException(where + ": " + status + " " + message(e), e);
      }
    }
  }

  private static boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
    }
    return false;
  }

  static String message(Throwable e) {
    String m = e.getMessage();
    if ((m == null || m.isBlank()) && e.getCause() != null) {
      return message(e.getCause());
    }
    return (m == null ? e.getClass().getSimpleName() : m).replace('\n', ' ');
  }

  /**
   * Closes the channels and the connection; once the connection is lost, only disconnects, since
   * closing a channel waits for a confirmation that a stalled server never sends (every
   * connection of the tree would wait for it in turn).
   */
  @Override
  public void close() {
    for (SftpReadChannel c; (c = idleChannels.poll()) != null; ) {
      drop(c);
    }
    if (lost.get() == null) {
      try {
        engine.close();
      } catch (IOException | RuntimeException e) {
        // closing anyway
      }
    }
    closeQuietly(ssh);
  }

  private static void closeQuietly(SSHClient ssh) {
    try {
      ssh.disconnect();
    } catch (IOException | RuntimeException e) {
      // nothing left to release
    }
  }
}
