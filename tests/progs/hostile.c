/* Hostile strings where reports quote the program's data: a thread whose name holds a quote,
 * a newline, a backslash and an invalid UTF-8 byte stalls on a mutex, and the main thread
 * stalls opening a FIFO whose path (under argv[1]) holds quotes, newlines, tabs, invalid
 * UTF-8 and is about 4 KiB long. Exits 0 after argv[2] seconds (default 2). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *named(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "a\"b\nc\\d\xff");
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void on_alarm(int sig)
{
    (void)sig;
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char path[4096];
    int n = snprintf(path, sizeof path, "%s", argv[1]);
    /* Nested directories, each name 200 bytes of hostile text, up to ~3.9 KiB. */
    while (n < 3600) {
        path[n++] = '/';
        for (int i = 0; i < 200; i++)
            path[n++] = "q\"\n\t\\\xfe\xc3\x28x"[i % 9];
        path[n] = '\0';
        if (mkdir(path, 0700) != 0)
            return 3;
    }
    strcpy(path + n, "/fifo\"\n");
    if (mkfifo(path, 0600) != 0)
        return 4;
    pthread_mutex_lock(&m);
    pthread_t t;
    pthread_create(&t, NULL, named, NULL);
    signal(SIGALRM, on_alarm);
    alarm(argc > 2 ? (unsigned)atoi(argv[2]) : 2);
    open(path, O_RDONLY); /* blocks: no writer */
    return 0;
}
