/* Threads sit in every call a signal interrupts even under SA_RESTART, each with a timeout
 * of about 1.2 s, while another thread is stalled on a mutex. Run with
 * STALLWATCH_ALL_THREADS=1 and a short lock threshold, the shim's report captures every one
 * of them mid-call by signal. Each call must return exactly what it would without the shim:
 * no EINTR, no short timeout. A thread in connect() (blocked on a full AF_UNIX backlog) must
 * not be signalled at all. Exits 0 when every call behaved, 1 otherwise (a line per failure).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 1200

static pthread_mutex_t stuck = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int started; /* threads about to make their call */
static pthread_mutex_t report_mu = PTHREAD_MUTEX_INITIALIZER;
static int failures;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void verdict(const char *what, int ok, double t0, int min_ms, int r, int e)
{
    double took = now_ms() - t0;
    pthread_mutex_lock(&report_mu);
    if (!ok || took < min_ms) {
        printf("FAIL %s: result %d errno %s after %.0f ms\n", what, r, strerrorname_np(e) ?: "0",
               took);
        failures++;
    }
    pthread_mutex_unlock(&report_mu);
}

static const struct timespec wait_ts = {WAIT_MS / 1000, (WAIT_MS % 1000) * 1000000L};

#define THREAD(fn, label, ...)                                                                     \
    static void *fn(void *arg)                                                                     \
    {                                                                                              \
        (void)arg;                                                                                 \
        pthread_setname_np(pthread_self(), label);                                                 \
        double t0 = now_ms();                                                                      \
        int r, e;                                                                                  \
        started++;                                                                                 \
        errno = 0;                                                                                 \
        __VA_ARGS__;                                                                               \
        return NULL;                                                                               \
    }

THREAD(t_poll, "poll", r = poll(NULL, 0, WAIT_MS); e = errno;
       verdict("poll", r == 0 && e == 0, t0, WAIT_MS, r, e))
THREAD(t_ppoll, "ppoll", r = ppoll(NULL, 0, &wait_ts, NULL); e = errno;
       verdict("ppoll", r == 0 && e == 0, t0, WAIT_MS, r, e))
THREAD(t_select, "select", struct timeval tv = {1, 200000}; r = select(0, NULL, NULL, NULL, &tv);
       e = errno; verdict("select", r == 0 && e == 0, t0, WAIT_MS, r, e))
THREAD(t_pselect, "pselect", r = pselect(0, NULL, NULL, NULL, &wait_ts, NULL); e = errno;
       verdict("pselect", r == 0 && e == 0, t0, WAIT_MS, r, e))
THREAD(t_epoll, "epoll_wait", int ep = epoll_create1(0); struct epoll_event ev;
       r = epoll_wait(ep, &ev, 1, WAIT_MS); e = errno;
       verdict("epoll_wait", r == 0 && e == 0, t0, WAIT_MS, r, e))
THREAD(t_epoll_p, "epoll_pwait", int ep = epoll_create1(0); struct epoll_event ev;
       r = epoll_pwait(ep, &ev, 1, WAIT_MS, NULL); e = errno;
       verdict("epoll_pwait", r == 0 && e == 0, t0, WAIT_MS, r, e))
THREAD(t_nanosleep, "nanosleep", struct timespec rem; r = nanosleep(&wait_ts, &rem); e = errno;
       verdict("nanosleep", r == 0 && e == 0, t0, WAIT_MS, r, e))
THREAD(t_clock_ns, "clock_nanosleep", r = clock_nanosleep(CLOCK_MONOTONIC, 0, &wait_ts, NULL);
       e = 0; verdict("clock_nanosleep", r == 0, t0, WAIT_MS, r, e))
THREAD(t_sigtimedwait, "sigtimedwait", sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1);
       r = sigtimedwait(&set, NULL, &wait_ts); e = errno;
       verdict("sigtimedwait", r == -1 && e == EAGAIN, t0, WAIT_MS, r, e))
THREAD(t_rcvtimeo, "rcvtimeo", int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
       struct timeval tv = {1, 200000}; setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
       char c; r = (int)recv(sv[0], &c, 1, 0); e = errno;
       verdict("recv SO_RCVTIMEO", r == -1 && e == EAGAIN, t0, WAIT_MS, r, e))

static char sock_path[108];

/* connect() on a full AF_UNIX backlog blocks until the listener accepts. */
static void *t_connect(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "connect");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, sock_path);
    double t0 = now_ms();
    errno = 0;
    started++;
    int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    verdict("connect", r == 0 && e == 0, t0, 0, r, e);
    return NULL;
}

static void *t_stuck(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "stuck");
    pthread_mutex_lock(&stuck);
    pthread_mutex_unlock(&stuck);
    return NULL;
}

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* A listener whose backlog is full: the next connect() blocks. */
    snprintf(sock_path, sizeof sock_path, "/tmp/stallwatch-resume-%d", (int)getpid());
    unlink(sock_path);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, sock_path);
    bind(lfd, (struct sockaddr *)&sa, sizeof sa);
    listen(lfd, 0);
    int filler = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(filler, (struct sockaddr *)&sa, sizeof sa);

    pthread_mutex_lock(&stuck);
    void *(*fns[])(void *) = {t_poll,         t_ppoll,    t_select,    t_pselect,
                              t_epoll,        t_epoll_p,  t_nanosleep, t_clock_ns,
                              t_sigtimedwait, t_rcvtimeo, t_connect,   t_stuck};
    enum { N = sizeof fns / sizeof fns[0] };
    pthread_t t[N];
    /* Every thread in its call before the stall begins, however loaded the machine. */
    for (unsigned i = 0; i < N - 1; i++)
        pthread_create(&t[i], NULL, fns[i], NULL);
    while (started < (int)N - 1)
        usleep(1000);
    usleep(50000);
    pthread_create(&t[N - 1], NULL, fns[N - 1], NULL);
    struct timespec ts = {1, 600000000};
    nanosleep(&ts, NULL);
    /* Let the connect through, then the stuck thread. */
    int c = accept(lfd, NULL, NULL);
    c = accept(lfd, NULL, NULL);
    (void)c;
    pthread_mutex_unlock(&stuck);
    for (unsigned i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    unlink(sock_path);
    return failures == 0 ? 0 : 1;
}
