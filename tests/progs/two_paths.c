/* Two threads wait for one mutex the main thread holds, from different code: one through
 * path_one(), the other through path_two(). With raw frames (no symbolizer), their stacks
 * still differ and they must be two groups, each with its own stack. The main thread lets go
 * after 1.5 s; exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static void path_one(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void path_two(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    __asm__ volatile("" ::: "memory");
}

static void *one(void *arg)
{
    (void)arg;
    path_one();
    return NULL;
}

static void *two(void *arg)
{
    (void)arg;
    path_two();
    return NULL;
}

int main(void)
{
    pthread_mutex_lock(&m);
    pthread_t a, b;
    pthread_create(&a, NULL, one, NULL);
    pthread_create(&b, NULL, two, NULL);
    usleep(1500000);
    pthread_mutex_unlock(&m);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
}
