/* A library the dlopen test loads after its first stall has been reported: the shim's module
 * map predates it, so symbolizing plugin_wait() needs a refresh. */
#include <pthread.h>

__attribute__((noinline)) void plugin_wait(pthread_mutex_t *m)
{
    pthread_mutex_lock(m); /* stalls here */
}
