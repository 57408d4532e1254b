/* Two threads take two mutexes in opposite order and deadlock: worker-a holds A and waits for
 * B in take_b_after_a(), worker-b holds B and waits for A in take_a_after_b(). The main
 * thread joins them (forever). Used by the demo and the deadlock tests. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one;

__attribute__((noinline)) static void take_b_after_a(void)
{
    pthread_mutex_lock(&a);
    pthread_barrier_wait(&both_hold_one);
    pthread_mutex_lock(&b); /* deadlocks here */
}

__attribute__((noinline)) static void take_a_after_b(void)
{
    pthread_mutex_lock(&b);
    pthread_barrier_wait(&both_hold_one);
    pthread_mutex_lock(&a); /* deadlocks here */
}

static void *worker_a(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "worker-a");
    take_b_after_a();
    return NULL;
}

static void *worker_b(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "worker-b");
    take_a_after_b();
    return NULL;
}

int main(void)
{
    pthread_t ta, tb;
    pthread_barrier_init(&both_hold_one, NULL, 2);
    printf("abba: mutex a=%p b=%p\n", (void *)&a, (void *)&b);
    fflush(stdout);
    pthread_create(&ta, NULL, worker_a, NULL);
    pthread_create(&tb, NULL, worker_b, NULL);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    return 0;
}
