/* A process whose main thread has exited (pthread_exit) while a worker sleeps argv[1]
 * milliseconds (default 3000) in sleeper(): the leader is a zombie, the process lives on.
 * Prints "ready" before the main thread exits. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long ms;

__attribute__((noinline)) static void *sleeper(void *arg)
{
    (void)arg;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    ms = argc > 1 ? atol(argv[1]) : 3000;
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    printf("ready\n");
    fflush(stdout);
    pthread_exit(NULL);
}
