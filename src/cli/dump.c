/* stallwatch dump PID: one report of every thread of a running process that was not started
 * with the shim (snapshot.c), its deadlocks first, each as the shim would report it, with
 * "attached": true. The command's own thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/emit.h"
#include "cli/snapshot.h"
#include "core/clock.h"
#include "core/diagnose.h"

#define CYCLE_MAX 64

void sw_cli_report_base(const struct sw_snap *s, const char *event, struct sw_report *r)
{
    static unsigned number;
    *r = (struct sw_report){.event = event, .number = ++number, .pid = s->pid,
                            .process = s->exe[0] != '\0' ? s->exe : s->comm,
                            .comm = strcmp(s->comm, s->exe) != 0 ? s->comm : NULL,
                            .title = s->title[0] != '\0' ? s->title : NULL,
                            .time_ns = sw_real_ns(),
                            .attached = true,
                            .host = s->host[0] != '\0' ? s->host : NULL,
                            .job = s->job.job[0] != '\0' ? s->job.job : NULL,
                            .ranked = s->job.ranked,
                            .rank = s->job.rank,
                            .size = s->job.size};
}

unsigned sw_cli_deadlock(const struct sw_snap *s, unsigned start, bool *reported,
                         struct sw_thread_report *out, char fp[17])
{
    unsigned cycle[CYCLE_MAX];
    unsigned len = sw_snap_cycle(s, start, cycle, CYCLE_MAX);
    if (len < 2)
        return 0;
    uint64_t fps[CYCLE_MAX];
    for (unsigned k = 0; k < len; k++) {
        if (reported[cycle[k]])
            return 0; /* this cycle was written from another of its members */
    }
    for (unsigned k = 0; k < len; k++) {
        reported[cycle[k]] = true;
        out[k] = s->threads[cycle[k]];
        out[k].role = k == 0 ? NULL : "cycle";
        fps[k] = sw_fingerprint_thread(&out[k]);
    }
    sw_fingerprint_hex(sw_fingerprint_combine(fps, len), fp);
    return len;
}

int sw_cli_dump(pid_t pid, const struct sw_config *cfg, bool explicit_outputs)
{
    static struct sw_snap s;
    char why[512];
    if (sw_snap_take(pid, cfg, &s, why, sizeof why, NULL, NULL) != 0) {
        fprintf(stderr, "stallwatch: cannot dump process %d: %s\n", (int)pid, why);
        sw_snap_free(&s);
        return 1;
    }
    sw_emit_init(cfg, explicit_outputs);
    bool ok = true;
    bool *reported = calloc(s.n, sizeof *reported);
    struct sw_thread_report members[CYCLE_MAX];
    for (unsigned i = 0; reported != NULL && i < s.n; i++) {
        char fp[17];
        unsigned len = sw_cli_deadlock(&s, i, reported, members, fp);
        if (len == 0)
            continue;
        struct sw_report r;
        sw_cli_report_base(&s, "deadlock", &r);
        r.fingerprint = fp;
        r.threads = members;
        r.nthreads = len;
        ok &= sw_emit(&r);
    }
    free(reported);
    struct sw_report r;
    sw_cli_report_base(&s, "dump", &r);
    r.threads = s.threads;
    r.nthreads = s.n;
    ok &= sw_emit(&r);
    if (getenv("SW_TEST_HELD") != NULL) /* tests and the bench: how long it held */
        fprintf(stderr, "stallwatch: held %u of %u threads for %.3f ms\n", s.stopped, s.n,
                (double)s.held_ns / 1e6);
    sw_snap_free(&s);
    return ok ? 0 : 1;
}
