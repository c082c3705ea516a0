/**
 * The mount's namespace as a pure mapping, without any FUSE types: {@code /<host>/<session>/<path>}
 * ⇄ (host, session, {@link dev.rewind.core.RelPath}). {@link dev.rewind.fuse.layout.MountPath}
 * splits and joins byte paths; {@link dev.rewind.fuse.layout.SessionNames} names a host's sessions
 * (one {@code YYYY-MM-DD} per day, one ISO 8601 timestamp per session, {@code latest}) in a time
 * zone. Everything here is immutable and thread-safe.
 */
package dev.rewind.fuse.layout;
