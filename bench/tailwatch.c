/* Timestamps lines as they are appended to a file, for scripts/bench's latency figures: with
 * inotify, each complete line is printed as "<CLOCK_REALTIME ns> <line>" as soon as the write
 * that completed it is seen (tens of microseconds after the writer's write returns).
 *
 * Usage: tailwatch FILE MAXLINES TIMEOUT_S
 * FILE must exist. Prints "ready" first; exits after MAXLINES lines or TIMEOUT_S seconds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common.h"

#define BUF_BYTES (4u << 20)

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: tailwatch FILE MAXLINES TIMEOUT_S\n");
        return 2;
    }
    long maxlines = strtol(argv[2], NULL, 10), timeout_s = strtol(argv[3], NULL, 10);
    int in = inotify_init1(IN_CLOEXEC);
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (in < 0 || fd < 0 || inotify_add_watch(in, argv[1], IN_MODIFY) < 0) {
        perror("tailwatch");
        return 1;
    }
    lseek(fd, 0, SEEK_END);
    char *buf = malloc(BUF_BYTES);
    size_t have = 0;
    long lines = 0;
    printf("ready\n");
    fflush(stdout);
    uint64_t deadline = mono_ns() + (uint64_t)timeout_s * 1000000000u;
    while (lines < maxlines && mono_ns() < deadline) {
        struct pollfd p = {.fd = in, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        char ev[4096];
        if (read(in, ev, sizeof ev) <= 0)
            continue;
        ssize_t n;
        while ((n = read(fd, buf + have, BUF_BYTES - 1 - have)) > 0) {
            uint64_t now = real_ns();
            have += (size_t)n;
            char *start = buf, *nl;
            while ((nl = memchr(start, '\n', (size_t)(buf + have - start))) != NULL) {
                *nl = '\0';
                printf("%llu %s\n", (unsigned long long)now, start);
                lines++;
                start = nl + 1;
            }
            have = (size_t)(buf + have - start);
            memmove(buf, start, have);
            if (have == BUF_BYTES - 1)
                have = 0; /* a line longer than the buffer: drop it */
        }
        fflush(stdout);
    }
    return 0;
}
