/* Private: turning one thread into a report entry: its state from /proc, the object of its
 * call (fd target, path, lock owner), and its stack (captured by signal or from /proc,
 * unwound, symbolized). Watchdog only. Entries and their strings live in per-report storage
 * that sw_inspect_begin resets. */
#ifndef SW_INSPECT_H
#define SW_INSPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/episode.h"
#include "core/report.h"
#include "hook/slot.h"

#define SW_REPORT_THREADS_MAX 256

void sw_inspect_init(const struct sw_config *cfg);

/* Starts a report: forgets the previous one's entries, frames and strings. */
void sw_inspect_begin(void);

/* Ends a report: closes its connection to the symbolizer (its entries stay readable until the
 * next sw_inspect_begin). */
void sw_inspect_end(void);

/* Fills a new entry for subject and returns it, or NULL when the report is full or (with
 * must_still_be_in_call) the thread left the call while we looked: that is progress, not a
 * stall. The stack is captured unless with_stack is false. */
struct sw_thread_report *sw_inspect_thread(const struct sw_subject *subject, bool with_stack,
                                           bool must_still_be_in_call);

/* Captures subject's stack and has the symbolizer work on it without waiting: a warm-up, so
 * libdw has read the debuginfo the report at the threshold will need. */
void sw_inspect_warm(const struct sw_subject *su);

/* Forgets the last entry made (a duplicate of one already in the report) and its frames. */
void sw_inspect_drop_last(void);

/* True when the report has no room for another entry. */
bool sw_inspect_full(void);

/* True when this report's symbolization budget (STALLWATCH_SYMBOLIZE_TIMEOUT) is spent. */
bool sw_inspect_budget_spent(void);

/* The entries made since sw_inspect_begin, in order. */
struct sw_thread_report *sw_inspect_entries(unsigned *n);

/* Copies a string into the report's storage; NULL if it does not fit. */
const char *sw_inspect_strdup(const char *s);

#endif
