package dev.rewind.source.sftp;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.sftp.Response;
import net.schmizz.sshj.sftp.SFTPException;

/**
 * A second SFTP channel on a connection that only reads whole files (OPEN, READ, CLOSE of SFTP
 * version 3), one file at a time, straight from the channel into the caller's buffer.
 *
 * <p>Why not SSHJ's own reader: its engine copies every reply twice more (into a packet buffer,
 * then into a new array per reply) before the read-ahead stream copies it out, and allocates
 * that array anew for each reply. Profiles of a 1 GiB pull had those copies at about half of
 * the client's transfer CPU, more than the decryption. Here a DATA reply's header is parsed and
 * its bytes go directly from SSHJ's channel buffer to the caller.
 *
 * <p>Requests are pipelined ({@link #IN_FLIGHT} of {@link #REQUEST_BYTES}) and cut so that
 * one ends exactly at the size lstat reported; beyond that size only one request is out at a
 * time, which answers EOF (a small file takes one round trip) or finds data that was appended.
 * A short reply (file changed, or a server that reads less per request) drops the requests
 * behind it and continues from where the data ended, so the stream is always the file's bytes
 * in order. Not thread-safe: {@link SftpConnection} lends a channel to one open file at a time.
 */
final class SftpReadChannel implements Closeable {
  /** Bytes asked per READ; OpenSSH's sftp-server answers up to 255 KiB, and a server that answers less is followed. */
  static final int REQUEST_BYTES = 128 * 1024;
  /**
   * READ requests in flight per file: 4 MiB. The backup's writer reads in bursts (it hashes and
   * writes between reads); with 1 MiB in flight a 1 GiB incremental pull measured slower than
   * with SSHJ's own stream (whose reader thread takes replies in as fast as they come), with
   * 4 MiB faster.
   */
  static final int IN_FLIGHT = 32;
  /** The SSH channel window that lets all of that be on its way at once, with room to spare. */
  static final long WINDOW_BYTES = 2L * IN_FLIGHT * REQUEST_BYTES;

  private static final int SSH_FXP_INIT = 1;
  private static final int SSH_FXP_VERSION = 2;
  private static final int SSH_FXP_OPEN = 3;
  private static final int SSH_FXP_CLOSE = 4;
  private static final int SSH_FXP_READ = 5;
  private static final int SSH_FXP_STATUS = 101;
  private static final int SSH_FXP_HANDLE = 102;
  private static final int SSH_FXP_DATA = 103;
  private static final int SSH_FXF_READ = 1;
  /** The longest reply header read before its payload: length, type, id, and a DATA's length. */
  private static final int MAX_REPLY = 512 * 1024;

