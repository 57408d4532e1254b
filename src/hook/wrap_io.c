/* Exported wrappers for calls on file descriptors and paths: read/write and their p, v, 64
 * and _chk variants, fsync, fdatasync, sync_file_range, open/openat/creat and their variants.
 * Whether a stall here is "disk" or "peer" is decided by the watchdog from the fd (or path)
 * when it looks, never here. Any thread. */
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "hook/interpose.h"

/* The fortified entry points glibc's headers route calls to under _FORTIFY_SOURCE; they call
 * the internal functions directly, so each needs its own wrapper. */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

SW_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
    SW_WRAP_RETRY(READ, fd, SW_REAL(read)(fd, buf, n));
}

SW_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    SW_WRAP_RETRY(READ_CHK, fd, SW_REAL(__read_chk)(fd, buf, n, buflen));
}

SW_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
    SW_WRAP_RETRY(WRITE, fd, SW_REAL(write)(fd, buf, n));
}

SW_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    SW_WRAP(PREAD, fd, SW_REAL(pread)(fd, buf, n, off));
}

SW_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
    SW_WRAP(PREAD64, fd, SW_REAL(pread64)(fd, buf, n, off));
}

SW_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
    SW_WRAP(PREAD_CHK, fd, SW_REAL(__pread_chk)(fd, buf, n, off, buflen));
}

SW_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen)
{
    SW_WRAP(PREAD64_CHK, fd, SW_REAL(__pread64_chk)(fd, buf, n, off, buflen));
}

SW_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    SW_WRAP(PWRITE, fd, SW_REAL(pwrite)(fd, buf, n, off));
}

SW_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    SW_WRAP(PWRITE64, fd, SW_REAL(pwrite64)(fd, buf, n, off));
}

SW_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
    SW_WRAP_RETRY(READV, fd, SW_REAL(readv)(fd, iov, cnt));
}

SW_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    SW_WRAP_RETRY(WRITEV, fd, SW_REAL(writev)(fd, iov, cnt));
}

SW_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
    SW_WRAP(PREADV, fd, SW_REAL(preadv)(fd, iov, cnt, off));
}

SW_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
    SW_WRAP(PREADV64, fd, SW_REAL(preadv64)(fd, iov, cnt, off));
}

SW_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    SW_WRAP(PWRITEV, fd, SW_REAL(pwritev)(fd, iov, cnt, off));
}

SW_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
    SW_WRAP(PWRITEV64, fd, SW_REAL(pwritev64)(fd, iov, cnt, off));
}

SW_EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
    SW_WRAP(PREADV2, fd, SW_REAL(preadv2)(fd, iov, cnt, off, flags));
}

SW_EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
    SW_WRAP(PWRITEV2, fd, SW_REAL(pwritev2)(fd, iov, cnt, off, flags));
}

SW_EXPORT int fsync(int fd)
{
    SW_WRAP(FSYNC, fd, SW_REAL(fsync)(fd));
}

SW_EXPORT int fdatasync(int fd)
{
    SW_WRAP(FDATASYNC, fd, SW_REAL(fdatasync)(fd));
}

SW_EXPORT int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
    SW_WRAP(SYNC_FILE_RANGE, fd, SW_REAL(sync_file_range)(fd, off, n, flags));
}

/* The mode argument exists only when the flags ask for it, as in glibc's own open. */
static int needs_mode(int flags)
{
    return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

#define SW_MODE_ARG(flags)                                                                         \
    mode_t mode = 0;                                                                               \
    if (needs_mode(flags)) {                                                                       \
        va_list ap;                                                                                \
        va_start(ap, flags);                                                                       \
        mode = va_arg(ap, mode_t);                                                                 \
        va_end(ap);                                                                                \
    }

SW_EXPORT int open(const char *path, int flags, ...)
{
    SW_MODE_ARG(flags);
    SW_WRAP(OPEN, path, SW_REAL(open)(path, flags, mode));
}

SW_EXPORT int open64(const char *path, int flags, ...)
{
    SW_MODE_ARG(flags);
    SW_WRAP(OPEN64, path, SW_REAL(open64)(path, flags, mode));
}

SW_EXPORT int __open_2(const char *path, int flags)
{
    SW_WRAP(OPEN_2, path, SW_REAL(__open_2)(path, flags));
}

SW_EXPORT int __open64_2(const char *path, int flags)
{
    SW_WRAP(OPEN64_2, path, SW_REAL(__open64_2)(path, flags));
}

SW_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
    SW_MODE_ARG(flags);
    SW_WRAP(OPENAT, path, SW_REAL(openat)(dirfd, path, flags, mode));
}

SW_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
    SW_MODE_ARG(flags);
    SW_WRAP(OPENAT64, path, SW_REAL(openat64)(dirfd, path, flags, mode));
}

SW_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
    SW_WRAP(OPENAT_2, path, SW_REAL(__openat_2)(dirfd, path, flags));
}

SW_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
    SW_WRAP(OPENAT64_2, path, SW_REAL(__openat64_2)(dirfd, path, flags));
}

SW_EXPORT int creat(const char *path, mode_t mode)
{
    SW_WRAP(CREAT, path, SW_REAL(creat)(path, mode));
}

SW_EXPORT int creat64(const char *path, mode_t mode)
{
    SW_WRAP(CREAT64, path, SW_REAL(creat64)(path, mode));
}
