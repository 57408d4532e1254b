/* Private: the watchdog thread: scans the registry, applies the stall rule, captures and
 * reports. sw_watchdog_start runs in the constructor or a fork child; everything else runs on
 * the watchdog thread itself. */
#ifndef SW_WATCHDOG_H
#define SW_WATCHDOG_H

#include <stdbool.h>

#include "core/config.h"

/* Starts the thread (named "stallwatch", every signal blocked). 0 or -errno. */
int sw_watchdog_start(const struct sw_config *cfg);

/* Asks the watchdog to stop starting reports and waits (bounded) for one in progress to end;
 * called from the library destructor so libdw is not torn down under it. */
void sw_watchdog_quiesce(void);

/* In a fork child's handler: the watchdog thread did not survive the fork; forget it (a few
 * stores: no thread is started here). */
void sw_watchdog_after_fork_child(void);

/* In a fork child, when it first needs watching (see sw_registry_after_fork_child): a new
 * watchdog thread, numbering reports from 1 under the child's pid. */
void sw_watchdog_start_in_child(void);

/* Whether sw_watchdog_start has run (in this process, or in the parent before the fork): a
 * child forked while the parent's start was still under way has to start it all. */
bool sw_watchdog_configured(void);

/* For a program thread's set*id call (hook/wrap_creds.c), which glibc makes every thread
 * repeat and aborts the process over if one of them fails: the watchdog thread's credentials
 * can differ from the caller's (capset and PR_SET_KEEPCAPS change the calling thread's only),
 * so it exits between two looks for the call (waiting at most 5 s for a report in progress)
 * and is started again after it, from the caller, with the caller's credentials. Nested and
 * concurrent calls share one absence. step_aside returns whether the thread left;
 * come_back returns 0 or -errno (the thread could not be started again). */
bool sw_watchdog_step_aside(void);
int sw_watchdog_come_back(void);

#endif
