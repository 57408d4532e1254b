/* A SIGEV_THREAD timer: glibc creates the thread that runs the callback internally, not
 * through pthread_create, so the shim first meets it at its first interposed call. The
 * callback stalls on a mutex in on_timer(); it must be reported. Exits 0 after 2 s. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static void on_timer(union sigval v)
{
    (void)v;
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
}

int main(void)
{
    pthread_mutex_lock(&m);
    struct sigevent sev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_timer};
    timer_t timer;
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
        return 1;
    struct itimerspec its = {.it_value = {0, 10000000}};
    timer_settime(timer, 0, &its, NULL);
    sleep(2);
    pthread_mutex_unlock(&m);
    usleep(100000);
    return 0;
}
