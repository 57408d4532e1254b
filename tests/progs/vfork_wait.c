/* A thread in uninterruptible sleep that nothing can stop: a "vforker" thread calls vfork(),
 * and the kernel keeps it in D state until the child, which sleeps argv[1] milliseconds
 * (default 3000) first, exits. The main thread prints "ready" once the vfork is under way,
 * joins the thread and prints "done". Used by the attach tests: a ptrace interrupt cannot stop
 * such a thread, and the command must neither hang on it nor leave it traced. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long ms;

static void *vforker(void *arg)
{
    (void)arg;
    pid_t child = vfork();
    if (child == 0) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    return NULL;
}

int main(int argc, char **argv)
{
    ms = argc > 1 ? atol(argv[1]) : 3000;
    pthread_t t;
    pthread_create(&t, NULL, vforker, NULL);
    pthread_setname_np(t, "vforker");
    struct timespec settle = {0, 200000000};
    nanosleep(&settle, NULL);
    printf("ready\n");
    fflush(stdout);
    pthread_join(t, NULL);
    printf("done\n");
    return 0;
}
