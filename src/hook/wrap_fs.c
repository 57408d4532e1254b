/* Exported wrappers for file-system calls that hang on a dead NFS or FUSE mount: the stat
 * family (and glibc's old __xstat entry points, which programs built before glibc 2.33
 * call), access, mkdir, unlink, rename, truncate, fallocate, close, sync, msync,
 * copy_file_range, sendfile and splice. Class disk (sendfile and splice: from the
 * descriptor), object the path or descriptor. Any thread; a few stores each. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook/interpose.h"

int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstat(int ver, int fd, struct stat *st);
int __fxstat64(int ver, int fd, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags);

SW_EXPORT int stat(const char *__restrict path, struct stat *__restrict st)
{
    SW_WRAP(STAT, path, SW_REAL(stat)(path, st));
}

SW_EXPORT int stat64(const char *__restrict path, struct stat64 *__restrict st)
{
    SW_WRAP(STAT64, path, SW_REAL(stat64)(path, st));
}

SW_EXPORT int lstat(const char *__restrict path, struct stat *__restrict st)
{
    SW_WRAP(LSTAT, path, SW_REAL(lstat)(path, st));
}

SW_EXPORT int lstat64(const char *__restrict path, struct stat64 *__restrict st)
{
    SW_WRAP(LSTAT64, path, SW_REAL(lstat64)(path, st));
}

SW_EXPORT int fstat(int fd, struct stat *st)
{
    SW_WRAP(FSTAT, fd, SW_REAL(fstat)(fd, st));
}

SW_EXPORT int fstat64(int fd, struct stat64 *st)
{
    SW_WRAP(FSTAT64, fd, SW_REAL(fstat64)(fd, st));
}

SW_EXPORT int fstatat(int dirfd, const char *__restrict path, struct stat *__restrict st, int flags)
{
    SW_WRAP(FSTATAT, path, SW_REAL(fstatat)(dirfd, path, st, flags));
}

SW_EXPORT int fstatat64(int dirfd, const char *__restrict path, struct stat64 *__restrict st,
                        int flags)
{
    SW_WRAP(FSTATAT64, path, SW_REAL(fstatat64)(dirfd, path, st, flags));
}

SW_EXPORT int statx(int dirfd, const char *__restrict path, int flags, unsigned int mask,
                    struct statx *__restrict st)
{
    SW_WRAP(STATX, path, SW_REAL(statx)(dirfd, path, flags, mask, st));
}

SW_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
    SW_WRAP(XSTAT, path, SW_REAL(__xstat)(ver, path, st));
}

SW_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
    SW_WRAP(XSTAT64, path, SW_REAL(__xstat64)(ver, path, st));
}

SW_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
    SW_WRAP(LXSTAT, path, SW_REAL(__lxstat)(ver, path, st));
}

SW_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
    SW_WRAP(LXSTAT64, path, SW_REAL(__lxstat64)(ver, path, st));
}

SW_EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
    SW_WRAP(FXSTAT, fd, SW_REAL(__fxstat)(ver, fd, st));
}

SW_EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
    SW_WRAP(FXSTAT64, fd, SW_REAL(__fxstat64)(ver, fd, st));
}

SW_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
    SW_WRAP(FXSTATAT, path, SW_REAL(__fxstatat)(ver, dirfd, path, st, flags));
}

SW_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
    SW_WRAP(FXSTATAT64, path, SW_REAL(__fxstatat64)(ver, dirfd, path, st, flags));
}

SW_EXPORT int access(const char *path, int mode)
{
    SW_WRAP(ACCESS, path, SW_REAL(access)(path, mode));
}

SW_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
    SW_WRAP(FACCESSAT, path, SW_REAL(faccessat)(dirfd, path, mode, flags));
}

SW_EXPORT int mkdir(const char *path, mode_t mode)
{
    SW_WRAP(MKDIR, path, SW_REAL(mkdir)(path, mode));
}

SW_EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
    SW_WRAP(MKDIRAT, path, SW_REAL(mkdirat)(dirfd, path, mode));
}

SW_EXPORT int unlink(const char *path)
{
    SW_WRAP(UNLINK, path, SW_REAL(unlink)(path));
}

SW_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
    SW_WRAP(UNLINKAT, path, SW_REAL(unlinkat)(dirfd, path, flags));
}

SW_EXPORT int rename(const char *from, const char *to)
{
    SW_WRAP(RENAME, from, SW_REAL(rename)(from, to));
}

SW_EXPORT int renameat(int fromfd, const char *from, int tofd, const char *to)
{
    SW_WRAP(RENAMEAT, from, SW_REAL(renameat)(fromfd, from, tofd, to));
}

SW_EXPORT int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags)
{
    SW_WRAP(RENAMEAT2, from, SW_REAL(renameat2)(fromfd, from, tofd, to, flags));
}

SW_EXPORT int truncate(const char *path, off_t len)
{
    SW_WRAP(TRUNCATE, path, SW_REAL(truncate)(path, len));
}

SW_EXPORT int truncate64(const char *path, off64_t len)
{
    SW_WRAP(TRUNCATE64, path, SW_REAL(truncate64)(path, len));
}

SW_EXPORT int ftruncate(int fd, off_t len)
{
    SW_WRAP(FTRUNCATE, fd, SW_REAL(ftruncate)(fd, len));
}

SW_EXPORT int ftruncate64(int fd, off64_t len)
{
    SW_WRAP(FTRUNCATE64, fd, SW_REAL(ftruncate64)(fd, len));
}

SW_EXPORT int fallocate(int fd, int mode, off_t off, off_t len)
{
    SW_WRAP(FALLOCATE, fd, SW_REAL(fallocate)(fd, mode, off, len));
}

SW_EXPORT int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
    SW_WRAP(FALLOCATE64, fd, SW_REAL(fallocate64)(fd, mode, off, len));
}

SW_EXPORT int posix_fallocate(int fd, off_t off, off_t len)
{
    SW_WRAP(POSIX_FALLOCATE, fd, SW_REAL(posix_fallocate)(fd, off, len));
}

SW_EXPORT int posix_fallocate64(int fd, off64_t off, off64_t len)
{
    SW_WRAP(POSIX_FALLOCATE64, fd, SW_REAL(posix_fallocate64)(fd, off, len));
}

SW_EXPORT int close(int fd)
{
    SW_WRAP(CLOSE, fd, SW_REAL(close)(fd));
}

SW_EXPORT void sync(void)
{
    struct sw_slot *k = sw_enter(SW_CALL_SYNC, 0);
    SW_REAL(sync)();
    sw_leave(k);
}

SW_EXPORT int syncfs(int fd)
{
    SW_WRAP(SYNCFS, fd, SW_REAL(syncfs)(fd));
}

SW_EXPORT int msync(void *addr, size_t len, int flags)
{
    SW_WRAP(MSYNC, addr, SW_REAL(msync)(addr, len, flags));
}

SW_EXPORT ssize_t copy_file_range(int infd, off64_t *inoff, int outfd, off64_t *outoff, size_t len,
                                  unsigned int flags)
{
    SW_WRAP(COPY_FILE_RANGE, outfd,
            SW_REAL(copy_file_range)(infd, inoff, outfd, outoff, len, flags));
}

SW_EXPORT ssize_t sendfile(int outfd, int infd, off_t *off, size_t n)
{
    SW_WRAP_RETRY(SENDFILE, outfd, SW_REAL(sendfile)(outfd, infd, off, n));
}

SW_EXPORT ssize_t sendfile64(int outfd, int infd, off64_t *off, size_t n)
{
    SW_WRAP_RETRY(SENDFILE64, outfd, SW_REAL(sendfile64)(outfd, infd, off, n));
}

SW_EXPORT ssize_t splice(int infd, off64_t *inoff, int outfd, off64_t *outoff, size_t len,
                         unsigned int flags)
{
    SW_WRAP_RETRY(SPLICE, infd, SW_REAL(splice)(infd, inoff, outfd, outoff, len, flags));
}
