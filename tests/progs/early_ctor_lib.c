/* A library whose constructor, which the loader runs before the preloaded shim's, makes
 * interposed calls as libcap-ng's does (postgres links it): opens and closes a /proc file,
 * takes a free mutex, and starts a thread that holds the mutex m for 1.5 s. early_wait()
 * (for the program) then waits for m. With EARLY_CTOR_SPIN set, it also starts a thread
 * named "early-spin" that computes for 2.5 s without any call. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t free_one = PTHREAD_MUTEX_INITIALIZER;
static atomic_int held;

static void *holder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    atomic_store(&held, 1);
    struct timespec ts = {1, 500000000};
    nanosleep(&ts, NULL);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void *spinner(void *arg)
{
    (void)arg;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 2500000000L);
    return NULL;
}

__attribute__((constructor)) static void early(void)
{
    if (getenv("EARLY_CTOR_SPIN") != NULL) {
        pthread_t s;
        if (pthread_create(&s, NULL, spinner, NULL) != 0)
            _exit(97);
        pthread_setname_np(s, "early-spin");
        pthread_detach(s);
    }
    int fd = open("/proc/self/stat", O_RDONLY);
    if (fd >= 0)
        close(fd);
    pthread_mutex_lock(&free_one);
    pthread_mutex_unlock(&free_one);
    pthread_t t;
    if (pthread_create(&t, NULL, holder, NULL) != 0)
        _exit(98);
    pthread_detach(t);
    while (!atomic_load(&held)) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

__attribute__((noinline)) void early_wait(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
}
