/* A thread named "writer" holds a rwlock for writing and sleeps in write_forever(); the main
 * thread waits to read in wait_to_read(). The report must name the writer as the owner. */
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t held;

__attribute__((noinline)) static void write_forever(void)
{
    pthread_rwlock_wrlock(&rw);
    pthread_barrier_wait(&held);
    for (;;)
        sleep(100);
}

static void *writer(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "writer");
    write_forever();
    return NULL;
}

__attribute__((noinline)) static void wait_to_read(void)
{
    pthread_rwlock_rdlock(&rw);
}

int main(void)
{
    pthread_t t;
    pthread_barrier_init(&held, NULL, 2);
    pthread_create(&t, NULL, writer, NULL);
    pthread_barrier_wait(&held);
    wait_to_read();
    return 0;
}
