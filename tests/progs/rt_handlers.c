/* After start-up the program installs its own handler on every real-time signal (as programs
 * using them for their own IPC do), then its main thread waits in read() on a pipe for 2 s.
 * The shim must notice its capture signal is no longer its own and never send it: the report
 * reads the stack from /proc. Prints how many times the program's handler ran (must be 0)
 * and exits 0. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_rt(int sig)
{
    (void)sig;
    handled++;
}

static void on_alarm(int sig)
{
    (void)sig;
}

__attribute__((noinline)) static void wait_for_peer(int fd)
{
    char c;
    read(fd, &c, 1); /* ends with EINTR from the program's own alarm */
}

int main(void)
{
    for (int s = SIGRTMIN; s <= SIGRTMAX; s++) {
        struct sigaction sa = {.sa_handler = on_rt};
        sigemptyset(&sa.sa_mask);
        sigaction(s, &sa, NULL);
    }
    struct sigaction al = {.sa_handler = on_alarm};
    sigemptyset(&al.sa_mask);
    sigaction(SIGALRM, &al, NULL);
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    alarm(2);
    wait_for_peer(fds[0]);
    printf("handled=%d\n", (int)handled);
    return 0;
}
