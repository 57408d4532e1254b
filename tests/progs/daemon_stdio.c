/* A daemon's start: closes descriptors 0-2 and opens three data files in DIR, which get the
 * numbers 0, 1 and 2, and writes five lines to each; then a thread waits 1.5 s for a lock the
 * main thread holds, and each file gets its sixth line. Whatever the shim writes while the
 * thread waits must not land in these files. Usage: daemon_stdio DIR. Exits 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static void *waits_for_the_lock(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void put(int fd, int file, int line)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "data%d line %d\n", file, line);
    if (write(fd, buf, (size_t)n) != n)
        _exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    close(0);
    close(1);
    close(2);
    int fd[3];
    for (int i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/data%d", argv[1], i);
        fd[i] = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd[i] != i)
            return 3;
    }
    for (int k = 1; k <= 5; k++)
        for (int i = 0; i < 3; i++)
            put(fd[i], i, k);
    pthread_mutex_lock(&m);
    pthread_t t;
    pthread_create(&t, NULL, waits_for_the_lock, NULL);
    usleep(1500000);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    for (int i = 0; i < 3; i++)
        put(fd[i], i, 6);
    return 0;
}
