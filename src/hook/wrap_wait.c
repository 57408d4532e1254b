/* Exported wrappers for the wait class: condition variables (pthread and C11), semaphores,
 * barriers, joins, and futex waits made through syscall(2). Any thread. Futex waits without
 * a timeout are restarted by the kernel after our capture signal (glibc also loops on EINTR
 * in its condvar, mutex and join waits), so those wrappers only mark the slot. A futex wait
 * with a timeout is not restarted (the kernel's restart block turns into EINTR whenever a
 * handler runs), and sem_timedwait/sem_clockwait and raw futex calls hand that EINTR to the
 * caller: they are re-issued when it was ours, with the same absolute deadline or, for a
 * relative FUTEX_WAIT, the time left. */
#include <stdint.h>
#include <time.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hook/interpose.h"
#include "core/clock.h"

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
    SW_WRAP_RETRY(SEM_TIMEDWAIT, s, SW_REAL(sem_timedwait)(s, t));
}

SW_EXPORT int sem_clockwait(sem_t *s, clockid_t clk, const struct timespec *t)
{
    SW_WRAP_RETRY(SEM_CLOCKWAIT, s, SW_REAL(sem_clockwait)(s, clk, t));
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

/* A futex wait, re-issued while its EINTR was ours. Only FUTEX_WAIT takes a relative
 * timeout; the other waiting operations take an absolute one and are re-issued as they
 * were. */
static long futex_wait(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    int e0 = errno;
    /* The timeout is read only once the kernel has accepted it (then an EINTR came). */
    const struct timespec *rel = (a2 & FUTEX_CMD_MASK) == FUTEX_WAIT ? (void *)a4 : NULL;
    uint64_t t0 = rel != NULL ? sw_mono_ns() : 0;
    struct sw_slot *k = sw_enter(SW_CALL_FUTEX, (uintptr_t)a1);
    struct timespec left;
    long r;
    for (;;) {
        uint64_t c = sw_signals();
        r = SW_REAL(syscall)(nr, a1, a2, a3, a4, a5, a6);
        if (r >= 0 || !sw_eintr_ours(c))
            break;
        errno = e0;
        if (rel != NULL) {
            uint64_t total = (uint64_t)rel->tv_sec * 1000000000u + (uint64_t)rel->tv_nsec;
            uint64_t spent = sw_mono_ns() - t0, rest = spent >= total ? 0 : total - spent;
            left.tv_sec = (time_t)(rest / 1000000000u);
            left.tv_nsec = (long)(rest % 1000000000u);
            a4 = (long)&left;
        }
    }
    sw_leave(k);
    return r;
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
    return futex_wait(nr, a1, a2, a3, a4, a5, a6);
}
