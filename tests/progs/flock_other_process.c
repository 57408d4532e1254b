/* A child process takes an exclusive flock on a file and keeps it; the parent then waits for
 * the same lock in wait_for_file_lock(). The report must name the child as the holder. Prints
 * "child=PID" once the child holds the lock. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

__attribute__((noinline)) static void wait_for_file_lock(int fd)
{
    flock(fd, LOCK_EX);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/stallwatch-flock-test";
    int ready[2];
    if (pipe(ready) != 0)
        return 1;
    pid_t child = fork();
    if (child == 0) {
        int fd = open(path, O_RDWR | O_CREAT, 0600);
        flock(fd, LOCK_EX);
        write(ready[1], "x", 1);
        for (;;)
            pause();
    }
    char c;
    read(ready[0], &c, 1);
    printf("child=%d\n", (int)child);
    fflush(stdout);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    wait_for_file_lock(fd);
    return 0;
}
