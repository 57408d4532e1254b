/* Private: wall-clock formatting without tzset, localtime or any lock. Pure; any context. */
#ifndef SW_TIMEFMT_H
#define SW_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

struct sw_civil {
    int year, month, day; /* month 1..12, day 1..31 */
    int hour, min, sec;
};

/* Seconds since the epoch (any sign) to a proleptic Gregorian date, no time zone applied. */
void sw_civil_from_unix(int64_t unix_s, struct sw_civil *out);

/* "2026-11-27T06:35:40.123Z" from nanoseconds since the epoch (UTC); needs 25 bytes. */
void sw_time_iso8601(uint64_t unix_ns, char out[32]);

#endif
