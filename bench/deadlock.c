/* A two-thread deadlock for scripts/bench: each thread takes one mutex, then waits for the
 * other's, in deadlock_worker(); the main thread waits for them forever. The bench measures
 * what the shim's report of it costs the process (memory, mappings) and the symbolizer. */
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both;

__attribute__((noinline)) static void *deadlock_worker(void *arg)
{
    int first = arg != NULL;
    pthread_mutex_lock(first ? &a : &b);
    pthread_barrier_wait(&both);
    pthread_mutex_lock(first ? &b : &a);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    pthread_barrier_init(&both, NULL, 2);
    pthread_create(&t[0], NULL, deadlock_worker, (void *)1);
    pthread_create(&t[1], NULL, deadlock_worker, NULL);
    pthread_join(t[0], NULL);
    return 0;
}
