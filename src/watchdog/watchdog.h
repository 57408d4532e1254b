/* Private: the watchdog thread: scans the registry, applies the stall rule, captures and
 * reports. sw_watchdog_start runs in the constructor or a fork child; everything else runs on
 * the watchdog thread itself. */
#ifndef SW_WATCHDOG_H
#define SW_WATCHDOG_H

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

#endif
