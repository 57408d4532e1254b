/* The watchdog-cost load of scripts/bench: N threads blocked in pthread_cond_wait for good
 * (the "wait" class, not reported at default settings). Prints "ready" once every thread has
 * started waiting, then sleeps until killed.
 * Usage: idlethreads [N]   (default 1000) */
#include <pthread.h>

#include "common.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t started_cv = PTHREAD_COND_INITIALIZER;
static long started;
static int never;

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    started++;
    pthread_cond_signal(&started_cv);
    while (!never)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(int argc, char **argv)
{
    long n = arg_long(argc, argv, 1, 1000);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, waiter, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    pthread_mutex_lock(&mu);
    while (started < n)
        pthread_cond_wait(&started_cv, &mu);
    pthread_mutex_unlock(&mu);
    printf("ready\n");
    fflush(stdout);
    for (;;)
        sleep_ms(3600 * 1000L);
}
