/* Exported wrappers for the idle class: epoll, poll, select, accept (in wrap_peer.c),
 * signal waits, pause, and the sleeps. Any thread.
 *
 * These calls return EINTR even under SA_RESTART, so our capture signal would be visible.
 * Each wrapper resumes the call when the EINTR was ours (our capture handler ran on the
 * thread during the call and no program handler did; see sw_eintr_ours), with the time left:
 * from the kernel's answer where the call gives one (select), otherwise from a deadline taken
 * at entry (the sleeps, and calls with a finite, non-zero timeout). When the time is up, the call
 * is re-issued with a zero timeout so that results (revents, ready events) are filled in exactly as
 * a timeout would have left them. */
#include <time.h>
#include <unistd.h>

#include "hook/capture.h"

#include "core/clock.h"
#include "hook/interpose.h"

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask,
                size_t fdslen);

static uint64_t ts_ns(const struct timespec *t)
{
    if (t->tv_sec < 0 || t->tv_nsec < 0)
        return 0;
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

/* Milliseconds left of a timeout of timeout_ms started at t0_ns, rounded up; 0 when up. */
static int ms_left(uint64_t t0_ns, int timeout_ms)
{
    uint64_t spent = sw_mono_ns() - t0_ns, total = (uint64_t)timeout_ms * 1000000u;
    if (spent >= total)
        return 0;
    return (int)((total - spent + 999999u) / 1000000u);
}

/* Time left of a timeout of total_ns started at t0_ns, into *out. */
static void ts_left(uint64_t t0_ns, uint64_t total_ns, struct timespec *out)
{
    uint64_t spent = sw_mono_ns() - t0_ns;
    uint64_t left = spent >= total_ns ? 0 : total_ns - spent;
    out->tv_sec = (time_t)(left / 1000000000u);
    out->tv_nsec = (long)(left % 1000000000u);
}

/* Resumable call with an int millisecond timeout (poll, epoll_wait...): CALL(t) issues it. */
#define SW_WRAP_MS(call, obj, timeout, CALL)                                                       \
    do {                                                                                           \
        int e0_ = errno;                                                                           \
        uint64_t t0_ = (timeout) > 0 ? sw_mono_ns() : 0;                                           \
        struct sw_slot *k_ = sw_enter(SW_CALL_##call, (uintptr_t)(obj));                           \
        int t_ = (timeout), r_;                                                                    \
        for (;;) {                                                                                 \
            uint64_t c_ = sw_signals();                                                            \
            r_ = CALL(t_);                                                                         \
            if (r_ >= 0 || !sw_eintr_ours(c_))                                                     \
                break;                                                                             \
            errno = e0_;                                                                           \
            if ((timeout) > 0)                                                                     \
                t_ = ms_left(t0_, (timeout));                                                      \
        }                                                                                          \
        sw_leave(k_);                                                                              \
        return r_;                                                                                 \
    } while (0)

/* Resumable call with a const struct timespec timeout, NULL meaning forever: CALL(ts). */
#define SW_WRAP_TS(call, obj, ts, CALL)                                                            \
    do {                                                                                           \
        int e0_ = errno;                                                                           \
        uint64_t total_ = (ts) != NULL ? ts_ns(ts) : 0;                                            \
        uint64_t t0_ = total_ > 0 ? sw_mono_ns() : 0;                                              \
        struct sw_slot *k_ = sw_enter(SW_CALL_##call, (uintptr_t)(obj));                           \
        const struct timespec *p_ = (ts);                                                          \
        struct timespec left_;                                                                     \
        int r_;                                                                                    \
        for (;;) {                                                                                 \
            uint64_t c_ = sw_signals();                                                            \
            r_ = CALL(p_);                                                                         \
            if (r_ >= 0 || !sw_eintr_ours(c_))                                                     \
                break;                                                                             \
            errno = e0_;                                                                           \
            if (total_ > 0) {                                                                      \
                ts_left(t0_, total_, &left_);                                                      \
                p_ = &left_;                                                                       \
            }                                                                                      \
        }                                                                                          \
        sw_leave(k_);                                                                              \
        return r_;                                                                                 \
    } while (0)

SW_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
#define CALL(t) SW_REAL(epoll_wait)(epfd, ev, max, t)
    SW_WRAP_MS(EPOLL_WAIT, epfd, timeout, CALL);
#undef CALL
}

SW_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
                          const sigset_t *mask)
{
#define CALL(t) SW_REAL(epoll_pwait)(epfd, ev, max, t, mask)
    SW_WRAP_MS(EPOLL_PWAIT, epfd, timeout, CALL);
#undef CALL
}

SW_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int max, const struct timespec *ts,
                           const sigset_t *mask)
{
#define CALL(p) SW_REAL(epoll_pwait2)(epfd, ev, max, p, mask)
    SW_WRAP_TS(EPOLL_PWAIT2, epfd, ts, CALL);
#undef CALL
}

