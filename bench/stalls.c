/* Stalls on demand for scripts/bench's detection and report latency figures.
 *
 * Usage: stalls COUNT HOLD_MS GAP_MS
 *   COUNT times: the main thread takes a mutex, lets the worker thread try to take it, holds it
 *   HOLD_MS, releases it, then waits GAP_MS. The worker records CLOCK_REALTIME just before
 *   its pthread_mutex_lock (the stall start). Between stalls the worker waits on a condition
 *   variable (the "wait" class, off by default). At the end one line per stall:
 *     stall <i> start_ns <realtime ns> end_ns <realtime ns when the worker got the mutex>
 * Usage: stalls hold SECONDS
 *   The worker blocks on a mutex held by main for SECONDS; "ready <pid>" is printed once it
 *   is about to block (for timing eu-stack on a stalled process). */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static pthread_mutex_t stall_mu = PTHREAD_MUTEX_INITIALIZER; /* the one the worker stalls on */
static pthread_mutex_t ctl_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ctl_cv = PTHREAD_COND_INITIALIZER;
static long go_no, done_no; /* stalls started by main / finished by the worker */
static uint64_t start_ns[1000], end_ns[1000];

static void *worker(void *arg)
{
    long count = (long)arg;
    for (long i = 1; i <= count; i++) {
        pthread_mutex_lock(&ctl_mu);
        while (go_no < i)
            pthread_cond_wait(&ctl_cv, &ctl_mu);
        pthread_mutex_unlock(&ctl_mu);
        start_ns[i - 1] = real_ns();
        pthread_mutex_lock(&stall_mu);
        end_ns[i - 1] = real_ns();
        pthread_mutex_unlock(&stall_mu);
        pthread_mutex_lock(&ctl_mu);
        done_no = i;
        pthread_cond_broadcast(&ctl_cv);
        pthread_mutex_unlock(&ctl_mu);
    }
    return NULL;
}

static void *hold_worker(void *arg)
{
    (void)arg;
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    pthread_mutex_lock(&stall_mu);
    pthread_mutex_unlock(&stall_mu);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t;
    pthread_setname_np(pthread_self(), "stalls-main");
    if (argc == 3 && strcmp(argv[1], "hold") == 0) {
        pthread_mutex_lock(&stall_mu);
        pthread_create(&t, NULL, hold_worker, NULL);
        sleep_ms(strtol(argv[2], NULL, 10) * 1000L);
        pthread_mutex_unlock(&stall_mu);
        pthread_join(t, NULL);
        return 0;
    }
    long count = arg_long(argc, argv, 1, 20), hold = arg_long(argc, argv, 2, 1500),
         gap = arg_long(argc, argv, 3, 200);
    if (count < 1 || count > 1000)
        return 2;
    pthread_create(&t, NULL, worker, (void *)count);
    pthread_setname_np(t, "staller");
    for (long i = 1; i <= count; i++) {
        pthread_mutex_lock(&stall_mu);
        pthread_mutex_lock(&ctl_mu);
        go_no = i;
        pthread_cond_broadcast(&ctl_cv);
        pthread_mutex_unlock(&ctl_mu);
        sleep_ms(hold);
        pthread_mutex_unlock(&stall_mu);
        pthread_mutex_lock(&ctl_mu);
        while (done_no < i)
            pthread_cond_wait(&ctl_cv, &ctl_mu);
        pthread_mutex_unlock(&ctl_mu);
        sleep_ms(gap);
    }
    pthread_join(t, NULL);
    for (long i = 0; i < count; i++)
        printf("stall %ld start_ns %llu end_ns %llu\n", i + 1, (unsigned long long)start_ns[i],
               (unsigned long long)end_ns[i]);
    return 0;
}
