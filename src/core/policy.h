/* Private: how often the log hears about a stall: the still-stalled back-off and the
 * reports-per-minute limit. Pure functions of an injected clock; the watchdog thread and the
 * unit tests call them. */
#ifndef SW_POLICY_H
#define SW_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define SW_REPEAT_CAP_NS (3600ull * 1000000000ull)

/* The delay before the (repeats + 1)-th still-stalled report: first_ns doubled repeats
 * times, never more than an hour (and never less than first_ns). 0 when first_ns is 0 (the
 * stall is reported once). */
uint64_t sw_policy_repeat_delay_ns(uint64_t first_ns, uint32_t repeats);

/* A token bucket: at most per_min reports in any minute, refilled continuously. */
struct sw_rate {
    unsigned per_min;    /* 0: no limit */
    uint64_t tokens;     /* in 1/60,000,000,000 of a report, so refills are exact integers */
    uint64_t last_ns;    /* when tokens was last brought up to date */
    unsigned suppressed; /* reports refused since the last summary */
};

void sw_rate_init(struct sw_rate *r, unsigned per_min, uint64_t now_ns);

/* Takes one report's token: true if the report may be written, false (and counted as
 * suppressed) if the minute's budget is spent. */
bool sw_rate_take(struct sw_rate *r, uint64_t now_ns);

/* When reports were suppressed and a token is available again: takes it, returns how many
 * were suppressed (for the one summary line) and resets the count. 0 otherwise. */
unsigned sw_rate_summary_due(struct sw_rate *r, uint64_t now_ns);

#endif
