/* The main thread blocks in read() on a pipe nobody writes, inside wait_for_peer(). Reads on
 * pipes are "peer" waits, off by default: only STALLWATCH_HEARTBEAT=main makes this a stall.
 * Exits by itself after the number of seconds given as argv[1] (default: never). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void on_alarm(int sig)
{
    (void)sig;
    _exit(0);
}

__attribute__((noinline)) static void wait_for_peer(int fd)
{
    char c;
    read(fd, &c, 1);
}

int main(int argc, char **argv)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    if (argc > 1) {
        signal(SIGALRM, on_alarm);
        alarm((unsigned)atoi(argv[1]));
    }
    wait_for_peer(fds[0]);
    return 0;
}
