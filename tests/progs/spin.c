/* A thread named "spinner" spins in spin_forever() without calling anything for argv[1]
 * seconds (default 3), then the program exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static volatile int stop;
static volatile unsigned long sink;

__attribute__((noinline)) static void spin_forever(void)
{
    while (!stop)
        sink++;
}

static void *spinner(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "spinner");
    spin_forever();
    return NULL;
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 3;
    pthread_t t;
    pthread_create(&t, NULL, spinner, NULL);
    struct timespec ts = {seconds, 0};
    nanosleep(&ts, NULL);
    stop = 1;
    pthread_join(t, NULL);
    return 0;
}
