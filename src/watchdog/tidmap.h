/* Private: an index from thread id to live slot, rebuilt by the watchdog when it needs to
 * check that a lock owner is one of the program's threads. Watchdog only. */
#ifndef SW_TIDMAP_H
#define SW_TIDMAP_H

#include <stdbool.h>
#include <sys/types.h>

/* Rebuilds the index from the registry (O(slots)). */
void sw_tidmap_rebuild(void);

/* The registry index of tid's live slot at the last rebuild into *idx; false if none. */
bool sw_tidmap_find(pid_t tid, unsigned *idx);

#endif
