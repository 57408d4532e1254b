/* Exported wrappers for the lock class: pthread mutexes, rwlocks and spinlocks, C11 mtx,
 * flock, fcntl/fcntl64 with F_SETLKW or F_OFD_SETLKW, lockf(F_LOCK). Any thread. All of these
 * are restarted by the kernel after our capture signal (futex waits and file-lock waits under
 * SA_RESTART), so the wrappers only mark the slot. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/file.h>
#include <unistd.h>

#include "hook/interpose.h"

SW_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    SW_WRAP(PTHREAD_MUTEX_LOCK, m, SW_REAL(pthread_mutex_lock)(m));
}

SW_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t)
{
    SW_WRAP(PTHREAD_MUTEX_TIMEDLOCK, m, SW_REAL(pthread_mutex_timedlock)(m, t));
}

SW_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t c, const struct timespec *t)
{
    SW_WRAP(PTHREAD_MUTEX_CLOCKLOCK, m, SW_REAL(pthread_mutex_clocklock)(m, c, t));
}

SW_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    SW_WRAP(PTHREAD_RWLOCK_RDLOCK, l, SW_REAL(pthread_rwlock_rdlock)(l));
}

SW_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    SW_WRAP(PTHREAD_RWLOCK_WRLOCK, l, SW_REAL(pthread_rwlock_wrlock)(l));
}

SW_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t)
{
    SW_WRAP(PTHREAD_RWLOCK_TIMEDRDLOCK, l, SW_REAL(pthread_rwlock_timedrdlock)(l, t));
}

SW_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t)
{
    SW_WRAP(PTHREAD_RWLOCK_TIMEDWRLOCK, l, SW_REAL(pthread_rwlock_timedwrlock)(l, t));
}

SW_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c, const struct timespec *t)
{
    SW_WRAP(PTHREAD_RWLOCK_CLOCKRDLOCK, l, SW_REAL(pthread_rwlock_clockrdlock)(l, c, t));
}

SW_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c, const struct timespec *t)
{
    SW_WRAP(PTHREAD_RWLOCK_CLOCKWRLOCK, l, SW_REAL(pthread_rwlock_clockwrlock)(l, c, t));
}

SW_EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
    SW_WRAP(PTHREAD_SPIN_LOCK, l, SW_REAL(pthread_spin_lock)(l));
}

SW_EXPORT int mtx_lock(mtx_t *m)
{
    SW_WRAP(MTX_LOCK, m, SW_REAL(mtx_lock)(m));
}

SW_EXPORT int mtx_timedlock(mtx_t *__restrict m, const struct timespec *__restrict t)
{
    SW_WRAP(MTX_TIMEDLOCK, m, SW_REAL(mtx_timedlock)(m, t));
}

SW_EXPORT int flock(int fd, int op)
{
    if (op & LOCK_NB)
        return SW_REAL_ANY(flock)(fd, op);
    SW_WRAP(FLOCK, fd, SW_REAL(flock)(fd, op));
}

static int fcntl_blocks(int cmd)
{
    /* F_SETLKW64 equals F_SETLKW on 64-bit targets. */
    return cmd == F_SETLKW || cmd == F_OFD_SETLKW;
}

/* Every fcntl command takes at most one argument, an int or a pointer; reading it as a
 * pointer is what glibc's own fcntl does. */
SW_EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!fcntl_blocks(cmd))
        return SW_REAL_ANY(fcntl)(fd, cmd, arg);
    SW_WRAP(FCNTL, fd, SW_REAL(fcntl)(fd, cmd, arg));
}

SW_EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!fcntl_blocks(cmd))
        return SW_REAL_ANY(fcntl64)(fd, cmd, arg);
    SW_WRAP(FCNTL64, fd, SW_REAL(fcntl64)(fd, cmd, arg));
}

SW_EXPORT int lockf(int fd, int cmd, off_t len)
{
    if (cmd != F_LOCK)
        return SW_REAL_ANY(lockf)(fd, cmd, len);
    SW_WRAP(LOCKF, fd, SW_REAL(lockf)(fd, cmd, len));
}

SW_EXPORT int lockf64(int fd, int cmd, off64_t len)
{
    if (cmd != F_LOCK)
        return SW_REAL_ANY(lockf64)(fd, cmd, len);
    SW_WRAP(LOCKF64, fd, SW_REAL(lockf64)(fd, cmd, len));
}
