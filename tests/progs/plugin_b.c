/* The second plugin of dlclose_fds: loaded after the first one was unloaded. */
#include <pthread.h>

__attribute__((noinline)) void plugin_b_wait(pthread_mutex_t *m)
{
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
}
