/* Private to the command: every thread of a running process as report entries (stallwatch dump
 * and watch): a look at each in /proc, the capture (seize.c), the stacks unwound and named by
 * the symbolizer's own session code (symbolizer/session.c, run here, in the command), the
 * library call each is in when its frames say so, its object, and who holds what it waits
 * for (core/glibclock.c, /proc/locks). The command's own thread. */
#ifndef SW_SNAPSHOT_H
#define SW_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli/seize.h"
#include "cli/target.h"
#include "core/config.h"
#include "core/launcher.h"
#include "core/report.h"

struct sw_snap {
    pid_t pid;
    pid_t mempid; /* a live thread, whose tid reads the memory (the leader may have exited) */
    char exe[256], comm[32], title[1024];
    char host[65];                   /* this machine's node name: the process runs here */
    struct sw_job job;               /* from /proc/PID/environ */
    unsigned n;                      /* threads */
    struct sw_tlook *looks;          /* [n] */
    struct sw_tcap *caps;            /* [n] */
    struct sw_thread_report *threads; /* [n], in tid order */
    uint64_t held_ns;                /* how long the process was held still */
    unsigned stopped;                /* threads stopped (the rest read without stopping) */
};

/* Takes a snapshot of every thread of pid. released (may be NULL) is called with arg right
 * after the process is let go, before the stacks are named. 0; 1 with why (cap bytes) filled
 * when ptrace was refused or the process is gone. */
int sw_snap_take(pid_t pid, const struct sw_config *cfg, struct sw_snap *s, char *why,
                 size_t cap, void (*released)(void *arg), void *arg);

/* The index of tid's entry in s, or -1. */
int sw_snap_find(const struct sw_snap *s, pid_t tid);

/* The cycle of the wait-for graph (owner_tid edges) through entry start, in cycle[] (entry
 * indices, start first); its length, 0 if none. */
unsigned sw_snap_cycle(const struct sw_snap *s, unsigned start, unsigned *cycle, unsigned max);

void sw_snap_free(struct sw_snap *s);

#endif
