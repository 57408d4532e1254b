/* A process that notices being held still: argv[1] threads in all (default 24), all but one
 * waiting on a condition variable, the last ("ticker") reading CLOCK_MONOTONIC in a loop and
 * keeping the longest gap between two reads. Prints "ready" once every thread exists, and
 * after argv[2] seconds (default 3) prints "max_gap_us=N" and exits 0. Used by the attach
 * tests and the bench: a dump's hold is the gap the ticker sees. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done;

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *idle_worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!done)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static long long seconds;
static long long max_gap;

static void *ticker(void *arg)
{
    (void)arg;
    long long start = now_us(), last = start;
    for (;;) {
        long long t = now_us();
        if (t - last > max_gap)
            max_gap = t - last;
        last = t;
        if (t - start > seconds * 1000000)
            return NULL;
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 24;
    seconds = argc > 2 ? atoll(argv[2]) : 3;
    pthread_t *w = calloc((size_t)n, sizeof *w);
    for (int i = 0; i < n - 2; i++)
        pthread_create(&w[i], NULL, idle_worker, NULL);
    pthread_t t;
    pthread_create(&t, NULL, ticker, NULL);
    pthread_setname_np(t, "ticker");
    printf("ready\n");
    fflush(stdout);
    pthread_join(t, NULL);
    pthread_mutex_lock(&mu);
    done = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < n - 2; i++)
        pthread_join(w[i], NULL);
    printf("max_gap_us=%lld\n", max_gap);
    return 0;
}
