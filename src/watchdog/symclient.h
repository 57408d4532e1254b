/* Private: the watchdog's side of the symbolizer program (stallwatch-symbolizer): one
 * connection per report to the user's symbolizer, started on first need, and the stacks of
 * the report sent to it and answered within the report's budget. Nothing of libdw, no debug
 * file and no lock of the program's is ever in the program for this. Watchdog thread only
 * (sw_symclient_init: the constructor; sw_symclient_after_fork_child: the fork child). */
#ifndef SW_SYMCLIENT_H
#define SW_SYMCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/report.h"
#include "hook/capture.h"
#include "watchdog/modmap.h"
#include "watchdog/rawstack.h"

/* Keeps the settings and the environment the symbolizer program will get (environ is the
 * program's to change later). Constructor only; no system call. */
void sw_symclient_init(const struct sw_config *cfg);

/* Opens a report's connection: connects to the user's symbolizer, starting it when none
 * answers, and sends it the modules of map (whose strings the report's frames will use). Gives
 * up at deadline_ns (CLOCK_MONOTONIC; 0: no limit). false with *note saying why when there is
 * no symbolizer to be had (not installed, off, cannot start, busy past the deadline). */
bool sw_symclient_open(const struct sw_modmap *map, uint64_t deadline_ns, const char **note);

enum sw_sym_result {
    SW_SYM_DONE,    /* frames[0..*n) unwound and named */
    SW_SYM_UNWOUND, /* only the program counters came in time: *pcs */
    SW_SYM_NOTHING, /* nothing in time (or the connection broke) */
};

/* Sends one snapshot and waits for its frames until deadline_ns. Frames' module strings are
 * map's; names are copied with copy (into the report's storage). *note receives the
 * symbolizer's remark on these frames (no debuginfo...), or, when the result is not DONE, why
 * (late, or the symbolizer went away); NULL if there is nothing to say. */
enum sw_sym_result sw_symclient_stack(const struct sw_snapshot *snap, unsigned max,
                                      uint64_t deadline_ns, struct sw_frame *frames, unsigned *n,
                                      struct sw_pcs *pcs, const char *(*copy)(const char *),
                                      const char **note);

/* A warm-up: sends one snapshot on a connection of its own and returns without waiting (the
 * symbolizer loads what the report will need). */
void sw_symclient_warm(const struct sw_modmap *map, const struct sw_snapshot *snap, unsigned max);

/* Ends the report's connection. */
void sw_symclient_close(void);

/* In a fork child: forgets the parent's connection and the socket being connected (the
 * descriptors themselves are closed by sw_ownfd_fork_child). */
void sw_symclient_after_fork_child(void);

#endif
