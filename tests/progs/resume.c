/* The main thread makes, one after the other, every call that a signal interrupts even under
 * SA_RESTART, each lasting ~600 ms. Run with STALLWATCH_HEARTBEAT=main and a 200 ms threshold,
 * the shim captures the thread with its signal during each call. Each call must still return
 * exactly what it returns without the shim (no EINTR, no short sleep): the program checks and
 * exits 0 when all did, 1 and a line per failure otherwise. It prints "captured" lines only for
 * information. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 600

static int failures;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void check(const char *what, int ok, double t0, int min_ms, int result, int err)
{
    double took = now_ms() - t0;
    if (!ok || took < min_ms) {
        printf("FAIL %s: result %d errno %d (%s) after %.0f ms\n", what, result, err, strerror(err),
               took);
        failures++;
    } else {
        printf("ok %s after %.0f ms\n", what, took);
    }
}

int main(void)
{
    double t0;
    int r, e;

    t0 = now_ms();
    errno = 0;
    r = poll(NULL, 0, WAIT_MS);
    e = errno;
    check("poll", r == 0 && e == 0, t0, WAIT_MS, r, e);

    t0 = now_ms();
    struct timespec ts = {0, WAIT_MS * 1000000L};
    errno = 0;
    r = ppoll(NULL, 0, &ts, NULL);
    e = errno;
    check("ppoll", r == 0 && e == 0, t0, WAIT_MS, r, e);

    int ep = epoll_create1(0);
    struct epoll_event ev;
    t0 = now_ms();
    errno = 0;
    r = epoll_wait(ep, &ev, 1, WAIT_MS);
    e = errno;
    check("epoll_wait", r == 0 && e == 0, t0, WAIT_MS, r, e);

    t0 = now_ms();
    errno = 0;
    r = epoll_pwait(ep, &ev, 1, WAIT_MS, NULL);
    e = errno;
    check("epoll_pwait", r == 0 && e == 0, t0, WAIT_MS, r, e);

    t0 = now_ms();
    struct timeval tv = {0, WAIT_MS * 1000};
    errno = 0;
    r = select(0, NULL, NULL, NULL, &tv);
    e = errno;
    check("select", r == 0 && e == 0, t0, WAIT_MS, r, e);

    t0 = now_ms();
    errno = 0;
    r = pselect(0, NULL, NULL, NULL, &ts, NULL);
    e = errno;
    check("pselect", r == 0 && e == 0, t0, WAIT_MS, r, e);

    t0 = now_ms();
    struct timespec rem = {0, 0};
    errno = 0;
    r = nanosleep(&ts, &rem);
    e = errno;
    check("nanosleep", r == 0 && e == 0, t0, WAIT_MS, r, e);

    t0 = now_ms();
    r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    check("clock_nanosleep", r == 0, t0, WAIT_MS, r, 0);

    t0 = now_ms();
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += WAIT_MS * 1000000L;
    if (abs.tv_nsec >= 1000000000L) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000L;
    }
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    check("clock_nanosleep(TIMER_ABSTIME)", r == 0, t0, WAIT_MS, r, 0);

    t0 = now_ms();
    errno = 0;
    r = usleep(WAIT_MS * 1000);
    e = errno;
    check("usleep", r == 0 && e == 0, t0, WAIT_MS, r, e);

    t0 = now_ms();
    errno = 0;
    r = (int)sleep(1);
    e = errno;
    check("sleep", r == 0 && e == 0, t0, 1000, r, e);

    t0 = now_ms();
    r = thrd_sleep(&ts, NULL);
    check("thrd_sleep", r == 0, t0, WAIT_MS, r, 0);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    t0 = now_ms();
    errno = 0;
    r = sigtimedwait(&set, NULL, &ts);
    e = errno;
    check("sigtimedwait", r == -1 && e == EAGAIN, t0, WAIT_MS, r, e);

    return failures == 0 ? 0 : 1;
}
