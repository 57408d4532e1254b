/* Private: turning unwound program counters into report frames: module, offset, build-id,
 * function, file and line, with inlined functions as frames of their own. Symbolizer
 * thread only (symworker.c).
 * Strings in the frames point into libdw's memory, the module map and our name arena; they
 * stay valid until sw_symbolize_reset, which starts the next report. */
#ifndef SW_SYMBOLIZE_H
#define SW_SYMBOLIZE_H

#include "core/report.h"
#include "symbolizer/unwind.h"

/* Fills frames from pcs, leaving out every frame inside libstallwatch itself. Returns the
 * number of frames written (at most max; inlined functions count). Raw fields (pc, module,
 * offset, build_id) come from the module map and are present even when libdw knows nothing
 * about an address. A pc outside every module re-reads the module map, once per report. */
unsigned sw_symbolize(const struct sw_pcs *pcs, struct sw_frame *frames, unsigned max);

/* Starts a report: frees the names of the previous one and allows one map refresh. */
void sw_symbolize_reset(void);

/* True if pc lies in libstallwatch itself. */
bool sw_symbolize_is_own(uint64_t pc);

#endif
