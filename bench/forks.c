/* Fork cost of scripts/bench: what the shim adds to every fork of a program that has it
 * preloaded (its fork handlers, and in a child that execs, nothing but the new image's
 * start-up).
 *
 * Usage: forks N exit|exec
 *   exit: N times fork, the child _exit(0)s at once, the parent waits for it;
 *   exec: N times fork, the child execs /bin/true, the parent waits for it.
 * Prints one line: "us_per_fork <mean wall microseconds per iteration>". scripts/bench runs
 * it alternately with and without LD_PRELOAD (the environment is the caller's). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: forks N exit|exec\n");
        return 2;
    }
    long n = arg_long(argc, argv, 1, 100);
    int exec_child = strcmp(argv[2], "exec") == 0;
    uint64_t t0 = mono_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            if (exec_child)
                execl("/bin/true", "true", (char *)NULL);
            _exit(0);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "forks: a child failed\n");
            return 1;
        }
    }
    printf("us_per_fork %.2f\n", (double)(mono_ns() - t0) / 1e3 / (double)n);
    return 0;
}
