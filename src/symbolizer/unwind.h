/* Private: the libdw session for our own process (one Dwfl built from our module map) and the
 * unwinding of captured snapshots into program counters. Symbolizer thread only
 * (symworker.c): libdw is not thread-safe, and its allocations happen there, never in the
 * program's threads. */
#ifndef SW_UNWIND_H
#define SW_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

#include <elfutils/libdwfl.h>

#include "hook/capture.h"
#include "core/config.h"
#include "watchdog/modmap.h"

struct sw_pcs {
    uint64_t pc[SW_FRAMES_MAX];
    bool activation[SW_FRAMES_MAX]; /* pc is exact (interrupted), not a return address */
    unsigned n;
};

/* Builds the session on first use: reads the module map, reports it to a new Dwfl and
 * attaches our thread callbacks. Returns 0, or -1 with sw_unwind_error() saying why; the
 * module map is usable even when libdw is not. */
int sw_unwind_open(bool debuginfod);

/* Re-reads /proc/self/maps and re-reports it (after dlopen/dlclose). 0 or -1. */
int sw_unwind_refresh(void);

/* Re-reads /proc/self/maps and re-reports it only if the code modules changed: a library
 * loaded where an unloaded one was would otherwise keep the old one's names. Called at the
 * start of every report. 0 or -1. */
int sw_unwind_sync(void);

Dwfl *sw_unwind_dwfl(void); /* NULL when libdw could not be set up */
const struct sw_modmap *sw_unwind_modmap(void);
const char *sw_unwind_error(void);

/* Unwinds snap into out (at most max frames). Returns the number of frames; at least the
 * snapshot's own PC whenever there is one, even if libdw fails. */
unsigned sw_unwind_snapshot(const struct sw_snapshot *snap, unsigned max, struct sw_pcs *out);

/* In a fork child: forget the session (the parent may have been inside libdw when it forked,
 * so the copy is not trusted; it is leaked, not freed). */
void sw_unwind_after_fork_child(void);

#endif