SW_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
#define CALL(t) SW_REAL(poll)(fds, n, t)
    SW_WRAP_MS(POLL, 0, timeout, CALL);
#undef CALL
}

SW_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
#define CALL(t) SW_REAL(__poll_chk)(fds, n, t, fdslen)
    SW_WRAP_MS(POLL_CHK, 0, timeout, CALL);
#undef CALL
}

SW_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
#define CALL(p) SW_REAL(ppoll)(fds, n, p, mask)
    SW_WRAP_TS(PPOLL, 0, ts, CALL);
#undef CALL
}

SW_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
                          const sigset_t *mask, size_t fdslen)
{
#define CALL(p) SW_REAL(__ppoll_chk)(fds, n, p, mask, fdslen)
    SW_WRAP_TS(PPOLL_CHK, 0, ts, CALL);
#undef CALL
}

/* Linux select writes the time left back into *tv (glibc keeps that behaviour) and leaves
 * the fd sets untouched on EINTR, so resuming is re-issuing the same call. */
SW_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    SW_WRAP_RETRY(SELECT, 0, SW_REAL(select)(n, r, w, e, tv));
}

SW_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
                      const sigset_t *mask)
{
#define CALL(p) SW_REAL(pselect)(n, r, w, e, p, mask)
    SW_WRAP_TS(PSELECT, 0, ts, CALL);
#undef CALL
}

/* The signal waits: the watchdog never signals a thread inside one (SW_INTR_SIGWAIT), since
 * a waited set that holds our capture signal would take it; one sent just before the thread
 * entered the wait can still be taken, and is recognised by its siginfo (sw_capture_taken),
 * handed back to the watchdog as a failed capture and waited past. sigwait is glibc's loop
 * on sigwaitinfo (errno-style result, EINTR never returned), written on the real
 * sigwaitinfo so the siginfo can be seen. */
SW_EXPORT int sigwait(const sigset_t *__restrict set, int *__restrict sig)
{
    struct sw_slot *k = sw_enter(SW_CALL_SIGWAIT, 0);
    siginfo_t info;
    int r;
    for (;;) {
        r = SW_REAL(sigwaitinfo)(set, &info);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || !sw_capture_taken(r, &info))
            break;
    }
    sw_leave(k);
    if (r < 0)
        return errno;
    *sig = r;
    return 0;
}

SW_EXPORT int sigwaitinfo(const sigset_t *__restrict set, siginfo_t *__restrict info)
{
    struct sw_slot *k = sw_enter(SW_CALL_SIGWAITINFO, 0);
    siginfo_t mine;
    siginfo_t *ip = info != NULL ? info : &mine;
    int r;
    do
        r = SW_REAL(sigwaitinfo)(set, ip);
    while (r >= 0 && sw_capture_taken(r, ip));
    sw_leave(k);
    return r;
}

SW_EXPORT int sigtimedwait(const sigset_t *__restrict set, siginfo_t *__restrict info,
                           const struct timespec *__restrict ts)
{
    uint64_t total = ts != NULL ? ts_ns(ts) : 0;
    uint64_t t0 = total > 0 ? sw_mono_ns() : 0;
    struct sw_slot *k = sw_enter(SW_CALL_SIGTIMEDWAIT, 0);
    siginfo_t mine;
    siginfo_t *ip = info != NULL ? info : &mine;
    const struct timespec *p = ts;
    struct timespec left;
    int r;
    for (;;) {
        r = SW_REAL(sigtimedwait)(set, ip, p);
        if (r < 0 || !sw_capture_taken(r, ip))
            break;
        if (total > 0) {
            ts_left(t0, total, &left);
            p = &left;
        }
    }
    sw_leave(k);
    return r;
}

SW_EXPORT int pause(void)
{
    SW_WRAP_RETRY(PAUSE, 0, SW_REAL(pause)());
}

SW_EXPORT int sigsuspend(const sigset_t *mask)
{
    SW_WRAP_RETRY(SIGSUSPEND, 0, SW_REAL(sigsuspend)(mask));
}

