/* Private: the symbolizer thread ("stallwatch-sym"), the only thread that calls libdw. The
 * watchdog hands it one captured stack at a time and waits at most until the report's
 * deadline (STALLWATCH_SYMBOLIZE_TIMEOUT): libdw reading a huge debuginfo file from a slow
 * disk must never hold a report back. A job the watchdog gave up on keeps the worker (and its
 * buffers) until it finishes; meanwhile the watchdog reports raw frames. Requests come from
 * the watchdog thread only. */
#ifndef SW_SYMWORKER_H
#define SW_SYMWORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "hook/capture.h"
#include "core/config.h"
#include "symbolizer/pystack.h"
#include "core/report.h"
#include "symbolizer/unwind.h"

void sw_symworker_init(const struct sw_config *cfg);

/* The worker's snapshot buffer to capture into, when the worker is free (starting the thread
 * on first use). A warm-up job still running is waited for until deadline_ns (0: no limit);
 * NULL while the worker is busy with a job given up on, or cannot start. */
struct sw_snapshot *sw_symworker_snapshot(uint64_t deadline_ns);

/* Symbolizes the snapshot just captured into the worker's buffer without waiting for it: the
 * point is only that libdw reads the modules' debuginfo before the real report. */
void sw_symworker_warm(unsigned max);

enum sw_sym_result {
    SW_SYM_DONE,    /* frames[0..*n) symbolized */
    SW_SYM_UNWOUND, /* only the program counters: pcs */
    SW_SYM_NOTHING, /* not even unwound in time */
};

/* Unwinds and symbolizes the snapshot returned by sw_symworker_snapshot into frames (at most
 * max), waiting until deadline_ns (CLOCK_MONOTONIC; 0: no limit). new_report starts a new
 * report (names of the previous one are freed). On SW_SYM_UNWOUND, pcs holds the unwound
 * program counters. note receives libdw's error when it could not be set up. */
enum sw_sym_result sw_symworker_run(unsigned max, bool new_report, uint64_t deadline_ns,
                                    struct sw_frame *frames, unsigned *n, struct sw_pcs *pcs,
                                    const char **note);

/* Has the worker dump every Python thread's stack (pystack.c): waits until deadline_ns
 * (CLOCK_MONOTONIC; 0: no limit) for the worker to be free, then for the dump, which the
 * worker itself stops at deadline_ns (its result then says so), or 50 ms later gives up. Meant
 * as a report's first job: it re-reads the module map, which the report's stacks then use.
 * SW_SYM_DONE: *status, *dump and *note are pystack's results (the dump stays valid until the
 * next call); SW_SYM_NOTHING: no result in time (the worker finishes on its own; its results
 * are dropped). */
enum sw_sym_result sw_symworker_python(uint64_t deadline_ns, enum sw_py_status *status,
                                       const struct sw_py_dump **dump, const char **note);

/* In a fork child: the worker did not survive the fork; forget it and its job. */
void sw_symworker_after_fork_child(void);

#endif
