/* A thread makes a heartbeat promise (300 ms) and exits with it open; then 300 threads that
 * never use the API sleep 2 s; slots are claimed round-robin in chunks of 256, so past 256
 * one of them gets the slot the first thread left. Under the shim at default settings nothing
 * must be reported: a promise belongs to the thread that made it, not to the next owner of its
 * slot. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "stallwatch.h"

#define SLEEPERS 300

static void *promiser(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "promiser");
    stallwatch_heartbeat(300); /* and exits with the promise open */
    return NULL;
}

static void *sleeper(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "sleeper");
    sleep(2);
    return NULL;
}

int main(void)
{
    pthread_t t, ts[SLEEPERS];
    pthread_create(&t, NULL, promiser, NULL);
    pthread_join(t, NULL);
    for (int i = 0; i < SLEEPERS; i++)
        pthread_create(&ts[i], NULL, sleeper, NULL);
    for (int i = 0; i < SLEEPERS; i++)
        pthread_join(ts[i], NULL);
    printf("active=%d\n", stallwatch_active());
    return 0;
}
