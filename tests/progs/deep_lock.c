/* A thread named "deep" waits for a mutex the main thread holds, 40 calls deep in a recursion:
 * its stack (the lock's own frames, 41 frames of descend(), then deep_main and the thread
 * start) is far longer than the frame limits the tests set. The main thread sleeps with the
 * mutex held (forever; a join would close a wait-for cycle and make the report a deadlock).
 * Used by the tests of STALLWATCH_FRAMES and --frames.
 *
 * descend() is noinline and passes the address of its own local down, so each call needs a
 * frame of its own: no tail call, no loop. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define DEPTH 40

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline, noclone)) static void descend(int depth, volatile int *caller)
{
    volatile int here = depth;

    if (depth == 0)
        pthread_mutex_lock(&held); /* stalls here */
    else
        descend(depth - 1, &here);
    *caller += here;
}

static void *deep_main(void *arg)
{
    volatile int sum = 0;

    (void)arg;
    pthread_setname_np(pthread_self(), "deep");
    descend(DEPTH, &sum);
    return NULL;
}

int main(void)
{
    pthread_t t;

    pthread_mutex_lock(&held);
    printf("deep_lock: depth=%d\n", DEPTH);
    fflush(stdout);
    pthread_create(&t, NULL, deep_main, NULL);
    for (;;)
        pause();
}
