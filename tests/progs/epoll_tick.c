/* A loop like a server's timer tick: argv[1] threads (default 2) each wait in epoll_wait for
 * 1 ms (no descriptor ever ready), then compute for about 1 ms in user space, again and again.
 * A look from outside finds each thread blocked in the wait about half the time, and running
 * the other half: a capture that leaves a thread in epoll_wait unstopped (a stop would end the
 * wait early) must still get its stack when the thread has run on by the time it is read.
 * With argv[2] and argv[3], the wait and the computing last that many milliseconds instead,
 * and each wait is announced by a "tick" line (for one thread: the pipe is not read at 1 kHz).
 * Prints "ready" and runs until killed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static int epoll_fd;
static int wait_ms = 1;
static double run_ms = 1.0;
static int announce;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void *tick(void *arg)
{
    volatile unsigned long sink = 0;
    struct epoll_event ev;
    (void)arg;
    for (;;) {
        if (announce) {
            printf("tick\n");
            fflush(stdout);
        }
        epoll_wait(epoll_fd, &ev, 1, wait_ms);
        for (double t0 = now_ms(); now_ms() - t0 < run_ms;)
            sink++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2;
    pthread_t t;

    if (argc > 3) {
        wait_ms = atoi(argv[2]);
        run_ms = atof(argv[3]);
        announce = 1;
    }

    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0)
        return 1;
    for (int i = 1; i < n; i++)
        if (pthread_create(&t, NULL, tick, NULL) != 0)
            return 1;
    printf("ready\n");
    fflush(stdout);
    tick(NULL);
    return 0;
}
