/* argv[1] threads in all (default 10,000), argv[2] of them (default 1,000) queued on one mutex
 * the main thread holds, the rest idle on a condition variable. The waiters all go for the
 * mutex together once every thread exists, however long creating them took. Prints "ready"
 * then, holds the mutex for argv[3] seconds (default 3), releases everything and exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t idle_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
static int released;
static pthread_barrier_t all_created;

__attribute__((noinline)) static void *queued(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&all_created);
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void *idle(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&idle_mu);
    while (!released)
        pthread_cond_wait(&idle_cv, &idle_mu);
    pthread_mutex_unlock(&idle_mu);
    return NULL;
}

int main(int argc, char **argv)
{
    int total = argc > 1 ? atoi(argv[1]) : 10000;
    int waiting = argc > 2 ? atoi(argv[2]) : 1000;
    int hold = argc > 3 ? atoi(argv[3]) : 3;
    pthread_attr_t small;
    pthread_attr_init(&small);
    pthread_attr_setstacksize(&small, 64 * 1024);
    pthread_t *t = calloc((size_t)total, sizeof *t);
    pthread_barrier_init(&all_created, NULL, (unsigned)waiting + 1);
    pthread_mutex_lock(&m);
    for (int i = 0; i < total; i++) {
        if (pthread_create(&t[i], &small, i < waiting ? queued : idle, NULL) != 0) {
            printf("create failed at %d\n", i);
            return 1;
        }
    }
    pthread_barrier_wait(&all_created);
    puts("ready");
    fflush(stdout);
    sleep((unsigned)hold);
    pthread_mutex_unlock(&m);
    pthread_mutex_lock(&idle_mu);
    released = 1;
    pthread_cond_broadcast(&idle_cv);
    pthread_mutex_unlock(&idle_mu);
    for (int i = 0; i < total; i++)
        pthread_join(t[i], NULL);
    return 0;
}
