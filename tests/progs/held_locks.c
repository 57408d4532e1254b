/* Two threads stall while holding locks the shim's own reporting must never need: one inside
 * a dl_iterate_phdr callback (it holds the dynamic loader's lock), one holding stderr's stdio
 * lock. The main thread keeps both stalled for 2 s, calls dlsym (which takes the loader's other
 * lock: it must not find the shim's loading of libdw holding it), then lets them go and
 * prints "released" to stderr. Then, with every lock free, the main thread stalls once more for 1.5 s in
 * after_the_locks (on a mutex a helper thread holds); the program prints "done" to stderr and
 * exits 0. Under the shim, with reports to stderr, both first stalls must be reported while
 * those locks are held, the last one after, and the program must still finish. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t loader_gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stdio_gate = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static int in_loader_callback(struct dl_phdr_info *info, size_t size,
                                                        void *data)
{
    (void)info;
    (void)size;
    (void)data;
    pthread_mutex_lock(&loader_gate); /* stalls holding the loader's lock */
    pthread_mutex_unlock(&loader_gate);
    return 1;
}

static void *loader_holder(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "loader-holder");
    dl_iterate_phdr(in_loader_callback, NULL);
    return NULL;
}

__attribute__((noinline)) static void with_stderr_locked(void)
{
    flockfile(stderr);
    pthread_mutex_lock(&stdio_gate); /* stalls holding stderr's lock */
    pthread_mutex_unlock(&stdio_gate);
    funlockfile(stderr);
}

static void *stdio_holder(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "stdio-holder");
    with_stderr_locked();
    return NULL;
}

static pthread_mutex_t late_gate = PTHREAD_MUTEX_INITIALIZER;

static void *late_holder(void *arg)
{
    pthread_mutex_lock(&late_gate);
    *(volatile int *)arg = 1;
    usleep(1500 * 1000);
    pthread_mutex_unlock(&late_gate);
    return NULL;
}

__attribute__((noinline)) static void after_the_locks(void)
{
    volatile int held = 0;
    pthread_t t;
    pthread_create(&t, NULL, late_holder, (void *)&held);
    while (!held)
        usleep(1000);
    pthread_mutex_lock(&late_gate); /* stalls, holding nothing of note */
    pthread_mutex_unlock(&late_gate);
    pthread_join(t, NULL);
}

int main(void)
{
    pthread_mutex_lock(&loader_gate);
    pthread_mutex_lock(&stdio_gate);
    pthread_t a, b;
    pthread_create(&a, NULL, loader_holder, NULL);
    pthread_create(&b, NULL, stdio_holder, NULL);
    sleep(2);
    if (dlsym(RTLD_DEFAULT, "puts") == NULL)
        return 1;
    pthread_mutex_unlock(&loader_gate);
    pthread_mutex_unlock(&stdio_gate);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    fputs("released\n", stderr);
    after_the_locks();
    fputs("done\n", stderr);
    return 0;
}
