/* A lock held for a short while: the holder keeps mutex m for argv[1] milliseconds (default
 * 1000) while the main thread waits for it in wait_for_holder(), then the program exits 0.
 * Under a lock threshold longer than the hold, nothing is a stall, even if the whole process
 * is stopped (SIGSTOP) in the middle of the wait for longer than the threshold. Prints
 * "waiting" once the main thread is about to block. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t held;
static long hold_ms = 1000;

static void *holder(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "holder");
    pthread_mutex_lock(&m);
    pthread_barrier_wait(&held);
    struct timespec ts = {hold_ms / 1000, (hold_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    pthread_mutex_unlock(&m);
    return NULL;
}

__attribute__((noinline)) static void wait_for_holder(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        hold_ms = atol(argv[1]);
    pthread_t t;
    pthread_barrier_init(&held, NULL, 2);
    pthread_create(&t, NULL, holder, NULL);
    pthread_barrier_wait(&held);
    puts("waiting");
    fflush(stdout);
    wait_for_holder();
    pthread_join(t, NULL);
    return 0;
}
