/* Private: carrying out the decisions' report plans: each thread of a plan inspected (state,
 * object, owner, stack), the owners and other threads a report takes in, the report numbered,
 * rendered and written. Watchdog thread only. */
#ifndef SW_REPORTS_H
#define SW_REPORTS_H

#include <stdbool.h>

#include "core/config.h"
#include "core/episode.h"

/* In the constructor (argv and the environment are the program's own still): the program's
 * name and the parallel job it belongs to. */
void sw_reports_identify(void);

/* When the watching starts (the watchdog thread's start): the settings, the process and the
 * node name. */
void sw_reports_init(const struct sw_config *cfg, pid_t pid);

/* Writes the report plan p asks for (or, for a warm-up, only captures and symbolizes) and
 * tells E the outcome. */
void sw_reports_carry_out(struct sw_episodes *E, const struct sw_plan *p);

/* A job-wide dump asked for by request (its name in STALLWATCH_JOB_DIR): a `dump` report of
 * every watched thread, symbolized, outside the rate limit. */
void sw_reports_dump(struct sw_episodes *E, const char *request);

/* Whether this process has written a report (its stalls may need closing at exit). */
bool sw_reports_any(void);

/* In a fork child: numbering starts again at 1 under the child's pid. */
void sw_reports_after_fork_child(pid_t pid);

#endif
