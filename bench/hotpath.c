/* Hot-path micro benchmarks of scripts/bench: the calls the shim wraps, in tight loops.
 *
 * Usage: hotpath MODE N REPS
 *   MODE  mutex      uncontended pthread_mutex_lock + unlock; an iteration is one pair
 *         cond       pthread_cond_signal/wait ping-pong between two threads; an iteration is
 *                    one round trip
 *         pipe       write 1 byte to a pipe and read it back; an iteration is one write and
 *                    one read
 *         poll       poll() on an empty pipe with a zero timeout; an iteration is one poll
 *         stat       fstat() of the pipe: the file-system call programs make most often;
 *                    an iteration is one fstat
 *         close      dup() the pipe's descriptor and close() the copy; an iteration is one
 *                    pair (dup is not wrapped, close is)
 *         contended  two threads lock/unlock one mutex N times each, each thread pinned to its
 *                    own CPU (when there are two) so that the lock really bounces between
 *                    cores; prints operations per second
 *         parallel   two threads, one per CPU, each lock/unlock its own mutex N times: no lock
 *                    is shared, so any slowdown comes from shared cache lines; prints
 *                    operations per second
 *   REPS  0: run the loop once, N iterations, print nothing (for callgrind, which counts
 *         instructions inside the loop_* functions only, see --toggle-collect in bench.py);
 *         >0: one warm-up of N/4 iterations, then REPS timed runs of N iterations; prints the
 *         median nanoseconds per iteration (contended: the median ops per second).
 * With BENCH_IDLE_THREAD=1 in the environment an extra thread is started first and blocks
 * forever: the control that shows what a second thread alone (such as the shim's watchdog)
 * costs, since glibc skips cancellation and locking work while a process has one thread.
 *
 * The loops are separate non-inlined functions so that callgrind can count exactly them. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn; /* cond ping-pong: 0 the main thread's turn, 1 the peer's */
static int pipefd[2];
static volatile long counter;

__attribute__((noinline)) void loop_mutex(long n)
{
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&mu);
        pthread_mutex_unlock(&mu);
    }
}

__attribute__((noinline)) void loop_cond_main(long n)
{
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&mu);
        turn = 1;
        pthread_cond_signal(&cv);
        while (turn != 0)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
    }
}

__attribute__((noinline)) void loop_cond_peer(long n)
{
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&mu);
        while (turn != 1)
            pthread_cond_wait(&cv, &mu);
        turn = 0;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
    }
}

__attribute__((noinline)) void loop_pipe(long n)
{
    char c = 'x';
    for (long i = 0; i < n; i++) {
        if (write(pipefd[1], &c, 1) != 1 || read(pipefd[0], &c, 1) != 1)
            abort();
    }
}

__attribute__((noinline)) void loop_poll(long n)
{
    struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
    for (long i = 0; i < n; i++) {
        if (poll(&p, 1, 0) != 0)
            abort();
    }
}

__attribute__((noinline)) void loop_stat(long n)
{
    struct stat st;
    for (long i = 0; i < n; i++) {
        if (fstat(pipefd[0], &st) != 0)
            abort();
    }
}

__attribute__((noinline)) void loop_close(long n)
{
    for (long i = 0; i < n; i++) {
        int fd = dup(pipefd[0]);
        if (fd < 0 || close(fd) != 0)
            abort();
    }
}

__attribute__((noinline)) void loop_contended(long n)
{
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&mu);
        counter = counter + 1;
        pthread_mutex_unlock(&mu);
    }
}

/* One mutex per thread, each on its own 128-byte block (no false sharing between them). */
static struct {
    pthread_mutex_t m;
} __attribute__((aligned(128)))
own_mu[2] = {{PTHREAD_MUTEX_INITIALIZER}, {PTHREAD_MUTEX_INITIALIZER}};

__attribute__((noinline)) void loop_parallel(pthread_mutex_t *m, long n)
{
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(m);
        pthread_mutex_unlock(m);
    }
}

static void *cond_peer(void *arg)
{
    loop_cond_peer((long)arg);
    return NULL;
}

static void *idle_thread(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
}

static void *contended_peer(void *arg)
{
    pin(1);
    loop_contended((long)arg);
    return NULL;
}

static void *parallel_peer(void *arg)
{
    pin(1);
    loop_parallel(&own_mu[1].m, (long)arg);
    return NULL;
}

/* Runs MODE for n iterations; returns elapsed nanoseconds. */
static uint64_t run(const char *mode, long n)
{
    pthread_t t;
    uint64_t t0 = mono_ns();
    if (strcmp(mode, "mutex") == 0) {
        loop_mutex(n);
    } else if (strcmp(mode, "cond") == 0) {
        turn = 0;
        if (pthread_create(&t, NULL, cond_peer, (void *)n) != 0)
            abort();
        loop_cond_main(n);
        pthread_join(t, NULL);
    } else if (strcmp(mode, "pipe") == 0) {
        loop_pipe(n);
    } else if (strcmp(mode, "poll") == 0) {
        loop_poll(n);
    } else if (strcmp(mode, "stat") == 0) {
        loop_stat(n);
    } else if (strcmp(mode, "close") == 0) {
        loop_close(n);
    } else if (strcmp(mode, "contended") == 0) {
        if (pthread_create(&t, NULL, contended_peer, (void *)n) != 0)
            abort();
        pin(0);
        loop_contended(n);
        pthread_join(t, NULL);
    } else if (strcmp(mode, "parallel") == 0) {
        if (pthread_create(&t, NULL, parallel_peer, (void *)n) != 0)
            abort();
        pin(0);
        loop_parallel(&own_mu[0].m, n);
        pthread_join(t, NULL);
    } else {
        fprintf(stderr, "hotpath: unknown mode %s\n", mode);
        exit(2);
    }
    return mono_ns() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: hotpath mutex|cond|pipe|poll|stat|close|contended|parallel N REPS\n");
        return 2;
    }
    const char *mode = argv[1];
    long n = arg_long(argc, argv, 2, 100000), reps = arg_long(argc, argv, 3, 0);
    if (pipe(pipefd) != 0)
        return 1;
    const char *extra = getenv("BENCH_IDLE_THREAD");
    if (extra != NULL && strcmp(extra, "1") == 0) {
        pthread_t t;
        if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
            return 1;
    }
    if (reps <= 0) {
        run(mode, n);
        return 0;
    }
    run(mode, n / 4 > 0 ? n / 4 : 1);
    double v[64];
    if (reps > 64)
        reps = 64;
    for (long r = 0; r < reps; r++) {
        uint64_t ns = run(mode, n);
        int two = strcmp(mode, "contended") == 0 || strcmp(mode, "parallel") == 0;
        v[r] = two ? 2.0 * (double)n * 1e9 / (double)ns : (double)ns / (double)n;
    }
    printf("%.3f\n", median(v, (int)reps));
    return 0;
}
