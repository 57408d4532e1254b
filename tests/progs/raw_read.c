/* A thread ("raw-reader") reads a pipe nobody writes with a raw syscall instruction, as
 * io_uring libraries and language runtimes do: no libc function, no wrapper, only the kernel
 * shows the wait. The main thread sleeps. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fds[2];

__attribute__((noinline)) static long read_raw(int fd, void *buf, unsigned long n)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"((long)SYS_read), "D"((long)fd), "S"(buf), "d"(n)
                     : "rcx", "r11", "memory");
    return ret;
}

static void *reader(void *arg)
{
    (void)arg;
    char buf[16];
    pthread_setname_np(pthread_self(), "raw-reader");
    read_raw(fds[0], buf, sizeof buf);
    return NULL;
}

int main(void)
{
    if (pipe(fds) != 0)
        return 1;
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    for (;;)
        pause();
}
