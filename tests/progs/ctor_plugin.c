/* The classic plugin deadlock, as a library: its constructor (run inside the program's dlopen,
 * which holds the dynamic loader's lock) starts a thread that itself calls dlopen, and waits
 * for it with pthread_join. The thread waits for the loader's lock, the constructor for the
 * thread: neither ever finishes. Loaded by plugin_deadlock. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>

__attribute__((noinline)) static void *loads_another_library(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "plugin-loader");
    dlopen("libm.so.6", RTLD_NOW); /* waits for the loader's lock forever */
    return NULL;
}

__attribute__((noinline)) static void init_waits_for_its_thread(void)
{
    pthread_t t;
    pthread_create(&t, NULL, loads_another_library, NULL);
    pthread_join(t, NULL);
}

__attribute__((constructor)) static void plugin_init(void)
{
    init_waits_for_its_thread();
}