  /** Channels waiting for the server; checked by one daemon thread for the request timeout. */
  private static final Set<SftpReadChannel> LIVE = ConcurrentHashMap.newKeySet();
  private static final ScheduledExecutorService STALL_CHECK = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sftp stall check");
    t.setDaemon(true);
    return t;
  });

  static {
    STALL_CHECK.scheduleWithFixedDelay(SftpReadChannel::closeStalled, 5, 5, TimeUnit.SECONDS);
  }

  private final Session session;
  private final Session.Subsystem channel;
  private final InputStream in;
  private final OutputStream out;
  private final long timeoutNanos;
  private final byte[] header = new byte[13];
  private int nextId;
  /** System.nanoTime() when a blocking read of a reply began, 0 when none is waiting. */
  private volatile long waitingSince;
  private volatile boolean stalled;

  private SftpReadChannel(Session session, Session.Subsystem channel, long timeoutMs) {
    this.session = session;
    this.channel = channel;
    this.in = channel.getInputStream();
    this.out = channel.getOutputStream();
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
  }

  /** Opens the channel and agrees on SFTP version 3 (the server's extensions are not needed here). */
  static SftpReadChannel start(SSHClient ssh, long timeoutMs) throws IOException {
    Session session = ssh.startSession();
    SftpReadChannel c;
    try {
      c = new SftpReadChannel(session, session.startSubsystem("sftp"), timeoutMs);
    } catch (IOException | RuntimeException e) {
      session.close();
      throw e;
    }
    try {
      LIVE.add(c);
      c.send(new Packet(SSH_FXP_INIT).u32(3));
      c.out.flush();
      int len = c.replyLength();
      int type = c.u8();
      if (type != SSH_FXP_VERSION) {
        throw new SFTPException("SFTP server answered INIT with packet type " + type);
      }
      c.discard(len - 1); // version and extensions
      return c;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** Opens {@code path} for reading; {@code expectedSize} is lstat's size, a hint for the requests. */
  InputStream open(byte[] path, long expectedSize) throws IOException {
    int id = nextId++;
    send(new Packet(SSH_FXP_OPEN).u32(id).string(path).u32(SSH_FXF_READ).u32(0));
    out.flush();
    int len = replyLength();
    int type = u8();
    expectId(id);
    if (type == SSH_FXP_STATUS) {
      throw status(len - 5);
    }
    if (type != SSH_FXP_HANDLE) {
      throw new SFTPException("SFTP server answered OPEN with packet type " + type);
    }
    int handleLength = u32();
    if (handleLength != len - 9 || handleLength < 0 || handleLength > 256) {
      throw new SFTPException("SFTP server sent a malformed HANDLE");
    }
    byte[] handle = new byte[handleLength];
    readFully(handle, 0, handle.length);
    return new FileStream(handle, Math.max(0, expectedSize));
  }

  /** One READ that is out: where it starts, how much it asked and the id its reply carries. */
  private record Read(int id, long offset, int length) {}

  private final class FileStream extends InputStream {
    private final byte[] handle;
    private final ArrayDeque<Read> inFlight = new ArrayDeque<>();
    private long size;
    private int requestBytes = REQUEST_BYTES;
    /** File offset of the next request to send. */
    private long nextOffset;
    /** File offset of the next byte this stream returns. */
    private long position;
    /** Bytes of the current DATA reply not yet handed out, and whether it was short. */
    private int dataLeft;
    private boolean shortReply;
    private boolean eof;
    private boolean closed;

    FileStream(byte[] handle, long size) {
      this.handle = handle;
      this.size = size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      while (dataLeft == 0) {
        if (eof) {
          return -1;
        }
        nextReply();
      }
      int n = timedRead(b, off, Math.min(len, dataLeft));
      if (n < 0) {
        throw new EOFException("SFTP channel closed inside a DATA reply");
      }
      dataLeft -= n;
      position += n;
      size = Math.max(size, position);
      if (dataLeft == 0 && shortReply) {
        // The requests behind a short reply start past bytes nobody has asked for: drop them.
        drain();
        nextOffset = position;
        shortReply = false;
      }
      return n;
    }

    /** Sends what the pipeline lacks and takes the next reply: DATA (sets dataLeft) or EOF. */
    private void nextReply() throws IOException {
      fill();
      Read r = inFlight.remove();
      int len = replyLength();
      int type = u8();
      expectId(r.id());
      if (type == SSH_FXP_STATUS) {
        SFTPException s = status(len - 5);
        if (s.getStatusCode() != Response.StatusCode.EOF) {
          throw s;
        }
        if (r.offset() != position) {
          throw new SFTPException("SFTP reply out of order at offset " + r.offset());
        }
        eof = true;
        drain();
        return;
      }
      if (type != SSH_FXP_DATA) {
        throw new SFTPException("SFTP server answered READ with packet type " + type);
      }
      int n = u32();
      if (n != len - 9 || n > r.length() || r.offset() != position) {
        throw new SFTPException("SFTP server sent a malformed DATA reply");
      }
      if (n < r.length()) {
        shortReply = true;
        if (r.offset() + n < size) {
          // Not the end of the file as lstat saw it: the server reads less per request.
          requestBytes = Math.max(4096, n);
        }
      }
      dataLeft = n;
      if (n == 0) {
        drain();
        nextOffset = position;
        shortReply = false;
      }
    }

    /**
     * Keeps IN_FLIGHT requests out up to the expected size, and one beyond it to see EOF. Tops
     * up only once half of them are answered: the requests then leave in one SSH packet, where
     * one request per reply cost an encrypted packet (and a GCM set-up) each.
     */
    private void fill() throws IOException {
      if (inFlight.size() > IN_FLIGHT / 2) {
        return;
      }
      boolean sent = false;
      while (inFlight.size() < IN_FLIGHT) {
        if (nextOffset >= size && !inFlight.isEmpty() && inFlight.peekLast().offset() + inFlight.peekLast().length() > size) {
          break; // already one request past the expected end
        }
        int length = nextOffset < size ? (int) Math.min(requestBytes, size - nextOffset) : requestBytes;
        Read r = new Read(nextId++, nextOffset, length);
        send(new Packet(SSH_FXP_READ).u32(r.id()).string(handle).u64(r.offset()).u32(length));
        inFlight.add(r);
        nextOffset += length;
        sent = true;
      }
      if (sent) {
        out.flush();
      }
    }

    /** Reads and drops the replies of every request still out. */
    private void drain() throws IOException {
      while (!inFlight.isEmpty()) {
        Read r = inFlight.remove();
        int len = replyLength();
        u8();
        expectId(r.id());
        discard(len - 5);
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      discard(dataLeft);
      dataLeft = 0;
      drain();
      int id = nextId++;
      send(new Packet(SSH_FXP_CLOSE).u32(id).string(handle));
      out.flush();
      int len = replyLength();
      int type = u8();
      expectId(id);
      if (type != SSH_FXP_STATUS) {
        throw new SFTPException("SFTP server answered CLOSE with packet type " + type);
      }
      SFTPException s = status(len - 5);
      if (s.getStatusCode() != Response.StatusCode.OK) {
        throw s;
      }
    }
  }

  /** Reads a STATUS reply's body after its id: code, message, language tag. */
  private SFTPException status(int bodyLength) throws IOException {
    if (bodyLength < 4) {
      throw new SFTPException("SFTP server sent a malformed STATUS");
    }
    int code = u32();
    String message = "";
    if (bodyLength >= 8) {
      int n = u32();
      if (n < 0 || n > bodyLength - 8) {
        throw new SFTPException("SFTP server sent a malformed STATUS");
      }
      byte[] m = new byte[n];
      readFully(m, 0, n);
      message = new String(m, StandardCharsets.UTF_8);
      discard(bodyLength - 8 - n); // language tag
    }
    return new SFTPException(Response.StatusCode.fromInt(code), message);
  }

  private void expectId(int id) throws IOException {
    int got = u32();
    if (got != id) {
      throw new SFTPException("SFTP reply for request " + got + " where " + id + " was due");
    }
  }

  private int replyLength() throws IOException {
    int len = u32();
    if (len < 5 || len > MAX_REPLY) {
      throw new SFTPException("SFTP reply of impossible length " + len);
    }
    return len;
  }

  private int u8() throws IOException {
    readFully(header, 0, 1);
    return header[0] & 0xFF;
  }

  private int u32() throws IOException {
    readFully(header, 0, 4);
    return (header[0] & 0xFF) << 24 | (header[1] & 0xFF) << 16 | (header[2] & 0xFF) << 8 | header[3] & 0xFF;
  }

  /** Reads and drops {@code n} bytes of the channel (named so as not to be InputStream.skip in FileStream). */
  private void discard(int n) throws IOException {
    byte[] sink = new byte[Math.min(Math.max(n, 0), 64 * 1024)];
    while (n > 0) {
      int k = Math.min(n, sink.length);
      readFully(sink, 0, k);
      n -= k;
    }
  }

  private void readFully(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = timedRead(b, off, len);
      if (n < 0) {
        throw new EOFException("SFTP channel closed");
      }
      off += n;
      len -= n;
    }
  }

  /** A read from the channel that the stall check may end after the request timeout. */
  private int timedRead(byte[] b, int off, int len) throws IOException {
    waitingSince = System.nanoTime() | 1;
    try {
      return in.read(b, off, len);
    } catch (IOException e) {
      throw stalled ? new SFTPException("no answer", new TimeoutException()) : e;
    } finally {
      waitingSince = 0;
      if (stalled) {
        throw new SFTPException("no answer", new TimeoutException());
      }
    }
  }

  private static void closeStalled() {
    long now = System.nanoTime();
    for (SftpReadChannel c : LIVE) {
      long since = c.waitingSince;
      if (since != 0 && now - since > c.timeoutNanos) {
        c.stalled = true;
        LIVE.remove(c);
        // Only wakes the blocked read, whose failure drops the whole connection. Not closed here:
        // closing waits for the server to confirm, which a stalled server never does, and this one
        // thread checks every channel of the process.
        if (c.in instanceof net.schmizz.sshj.common.ErrorNotifiable waiting) {
          waiting.notifyError(new net.schmizz.sshj.common.SSHException("no answer"));
        }
      }
    }
  }

  private void send(Packet p) throws IOException {
    p.writeTo(out);
  }

  /** Forgets the channel without closing it, when its connection is being disconnected anyway. */
  void abandon() {
    LIVE.remove(this);
  }

  @Override
  public void close() {
    LIVE.remove(this);
    try {
      channel.close();
    } catch (IOException | RuntimeException e) {
      // closing anyway
    }
    try {
      session.close();
    } catch (IOException | RuntimeException e) {
      // closing anyway
    }
  }

  /** An outgoing SFTP packet: type, then fields; its length is prefixed when written. */
  private static final class Packet {
    private final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(64);

    Packet(int type) {
      body.write(type);
    }

    Packet u32(long v) {
      body.write((int) (v >>> 24));
      body.write((int) (v >>> 16));
      body.write((int) (v >>> 8));
      body.write((int) v);
      return this;
    }

    Packet u64(long v) {
      return u32(v >>> 32).u32(v & 0xFFFF_FFFFL);
    }

    Packet string(byte[] s) {
      u32(s.length);
      body.writeBytes(s);
      return this;
    }

    void writeTo(OutputStream out) throws IOException {
      byte[] b = body.toByteArray();
      byte[] framed = new byte[4 + b.length];
      framed[0] = (byte) (b.length >>> 24);
      framed[1] = (byte) (b.length >>> 16);
      framed[2] = (byte) (b.length >>> 8);
      framed[3] = (byte) b.length;
      System.arraycopy(b, 0, framed, 4, b.length);
      out.write(framed);
    }
  }
}
