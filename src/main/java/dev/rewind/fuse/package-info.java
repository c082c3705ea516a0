/**
 * The history file system: {@code rewind mount} shows every session of every repository under a
 * root directory as a read-only tree, {@code /<host>/<YYYY-MM-DD | timestamp | latest>/<path>},
 * with the recorded owners, modes, mtimes, sizes, links, devices, xattrs and ACLs.
 *
 * <p>{@link dev.rewind.fuse.FuseMount} wires it up; {@code RewindFs} is the only class that
 * touches jnr-fuse: every callback resolves the path, delegates to {@code HistoryTree} (plain
 * Java, unit-tested without a kernel mount) and maps the outcome to an errno, never throwing into
 * native code. Every call that would change anything answers {@code EROFS}; the kernel enforces
 * owners and modes ({@code default_permissions}). Content comes from the mirror for the newest
 * session and for unchanged files, otherwise from the history's {@code VersionCache}; session
 * indexes come from its {@code IndexCache}. Names are bytes throughout: the serving JVM runs
 * with the default charset ISO-8859-1, which jnr-fuse uses to turn C strings into Java strings.
 */
package dev.rewind.fuse;
