/* Exported wrappers for the wait class: condition variables (pthread and C11), semaphores,
 * barriers, joins, and futex waits made through syscall(2). Any thread. Futex waits are
 * restarted by the kernel after our capture signal, so the wrappers only mark the slot. */
#include <linux/futex.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interpose.h"

SW_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    SW_WRAP(PTHREAD_COND_WAIT, c, SW_REAL(pthread_cond_wait)(c, m));
}

SW_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                     const struct timespec *t)
{
    SW_WRAP(PTHREAD_COND_TIMEDWAIT, c, SW_REAL(pthread_cond_timedwait)(c, m, t));
}

SW_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
                                     const struct timespec *t)
{
    SW_WRAP(PTHREAD_COND_CLOCKWAIT, c, SW_REAL(pthread_cond_clockwait)(c, m, clk, t));
}

SW_EXPORT int cnd_wait(cnd_t *c, mtx_t *m)
{
    SW_WRAP(CND_WAIT, c, SW_REAL(cnd_wait)(c, m));
}

SW_EXPORT int cnd_timedwait(cnd_t *__restrict c, mtx_t *__restrict m,
                            const struct timespec *__restrict t)
{
    SW_WRAP(CND_TIMEDWAIT, c, SW_REAL(cnd_timedwait)(c, m, t));
}

SW_EXPORT int sem_wait(sem_t *s)
{
    SW_WRAP(SEM_WAIT, s, SW_REAL(sem_wait)(s));
}

SW_EXPORT int sem_timedwait(sem_t *s, const struct timespec *t)
{
    SW_WRAP(SEM_TIMEDWAIT, s, SW_REAL(sem_timedwait)(s, t));
}

SW_EXPORT int sem_clockwait(sem_t *s, clockid_t clk, const struct timespec *t)
{
    SW_WRAP(SEM_CLOCKWAIT, s, SW_REAL(sem_clockwait)(s, clk, t));
}

SW_EXPORT int pthread_barrier_wait(pthread_barrier_t *b)
{
    SW_WRAP(PTHREAD_BARRIER_WAIT, b, SW_REAL(pthread_barrier_wait)(b));
}

SW_EXPORT int pthread_join(pthread_t t, void **ret)
{
    SW_WRAP(PTHREAD_JOIN, t, SW_REAL(pthread_join)(t, ret));
}

SW_EXPORT int pthread_timedjoin_np(pthread_t t, void **ret, const struct timespec *abstime)
{
    SW_WRAP(PTHREAD_TIMEDJOIN_NP, t, SW_REAL(pthread_timedjoin_np)(t, ret, abstime));
}

SW_EXPORT int pthread_clockjoin_np(pthread_t t, void **ret, clockid_t clk,
                                   const struct timespec *abstime)
{
    SW_WRAP(PTHREAD_CLOCKJOIN_NP, t, SW_REAL(pthread_clockjoin_np)(t, ret, clk, abstime));
}

SW_EXPORT int thrd_join(thrd_t t, int *res)
{
    SW_WRAP(THRD_JOIN, t, SW_REAL(thrd_join)(t, res));
}

static int futex_op_waits(long op)
{
    switch (op & FUTEX_CMD_MASK) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_WAIT_REQUEUE_PI:
        return 1;
    default:
        return 0;
    }
}

/* syscall(2) takes up to six arguments; reading all six is what glibc's own syscall does. */
SW_EXPORT long syscall(long nr, ...)
{
    va_list ap;
    va_start(ap, nr);
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);
    if (nr != SYS_futex || !futex_op_waits(a2))
        return SW_REAL_ANY(syscall)(nr, a1, a2, a3, a4, a5, a6);
    SW_WRAP(FUTEX, a1, SW_REAL(syscall)(nr, a1, a2, a3, a4, a5, a6));
}
