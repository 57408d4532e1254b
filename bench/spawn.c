/* Start-up cost of scripts/bench: how long it takes to run a program that does nothing, with
 * and without the shim preloaded, interleaved in one process (A B C A B C ...).
 *
 * Usage: spawn ROUNDS BATCH SHIM PROGRAM [ARGS...]
 * Each round runs PROGRAM BATCH times without LD_PRELOAD, then BATCH times with
 * LD_PRELOAD=SHIM, then BATCH times with LD_PRELOAD=SHIM and STALLWATCH_DISABLE=1 (the
 * libraries are loaded, the shim does nothing: what the loader alone costs), posix_spawn +
 * waitpid each time, and prints one line:
 *   round <r> without_us <mean microseconds per run> with_us <mean> disabled_us <mean>
 *   without_cpu_us <mean CPU time per run, user + system> with_cpu_us <> disabled_cpu_us <>
 *   without_faults <mean page faults per run> with_faults <> disabled_faults <>
 * The wall time is what a caller waits; the CPU time (the children's, from getrusage) leaves
 * out the time spent waiting for a CPU, which dominates the spread on a busy machine. The page
 * faults (the children's minor and major ones) do not vary from run to run: each costs 10-15
 * us in a VM, and they are most of what loading a library costs there.
 * The environment is the caller's minus any LD_PRELOAD and STALLWATCH_* variables. */
#define _GNU_SOURCE
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

static double children_cpu_us(double *faults)
{
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    *faults = (double)u.ru_minflt + (double)u.ru_majflt;
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct per_run {
    double cpu_us, faults;
};

/* Runs argv batch times; returns the mean wall microseconds per run, the mean CPU ones and
 * page faults in *p. */
static double batch_us(char *const argv[], char *const envp[], long batch, struct per_run *p)
{
    double f0, f1;
    double c0 = children_cpu_us(&f0);
    uint64_t t0 = mono_ns();
    for (long i = 0; i < batch; i++) {
        pid_t pid;
        int st;
        if (posix_spawn(&pid, argv[0], NULL, NULL, argv, envp) != 0) {
            perror("posix_spawn");
            exit(1);
        }
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "spawn: %s failed\n", argv[0]);
            exit(1);
        }
    }
    double wall = (double)(mono_ns() - t0) / 1e3 / (double)batch;
    p->cpu_us = (children_cpu_us(&f1) - c0) / (double)batch;
    p->faults = (f1 - f0) / (double)batch;
    return wall;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: spawn ROUNDS BATCH SHIM PROGRAM [ARGS...]\n");
        return 2;
    }
    long rounds = arg_long(argc, argv, 1, 10), batch = arg_long(argc, argv, 2, 100);
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **without = calloc(n + 1, sizeof *without), **with = calloc(n + 2, sizeof *with),
         **disabled = calloc(n + 3, sizeof *disabled);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0 &&
            strncmp(environ[i], "STALLWATCH_", 11) != 0)
            without[k] = with[k] = disabled[k] = environ[i], k++;
    char pre[4096];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", argv[3]);
    with[k] = disabled[k] = pre;
    disabled[k + 1] = "STALLWATCH_DISABLE=1";
    char *const *prog = argv + 4;
    struct per_run pa, pb, pc;
    batch_us(prog, without, batch / 4 + 1, &pa); /* warm the page cache for all */
    batch_us(prog, with, batch / 4 + 1, &pb);
    batch_us(prog, disabled, batch / 4 + 1, &pc);
    for (long r = 0; r < rounds; r++) {
        double a = batch_us(prog, without, batch, &pa);
        double b = batch_us(prog, with, batch, &pb);
        double c = batch_us(prog, disabled, batch, &pc);
        printf("round %ld without_us %.2f with_us %.2f disabled_us %.2f without_cpu_us %.2f "
               "with_cpu_us %.2f disabled_cpu_us %.2f without_faults %.1f with_faults %.1f "
               "disabled_faults %.1f\n",
               r, a, b, c, pa.cpu_us, pb.cpu_us, pc.cpu_us, pa.faults, pb.faults, pc.faults);
        fflush(stdout);
    }
    return 0;
}
