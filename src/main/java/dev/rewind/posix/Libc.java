package dev.rewind.posix;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls every run needs (those a backup with no change never makes are {@link
 * LibcExtra}'s), declared with {@code byte[]} paths (NUL-terminated by the caller) so that file
 * names never pass through a {@link String} and its charset.
 */
public interface Libc {
  @SaveError
  int statx(int dirfd, @In byte[] path, int flags, int mask, @Out byte[] buf);

  @SaveError
  int open(@In byte[] path, int flags, int mode);

  @SaveError
  int close(int fd);

  @SaveError
  @ssize_t
  long read(int fd, Pointer buf, @size_t long count);

  @SaveError
  @ssize_t
  long write(int fd, Pointer buf, @size_t long count);

  @SaveError
  int fsync(int fd);

  @SaveError
  int syncfs(int fd);

  @SaveError
  Pointer opendir(@In byte[] path);

  @SaveError
  Pointer fdopendir(int fd);

  @SaveError
  Pointer readdir(Pointer dir);

  @SaveError
  int closedir(Pointer dir);

  @SaveError
  @ssize_t
  long readlink(@In byte[] path, @Out byte[] buf, @size_t long size);

  @SaveError
  int mkdir(@In byte[] path, int mode);

  @SaveError
  int rename(@In byte[] from, @In byte[] to);

  @SaveError
  int unlink(@In byte[] path);

  @SaveError
  @ssize_t
  long lgetxattr(@In byte[] path, @In byte[] name, @Out byte[] value, @size_t long size);

  @SaveError
  @ssize_t
  long llistxattr(@In byte[] path, @Out byte[] list, @size_t long size);

  /** {@code syscall(2)} for {@code listxattrat(dirfd, name, at_flags, list, size)}, which glibc does not wrap yet. */
  @SaveError
  long syscall(long number, int dirfd, @In byte[] name, int atFlags, @Out byte[] list, @size_t long size);

  @SaveError
  int flock(int fd, int operation);

  int fcntl(int fd, int cmd, int arg);

  @SaveError
  int ftruncate(int fd, @off_t long length);

  @SaveError
  @ssize_t
  long pwrite(int fd, @In byte[] buf, @size_t long count, @off_t long offset);

  /** The reentrant account lookups: they return an error number, and null in *result when not found. */
  int getpwuid_r(int uid, Pointer pwd, Pointer buf, @size_t long buflen, PointerByReference result);

  int getgrgid_r(int gid, Pointer grp, Pointer buf, @size_t long buflen, PointerByReference result);

  String strerror(int errnum);

  int geteuid();
}
