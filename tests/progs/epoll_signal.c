/* Waits in epoll_wait (nothing ever ready, 10 s timeout) with a SIGUSR1 handler installed
 * without SA_RESTART: the signal must end the wait with EINTR. Prints "ready" once waiting is
 * about to start, then "epoll=RET errno=NAME" when the wait ends, and exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static void on_usr1(int sig)
{
    (void)sig;
}

int main(void)
{
    struct sigaction sa = {.sa_handler = on_usr1};
    sigaction(SIGUSR1, &sa, NULL);
    int ep = epoll_create1(0), p[2];
    if (ep < 0 || pipe(p) != 0)
        return 1;
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    printf("ready\n");
    fflush(stdout);
    int r = epoll_wait(ep, &ev, 1, 10000);
    printf("epoll=%d errno=%s\n", r, r < 0 ? strerrorname_np(errno) : "0");
    return 0;
}
