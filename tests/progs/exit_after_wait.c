/* A worker that waits 3 s for a lock the main thread holds, then returns (exits) right after
 * it gets it; the main thread then sleeps 1 s and exits 0. The worker's stall must be closed
 * ("recovered") although its thread is gone by the watchdog's next look. Prints "worker=TID"
 * once the worker has exited. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pid_t worker_tid;

__attribute__((noinline)) static void waits_then_leaves(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "short-lived");
    worker_tid = gettid();
    waits_then_leaves();
    return NULL;
}

int main(void)
{
    pthread_mutex_lock(&m);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    sleep(3);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    printf("worker=%d\n", (int)worker_tid);
    fflush(stdout);
    sleep(1);
    return 0;
}
