/* A library whose constructor, which the loader runs before the preloaded shim's, makes
 * interposed calls as libcap-ng's does (postgres links it): opens and closes a /proc file,
 * takes a free mutex, and starts a thread that holds the mutex m for 1.5 s. early_wait()
 * (for the program) then waits for m. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
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

__attribute__((constructor)) static void early(void)
{
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