/* The sleeps resume from a deadline taken at entry (the time left that the kernel reports
 * would lose the time our handler took), and write the caller's *rem only when the program
 * gets the EINTR, as the kernel alone would have. */
/* A relative sleep of *req on clk, resumed while the EINTR is ours. *req is read only after
 * the kernel has accepted it (a bad pointer or value gets the kernel's own error). */
static int sleep_rel(clockid_t clk, const struct timespec *req, struct timespec *rem)
{
    /* A relative sleep on CLOCK_REALTIME runs on CLOCK_MONOTONIC in the kernel (setting the
     * clock does not shorten it): measure what was slept on that one. */
    clockid_t measure = clk == CLOCK_REALTIME ? CLOCK_MONOTONIC : clk;
    struct timespec t, next, left;
    uint64_t t0 = clock_gettime(measure, &t) == 0 ? ts_ns(&t) : 0;
    const struct timespec *want = req;
    int r;
    for (;;) {
        uint64_t c = sw_signals();
        r = SW_REAL(clock_nanosleep)(clk, 0, want, &left);
        if (r != EINTR || !sw_intr_ours(c))
            break;
        uint64_t total = ts_ns(req);
        uint64_t spent = clock_gettime(measure, &t) == 0 ? ts_ns(&t) - t0 : 0;
        uint64_t rest = spent >= total ? 0 : total - spent;
        next.tv_sec = (time_t)(rest / 1000000000u);
        next.tv_nsec = (long)(rest % 1000000000u);
        want = &next;
    }
    if (r == EINTR && rem != NULL)
        *rem = left;
    return r;
}

SW_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
    int e0 = errno;
    struct sw_slot *k = sw_enter(SW_CALL_NANOSLEEP, 0);
    int r = sleep_rel(CLOCK_MONOTONIC, req, rem);
    sw_leave(k);
    if (r == 0) {
        errno = e0;
        return 0;
    }
    errno = r;
    return -1;
}

/* Returns the error number instead of setting errno. */
SW_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
                              struct timespec *rem)
{
    struct sw_slot *k = sw_enter(SW_CALL_CLOCK_NANOSLEEP, 0);
    int e0 = errno, r;
    if (!(flags & TIMER_ABSTIME)) {
        r = sleep_rel(clk, req, rem);
    } else {
        for (;;) {
            uint64_t c = sw_signals();
            r = SW_REAL(clock_nanosleep)(clk, flags, req, rem);
            if (r != EINTR || !sw_intr_ours(c))
                break;
        }
    }
    errno = e0;
    sw_leave(k);
    return r;
}

/* thrd_sleep: 0 done, -1 interrupted (time left in *rem), other negative values errors. */
SW_EXPORT int thrd_sleep(const struct timespec *req, struct timespec *rem)
{
    int e0 = errno;
    struct sw_slot *k = sw_enter(SW_CALL_THRD_SLEEP, 0);
    int r = sleep_rel(CLOCK_MONOTONIC, req, rem);
    sw_leave(k);
    errno = e0;
    return r == 0 ? 0 : r == EINTR ? -1 : -2;
}

/* glibc's sleep and usleep are nanosleep underneath and call it internally, out of our reach;
 * they are re-implemented here on the real clock_nanosleep with glibc's exact results: sleep
 * returns the whole seconds not slept and keeps errno on success, usleep returns 0 or -1. */
SW_EXPORT unsigned int sleep(unsigned int seconds)
{
    int e0 = errno;
    struct sw_slot *k = sw_enter(SW_CALL_SLEEP, 0);
    struct timespec ts = {.tv_sec = (time_t)seconds, .tv_nsec = 0}, left = {0, 0};
    int r = sleep_rel(CLOCK_MONOTONIC, &ts, &left);
    sw_leave(k);
    if (r == 0) {
        errno = e0;
        return 0;
    }
    errno = r;
    return (unsigned int)left.tv_sec; /* glibc: the whole seconds not slept */
}

SW_EXPORT int usleep(useconds_t usec)
{
    int e0 = errno;
    struct sw_slot *k = sw_enter(SW_CALL_USLEEP, 0);
    struct timespec ts = {.tv_sec = (time_t)(usec / 1000000u),
                          .tv_nsec = (long)(usec % 1000000u) * 1000};
    int r = sleep_rel(CLOCK_MONOTONIC, &ts, NULL);
    sw_leave(k);
    if (r == 0) {
        errno = e0;
        return 0;
    }
    errno = r;
    return -1;
}
