/* A thread blocked inside printf: "holder" takes stdout's stdio lock (flockfile) and sleeps
 * with it for argv[1] seconds (default 30); "printer" then prints a status line and waits in
 * glibc's internal lock, which no wrapper sees: only the kernel shows it (a futex wait on the
 * lock word, whose owner field names the holder's pthread_t). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t ready_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_c = PTHREAD_COND_INITIALIZER;
static int locked, hold_s = 30;

static void *holder(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "holder");
    flockfile(stdout);
    pthread_mutex_lock(&ready_m);
    locked = 1;
    pthread_cond_signal(&ready_c);
    pthread_mutex_unlock(&ready_m);
    sleep((unsigned)hold_s);
    funlockfile(stdout);
    return NULL;
}

__attribute__((noinline)) static void print_status(int n)
{
    printf("status %d\n", n); /* waits for stdout's lock */
    fflush(stdout);
}

static void *printer(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "printer");
    print_status(1);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        hold_s = atoi(argv[1]);
    fprintf(stderr, "stdio_lock: holding stdout for %d s\n", hold_s);
    pthread_t h, p;
    pthread_create(&h, NULL, holder, NULL);
    pthread_mutex_lock(&ready_m);
    while (!locked)
        pthread_cond_wait(&ready_c, &ready_m);
    pthread_mutex_unlock(&ready_m);
    pthread_create(&p, NULL, printer, NULL);
    pthread_join(p, NULL);
    pthread_join(h, NULL);
    return 0;
}
