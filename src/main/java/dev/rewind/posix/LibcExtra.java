package dev.rewind.posix;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;

/**
 * The libc calls that a backup in which nothing changed does not make (special files, owners,
 * times and xattrs of new files, lookups by name, ...). They are bound apart from {@link Libc}
 * because jnr-ffi generates the binding of every declared call at once, and the start of every
 * run waits for {@link Libc}'s: the start-up thread binds these next, and a run that needs them
 * before that waits for them then.
 */
public interface LibcExtra {
  @SaveError
  int sync_file_range(int fd, long offset, long nbytes, int flags);

  @SaveError
  int symlink(@In byte[] target, @In byte[] linkPath);

  @SaveError
  int link(@In byte[] existing, @In byte[] newPath);

  @SaveError
  int mknod(@In byte[] path, int mode, long dev);

  @SaveError
  int fchown(int fd, int uid, int gid);

  @SaveError
  int fchmod(int fd, int mode);

  @SaveError
  int futimens(int fd, @In long[] times);

  @SaveError
  int fsetxattr(int fd, @In byte[] name, @In byte[] value, @size_t long size, int flags);

  @SaveError
  int rmdir(@In byte[] path);

  @SaveError
  int lchown(@In byte[] path, int uid, int gid);

  @SaveError
  int chmod(@In byte[] path, int mode);

  @SaveError
  int utimensat(int dirfd, @In byte[] path, @In long[] times, int flags);

  @SaveError
  int lsetxattr(@In byte[] path, @In byte[] name, @In byte[] value, @size_t long size, int flags);

  int poll(Pointer fds, long nfds, int timeout);

  int getpwnam_r(@In byte[] name, Pointer pwd, Pointer buf, @size_t long buflen, PointerByReference result);

  int getgrnam_r(@In byte[] name, Pointer grp, Pointer buf, @size_t long buflen, PointerByReference result);
}
