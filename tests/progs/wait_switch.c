/* A thread that leaves one wait for another between two looks of `stallwatch watch`: the main
 * thread holds a mutex for good; "reader" waits in a read of a pipe nobody writes; "switcher"
 * sleeps argv[1] ms (default 1200), then blocks on the mutex. Prints "ready" once both threads
 * have started. Runs until killed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t started;
static int pipefd[2];
static long ms;

static void *reader(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "reader");
    pthread_barrier_wait(&started);
    char c;
    while (read(pipefd[0], &c, 1) != 0)
        ;
    return NULL;
}

__attribute__((noinline)) static void then_the_lock(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
}

static void *switcher(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "switcher");
    pthread_barrier_wait(&started);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    then_the_lock();
    return NULL;
}

int main(int argc, char **argv)
{
    ms = argc > 1 ? atol(argv[1]) : 1200;
    if (pipe(pipefd) != 0)
        return 1;
    pthread_mutex_lock(&m);
    pthread_barrier_init(&started, NULL, 3);
    pthread_t a, b;
    pthread_create(&a, NULL, reader, NULL);
    pthread_create(&b, NULL, switcher, NULL);
    pthread_barrier_wait(&started);
    puts("ready");
    fflush(stdout);
    for (;;)
        pause();
}
