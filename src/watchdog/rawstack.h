/* Private: raw frames, for when symbolization is late or impossible: module, offset and
 * build-id from our own module map, for program counters the symbolizer unwound or, when not
 * even that, found by scanning the captured stack for return addresses. Watchdog only. */
#ifndef SW_RAWSTACK_H
#define SW_RAWSTACK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/report.h"
#include "hook/capture.h"

/* Program counters of an unwound stack. */
struct sw_pcs {
    uint64_t pc[SW_FRAMES_MAX];
    bool activation[SW_FRAMES_MAX]; /* pc is exact (interrupted), not a return address */
    unsigned n;
};

/* Starts a report: the module map may be re-read once more. */
void sw_rawstack_begin(void);

/* Raw frames for unwound program counters. Returns the number written (at most max). */
unsigned sw_rawstack_from_pcs(const struct sw_pcs *pcs, struct sw_frame *out, unsigned max);

/* Raw frames from the snapshot alone: its PC, then every stack word that points just after a
 * call instruction in executable code of a known module (a scan, so it may show stale return
 * addresses left on the stack). Frames in libstallwatch itself are left out. */
unsigned sw_rawstack_scan(const struct sw_snapshot *snap, struct sw_frame *out, unsigned max);

#endif
