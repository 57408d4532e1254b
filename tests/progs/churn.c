/* 100,000 short threads come and go (joined after returning, after pthread_exit, or after
 * being cancelled) while a thread named "stuck-one" is stalled on a mutex. Then a second
 * thread, "late-one", stalls too; with STALLWATCH_ALL_THREADS=1 its report must list only the
 * threads alive then: no slot of a dead thread. argv[1]: how many threads (default 100000).
 * Prints "churned N" and, after 1.5 s for the reports, exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t stuck = PTHREAD_MUTEX_INITIALIZER, late = PTHREAD_MUTEX_INITIALIZER;

static void *short_one(void *arg)
{
    long kind = (long)arg;
    if (kind == 1)
        pthread_exit((void *)1);
    if (kind == 2) {
        for (;;)
            pause(); /* cancelled here */
    }
    return NULL;
}

static void *stuck_one(void *arg)
{
    pthread_setname_np(pthread_self(), (const char *)arg);
    pthread_mutex_t *m = arg == (void *)"stuck-one" ? &stuck : &late;
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    pthread_attr_t small;
    pthread_attr_init(&small);
    pthread_attr_setstacksize(&small, 64 * 1024);
    pthread_mutex_lock(&stuck);
    pthread_mutex_lock(&late);
    pthread_t s1, s2;
    pthread_create(&s1, NULL, stuck_one, "stuck-one");
    for (long i = 0; i < n; i++) {
        pthread_t t;
        long kind = i % 3;
        if (pthread_create(&t, &small, short_one, (void *)kind) != 0) {
            printf("create failed at %ld\n", i);
            return 1;
        }
        if (kind == 2)
            pthread_cancel(t);
        pthread_join(t, NULL);
    }
    printf("churned %ld\n", n);
    fflush(stdout);
    pthread_create(&s2, NULL, stuck_one, "late-one");
    usleep(1500000);
    pthread_mutex_unlock(&stuck);
    pthread_mutex_unlock(&late);
    pthread_join(s1, NULL);
    pthread_join(s2, NULL);
    return 0;
}
