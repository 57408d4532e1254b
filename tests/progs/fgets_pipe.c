/* A thread ("config-reader") reads a line from stdin with fgets; the test keeps stdin a pipe
 * it never writes. glibc's stdio reads through its internal read, which no wrapper sees: only
 * the kernel shows the wait. The main thread sleeps. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) static int read_config_line(char *line, int n)
{
    return fgets(line, n, stdin) != NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    char line[128];
    pthread_setname_np(pthread_self(), "config-reader");
    read_config_line(line, sizeof line);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    for (;;)
        pause();
}
