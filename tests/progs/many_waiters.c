/* The main thread holds a mutex and sleeps; 40 threads wait for it in wait_in_line() and 8 in
 * wait_elsewhere(), a different stack on the same mutex. One grouped report must stand for all
 * 48, with the main thread as the owner. Prints "ready" when every thread has started. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define IN_LINE   40
#define ELSEWHERE 8

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t started;

__attribute__((noinline)) static void wait_in_line(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
}

__attribute__((noinline)) static void wait_elsewhere(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
}

static void *liner(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "liner");
    pthread_barrier_wait(&started);
    wait_in_line();
    return NULL;
}

static void *other(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "other");
    pthread_barrier_wait(&started);
    wait_elsewhere();
    return NULL;
}

__attribute__((noinline)) static void hold_the_lock(void)
{
    pthread_mutex_lock(&m);
    pthread_barrier_wait(&started);
    puts("ready");
    fflush(stdout);
    for (;;)
        sleep(100);
}

int main(void)
{
    pthread_barrier_init(&started, NULL, IN_LINE + ELSEWHERE + 1);
    pthread_t t;
    for (int i = 0; i < IN_LINE; i++)
        pthread_create(&t, NULL, liner, NULL);
    for (int i = 0; i < ELSEWHERE; i++)
        pthread_create(&t, NULL, other, NULL);
    hold_the_lock();
    return 0;
}
