/* Uses the public API of include/stallwatch.h. A worker promises a heartbeat every 300 ms and
 * keeps it for a while, then blocks on a condition variable in wait_for_work() for 1.5 s
 * without beating (a missed promise), then beats again. The main thread opens a 300 ms region
 * "load config" and spends 1 s in it. Without the shim every call is a no-op and the program
 * runs the same. Prints "active=N" (1 under the shim, 0 without) and exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "stallwatch.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

__attribute__((noinline)) static void wait_for_work(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    until.tv_nsec += 500000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&mu);
    pthread_cond_timedwait(&cv, &mu, &until);
    pthread_mutex_unlock(&mu);
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "beater");
    for (int i = 0; i < 5; i++) {
        stallwatch_heartbeat(300);
        usleep(50000);
    }
    wait_for_work();
    for (int i = 0; i < 3; i++) {
        stallwatch_heartbeat(300);
        usleep(50000);
    }
    stallwatch_heartbeat_stop();
    return NULL;
}

__attribute__((noinline)) static void load_config(void)
{
    stallwatch_scope_begin("load config", 300);
    sleep(1);
    stallwatch_scope_end();
}

int main(void)
{
    printf("active=%d\n", stallwatch_active());
    fflush(stdout);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    load_config();
    pthread_join(t, NULL);
    return 0;
}
