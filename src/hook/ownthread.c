/* Starting the shim's own threads, and having them step aside for a set*id call. Any thread
 * (see ownthread.h). */
#include "hook/ownthread.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "hook/real.h"

int sw_own_thread_start(void *(*run)(void *), pthread_t *t)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = sw_real.pthread_create(t, NULL, run, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}

static bool (*_Atomic aside_fn)(void);
static void (*_Atomic back_fn)(void);

void sw_own_threads_register(bool (*aside)(void), void (*back)(void))
{
    atomic_store(&back_fn, back);
    atomic_store(&aside_fn, aside);
}

bool sw_own_threads_aside(void)
{
    bool (*aside)(void) = atomic_load(&aside_fn);
    return aside != NULL && aside();
}

void sw_own_threads_back(void)
{
    void (*back)(void) = atomic_load(&back_fn);
    if (back != NULL)
        back();
}
