/* A daemon-style program: it closes every descriptor above 2 at start, opens two files of its
 * own (getting the lowest numbers, 3 and 4) and writes numbered lines to both for 2 s while a
 * thread is stalled on a mutex, so the shim writes reports (to syslog, to a file) in the
 * middle of it. Then it checks that both files hold every line, in order. argv[1]: a
 * directory for the two files. Prints "intact" and exits 0, or what went wrong and exits 1. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *stalled(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    return NULL;
}

static int check(const char *path, int lines)
{
    FILE *f = fopen(path, "r");
    char buf[64];
    int n = 0;
    while (f != NULL && fgets(buf, sizeof buf, f) != NULL) {
        if (atoi(buf) != n)
            return -1;
        n++;
    }
    if (f != NULL)
        fclose(f);
    return n == lines ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/a", argv[1]);
    snprintf(b, sizeof b, "%s/b", argv[1]);
    int fa = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fb = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pthread_mutex_lock(&m);
    pthread_t t;
    pthread_create(&t, NULL, stalled, NULL);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int lines = 0;
    do {
        char line[32];
        int n = snprintf(line, sizeof line, "%d\n", lines);
        if (write(fa, line, (size_t)n) != n || write(fb, line, (size_t)n) != n) {
            printf("write failed at line %d\n", lines);
            return 1;
        }
        lines++;
        usleep(1000);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < 2);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    close(fa);
    close(fb);
    if (check(a, lines) != 0 || check(b, lines) != 0) {
        puts("lines lost");
        return 1;
    }
    puts("intact");
    return 0;
}
