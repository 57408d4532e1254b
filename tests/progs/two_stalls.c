/* Two stalls in one process with a pause between: the main thread waits 700 ms for a mutex a
 * helper holds, in first_stall(); prints "first"; reads one line from stdin (a pipe: not a
 * stall at default settings); then the same in second_stall(); prints "second" and exits 0.
 * Lets a test change the world between two reports of one process. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t started_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t started_cv = PTHREAD_COND_INITIALIZER;
static int started;

static void *holder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    pthread_mutex_lock(&started_mu);
    started = 1;
    pthread_cond_signal(&started_cv);
    pthread_mutex_unlock(&started_mu);
    usleep(700 * 1000);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void wait_for_holder(void)
{
    pthread_t t;
    started = 0;
    pthread_create(&t, NULL, holder, NULL);
    pthread_mutex_lock(&started_mu);
    while (!started)
        pthread_cond_wait(&started_cv, &started_mu);
    pthread_mutex_unlock(&started_mu);
    pthread_mutex_lock(&m); /* the stall */
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
}

__attribute__((noinline)) static void first_stall(void)
{
    wait_for_holder();
}

__attribute__((noinline)) static void second_stall(void)
{
    wait_for_holder();
}

int main(void)
{
    first_stall();
    printf("first\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
        return 1;
    second_stall();
    printf("second\n");
    return 0;
}
