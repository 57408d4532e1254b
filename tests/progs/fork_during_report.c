/* Forks all the while a stall of its is being reported: a thread waits 3 s for a lock the
 * main thread holds, and meanwhile the main thread forks a child every 10 ms. Each child
 * counts the sockets among its descriptors (the program opens none), prints "sockets N" and
 * exits; the parent waits for each. Then the lock is released and the program exits 0. */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static void *waits(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    return NULL;
}

static int sockets(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char path[300], target[256];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t k = readlink(path, target, sizeof target - 1);
        if (k > 0) {
            target[k] = '\0';
            n += strncmp(target, "socket:", 7) == 0;
        }
    }
    if (d != NULL)
        closedir(d);
    return n;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    pthread_mutex_lock(&m);
    pthread_t t;
    pthread_create(&t, NULL, waits, NULL);
    double end = now_s() + 3.0;
    while (now_s() < end) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            printf("sockets %d\n", sockets());
            fflush(stdout);
            _exit(0);
        }
        waitpid(pid, NULL, 0);
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    return 0;
}
