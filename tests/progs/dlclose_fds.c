/* A library unloaded after the shim symbolized it must not cost the program a descriptor.
 *
 * A worker stalls inside libplugin_split.so (argv[1], whose debuginfo is a separate file: the
 * shim opens it, and closes it after the report). The main thread then unloads that plugin,
 * opens 64 descriptors of its own (reusing the numbers the shim closed), loads
 * libplugin_b.so (argv[2]) and lets the worker stall in it: that report needs the shim to
 * re-read the module map, now without the first plugin. At the end every one of the 64
 * descriptors must still be open. Prints "fds ok" and exits 0, or "fds lost" and exits 1. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER, second = PTHREAD_MUTEX_INITIALIZER,
                       go = PTHREAD_MUTEX_INITIALIZER;
static void (*wait_a)(pthread_mutex_t *), (*wait_b)(pthread_mutex_t *);

static void *worker(void *arg)
{
    (void)arg;
    wait_a(&first);          /* stall 1, inside plugin A */
    pthread_mutex_lock(&go); /* until plugin B is loaded */
    pthread_mutex_unlock(&go);
    wait_b(&second); /* stall 2, inside plugin B */
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    void *a = dlopen(argv[1], RTLD_NOW);
    if (a == NULL)
        return 3;
    *(void **)&wait_a = dlsym(a, "plugin_wait");
    pthread_mutex_lock(&first);
    pthread_mutex_lock(&second);
    pthread_mutex_lock(&go);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    sleep(1); /* stall 1 is reported */
    pthread_mutex_unlock(&first);
    usleep(100000);
    dlclose(a);
    int fds[64];
    for (int i = 0; i < 64; i++)
        fds[i] = open("/dev/null", O_RDONLY);
    void *b = dlopen(argv[2], RTLD_NOW);
    if (b == NULL)
        return 4;
    *(void **)&wait_b = dlsym(b, "plugin_b_wait");
    pthread_mutex_unlock(&go);
    sleep(1); /* stall 2 is reported */
    int lost = 0;
    for (int i = 0; i < 64; i++)
        lost += fcntl(fds[i], F_GETFD) < 0;
    puts(lost ? "fds lost" : "fds ok");
    fflush(stdout);
    pthread_mutex_unlock(&second);
    pthread_join(t, NULL);
    return lost ? 1 : 0;
}
