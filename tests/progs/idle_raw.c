/* Threads idle outside every wrapper, the quiet control of the kernel fallback: a raw futex
 * wait on a word nobody wakes ("raw-futex", a condition-variable-like wait), a raw ppoll with
 * no descriptor ("raw-poll", an event loop), fgets on stdin, a pipe the test never writes
 * ("stdin-reader"), and a glibc-internal lock held briefly and often ("churner", fprintf to
 * /dev/null). Runs argv[1] seconds (default 3), then exits 0. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int word;

static long raw6(long nr, long a, long b, long c, long d, long e)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

static void *raw_futex(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "raw-futex");
    for (;;)
        raw6(SYS_futex, (long)&word, FUTEX_WAIT_PRIVATE, 0, 0, 0);
    return NULL;
}

static void *raw_poll(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "raw-poll");
    for (;;)
        raw6(SYS_ppoll, 0, 0, 0, 0, 8);
    return NULL;
}

static void *stdin_reader(void *arg)
{
    (void)arg;
    char line[64];
    pthread_setname_np(pthread_self(), "stdin-reader");
    while (fgets(line, sizeof line, stdin) != NULL)
        ;
    return NULL;
}

static void *churner(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "churner");
    FILE *f = fopen("/dev/null", "w");
    for (int i = 0; f != NULL; i++) {
        fprintf(f, "%d\n", i);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int secs = argc > 1 ? atoi(argv[1]) : 3;
    pthread_t t;
    pthread_create(&t, NULL, raw_futex, NULL);
    pthread_create(&t, NULL, raw_poll, NULL);
    pthread_create(&t, NULL, stdin_reader, NULL);
    pthread_create(&t, NULL, churner, NULL);
    sleep((unsigned)secs);
    return 0;
}
