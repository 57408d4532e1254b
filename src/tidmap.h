/* Private: an index from thread id to live slot, rebuilt by the watchdog when it needs to
 * check that a lock owner is one of the program's threads. Watchdog only. */
#ifndef SW_TIDMAP_H
#define SW_TIDMAP_H

#include <sys/types.h>

#include "slot.h"

/* Rebuilds the index from the registry (O(slots)). */
void sw_tidmap_rebuild(void);

/* The live slot of tid at the last rebuild, or NULL. */
struct sw_slot *sw_tidmap_find(pid_t tid);

#endif
