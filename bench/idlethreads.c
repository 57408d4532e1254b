/* The watchdog-cost load of scripts/bench: N threads blocked in pthread_cond_wait for good
 * (the "wait" class, not reported at default settings), or with "raw" in futex waits made
 * with a raw syscall instruction, outside every wrapper (the kernel fallback's worst case:
 * every thread is sampled and looked at in /proc). Prints "ready" once every thread has
 * started waiting, then sleeps until killed.
 * Usage: idlethreads [N [raw]]   (default 1000, condvars) */
#include <linux/futex.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>

#include "common.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t started_cv = PTHREAD_COND_INITIALIZER;
static long started;
static int never;
static int raw_word;
static int raw;

/* futex(&raw_word, FUTEX_WAIT_PRIVATE, 0) with the syscall instruction: no libc, no wrapper. */
static void raw_wait(void)
{
    long ret;
    register long r10 __asm__("r10") = 0;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"((long)SYS_futex), "D"(&raw_word), "S"((long)FUTEX_WAIT_PRIVATE),
                       "d"(0L), "r"(r10)
                     : "rcx", "r11", "memory");
    (void)ret;
}

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    started++;
    pthread_cond_signal(&started_cv);
    if (raw) {
        pthread_mutex_unlock(&mu);
        for (;;)
            raw_wait();
    }
    while (!never)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(int argc, char **argv)
{
    long n = arg_long(argc, argv, 1, 1000);
    raw = argc > 2 && strcmp(argv[2], "raw") == 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, waiter, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    pthread_mutex_lock(&mu);
    while (started < n)
        pthread_cond_wait(&started_cv, &mu);
    pthread_mutex_unlock(&mu);
    printf("ready\n");
    fflush(stdout);
    for (;;)
        sleep_ms(3600 * 1000L);
}
