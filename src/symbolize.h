/* Private: turning unwound program counters into report frames: module, offset, build-id,
 * function, file and line. Watchdog only. Strings in the frames point into libdw's and the
 * module map's memory and stay valid until the next sw_unwind_refresh. */
#ifndef SW_SYMBOLIZE_H
#define SW_SYMBOLIZE_H

#include "report.h"
#include "unwind.h"

/* Fills frames from pcs, leaving out every frame inside libstallwatch itself. Returns the
 * number of frames written (at most max). Raw fields (pc, module, offset, build_id) come from
 * the module map and are present even when libdw knows nothing about an address. */
unsigned sw_symbolize(const struct sw_pcs *pcs, struct sw_frame *frames, unsigned max);

/* True if pc lies in libstallwatch itself. */
bool sw_symbolize_is_own(uint64_t pc);

#endif
