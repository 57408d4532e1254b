/* Private: the registry as the decisions (core/episode.c) see it, and the scan that feeds them
 * one look per live slot. Watchdog thread only. */
#ifndef SW_WORLD_H
#define SW_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/episode.h"
#include "hook/slot.h"

/* The world the decisions may ask: slot looks and episodes, the class of a descriptor or path
 * (fstat, stat), thread names (/proc), CPU clocks and lock owners (glibc's lock words, checked
 * against our live threads). */
const struct sw_world *sw_world(void);

/* One look at every live slot, handed to sw_episodes_look. */
void sw_world_scan(struct sw_episodes *E);

/* Reads s's word and object as one consistent pair; false if the thread changed them meanwhile
 * (which is progress, and the next scan will see the new state). */
bool sw_world_read_slot(struct sw_slot *s, uint64_t *word, uintptr_t *obj);

#endif
