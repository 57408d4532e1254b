/* Private: the stall rule, as pure functions of what the watchdog saw and when, so it can be
 * tested with an injected clock. "Has this thread made progress since I last looked?": a
 * thread is in the same call as long as its slot word (entry count and call id) is unchanged;
 * the call's duration is measured from the first look that saw that word, so it is a lower
 * bound, short by at most one scan period. */
#ifndef SW_WATCH_H
#define SW_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/config.h"
#include "core/episode.h"

/* Records one look at a slot (generation gen, word) at now_ns and returns how long the word
 * has stayed the same: inside a call (call bits set) that is the time in the call; outside
 * (call bits 0) the time since the thread last completed an interposed call. 0 when the word
 * was first seen just now. A new generation (the slot changed hands) or a new word starts a
 * new episode, clearing everything the watchdog decided about the last one. */
uint64_t sw_watch_observe(struct sw_episode *w, uint32_t gen, uint64_t word, uint64_t now_ns);

/* The watchdog slept excess_ns longer than it meant to (the process was stopped, or the
 * watchdog starved): that time is not counted against any thread. */
void sw_watch_forgive(struct sw_episode *w, uint64_t excess_ns);

/* The smallest threshold in force (classes and heartbeat); 0 when every one is off. */
uint64_t sw_watch_min_threshold_ns(const struct sw_config *cfg);

/* The scan period for a minimum threshold: threshold / 25, between 5 ms and 200 ms, so a
 * stall is reported at most two periods after its threshold (well inside threshold + 10% +
 * 100 ms). */
uint64_t sw_watch_period_ns(uint64_t min_threshold_ns);

/* How much of a sleep of actual_ns, meant to be period_ns, is an oversleep to forgive: the
 * part beyond period + 1 s + 2 periods of tolerated scheduling delay; 0 if none. */
uint64_t sw_watch_excess_ns(uint64_t period_ns, uint64_t actual_ns);

/* The threshold for a thread in class cls: the class's own, tightened to the base threshold
 * for heartbeat threads; 0 (never a stall) for ignored or unwatched threads. */
uint64_t sw_watch_threshold_ns(const struct sw_config *cfg, enum sw_class cls, bool heartbeat,
                               bool watched);

#endif
