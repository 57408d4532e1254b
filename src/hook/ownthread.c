/* Starting the shim's own threads. Any thread (see ownthread.h). */
#include "hook/ownthread.h"

#include <pthread.h>
#include <signal.h>

#include "hook/real.h"

int sw_own_thread_start(void *(*run)(void *))
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int r = sw_real.pthread_create(&t, &attr, run, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return r;
}
