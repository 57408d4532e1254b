/* A thread stalls twice on mutexes the main thread holds: first in first_wait(), in this
 * program, then, after the main thread has loaded libplugin.so (argv[1]) with dlopen, inside
 * the plugin's plugin_wait(). The second report must name the plugin's function although the
 * plugin was loaded after the shim had read the module map. The main thread sleeps with the
 * second mutex held (a join would close a wait-for cycle: a deadlock report). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second = PTHREAD_MUTEX_INITIALIZER;
static void (*plugin_wait)(pthread_mutex_t *);

__attribute__((noinline)) static void first_wait(void)
{
    pthread_mutex_lock(&first);
    pthread_mutex_unlock(&first);
}

static void *waiter(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "waiter");
    first_wait();
    plugin_wait(&second);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    pthread_mutex_lock(&first);
    pthread_mutex_lock(&second);
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);
    sleep(2); /* the waiter is reported in first_wait() meanwhile */
    void *lib = dlopen(argv[1], RTLD_NOW);
    if (lib == NULL)
        return 3;
    *(void **)&plugin_wait = dlsym(lib, "plugin_wait");
    pthread_mutex_unlock(&first);
    for (;;)
        pause(); /* the waiter stalls in plugin_wait() */
}
