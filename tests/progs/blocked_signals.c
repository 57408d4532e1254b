/* The main thread blocks every signal (as threads that leave signals to a sigwait thread do),
 * then waits forever in read() on a pipe inside wait_with_signals_blocked(). The shim must not
 * signal it: its stack is read from /proc instead. */
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>

__attribute__((noinline)) static void wait_with_signals_blocked(int fd)
{
    char c;
    read(fd, &c, 1);
}

int main(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    wait_with_signals_blocked(fds[0]);
    return 0;
}
