/**
 * A remote host's tree as a backup source, read over SFTP with SSHJ (the only package that
 * imports SSHJ). {@link dev.rewind.source.sftp.SftpTree#open} is the entry point; {@link
 * dev.rewind.source.sftp.SftpAddress} parses {@code sftp://USER@HOST[:PORT]/PATH} and {@code
 * USER@HOST::/PATH}; {@link dev.rewind.source.sftp.KnownHosts} decides which host keys are
 * accepted.
 *
 * <h2>Security</h2>
 * Public-key authentication only. The host key must already be in the known_hosts file; an
 * unknown or changed key is refused with a one-line message naming the host and the key's
 * SHA256 fingerprint, and is recorded only by an explicit {@code rewind trust HOST}. The target
 * side ({@code mount-scripts/rewind-target-setup}) forces a read-only {@code sftp-server -R} with
 * {@code cap_dac_read_search} for the key, so it reads everything and changes nothing.
 *
 * <h2>What SFTP (version 3, OpenSSH) carries, and what the metadata records</h2>
 * <ul>
 *   <li>Carried: type, permission bits including setuid/setgid/sticky, uid, gid, size, mtime in
 *       whole seconds, symlink targets (READLINK), and owner and group <em>names</em> through
 *       OpenSSH's {@code users-groups-by-id@openssh.com} extension (without it, names are absent
 *       and the metadata records the ids only).
 *   <li>Times are unsigned 32-bit seconds: dates up to 2106-02-07 are right (SSHJ's sign
 *       error after 2038 is undone); earlier than 1970 or later than 2106 cannot be carried.
 *       Sub-second times do not exist in SFTP 3; rdiff-backup records whole seconds anyway.
 *   <li>Not carried: <b>hard links</b> (no inode numbers; READDIR's {@code ls -l} line has the
 *       link count but nothing tells which names share an inode), so every name of a
 *       hard-linked file is recorded and stored as a file of its own ({@code NumHardLinks} is
 *       not written); <b>device numbers</b>, so device nodes are left out of the backup (they
 *       normally live only under {@code /dev}); <b>xattrs and ACLs</b>, recorded as none; the
 *       file system a file lives on, so {@code --exclude-other-filesystems} has no effect; ctime
 *       and atime are not recorded by rdiff-backup either.
 *   <li>FIFOs and sockets are recorded (type, owner, mode, mtime) but never opened: opening a
 *       FIFO blocks OpenSSH's sftp-server for good. Every file is checked with LSTAT right
 *       before it is opened; a FIFO put in a file's place between that check and the open would
 *       still block the channel until the request times out (protocol 3 offers no way around
 *       it).
 *   <li>Names are bytes: SSHJ's remote charset is set to ISO-8859-1, which passes every byte
 *       through (its default, UTF-8, mangles names that are not valid UTF-8).
 * </ul>
 *
 * <h2>Speed</h2>
 * Unchanged files (size and mtime from the listing) are not read. A changed file is read whole
 * (OpenSSH's sftp-server offers no checksums, so there is no way to fetch only the changed
 * parts). {@link dev.rewind.source.sftp.SftpTree} keeps a few SSH connections, opened in
 * parallel, so that the backup's writer threads read several files at once; each open file
 * borrows an SFTP channel of its own ({@link dev.rewind.source.sftp.SftpReadChannel}) with 32
 * requests of 128 KiB in flight, whose replies go straight into the reader's buffer. What is
 * left of the client's cost is mostly AES-GCM decryption (the JDK's provider; SSHJ's other
 * choices, chacha20-poly1305 and AES-CTR with HMAC, measured slower in Java here).
 */
package dev.rewind.source.sftp;
