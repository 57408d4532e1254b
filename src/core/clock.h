/* Private: the clocks the shim reads, in nanoseconds. Any thread, including signal handlers
 * (clock_gettime is async-signal-safe and, through the vDSO, no system call). */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC: for every wait, deadline and threshold. */
static inline uint64_t sw_mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* CLOCK_REALTIME: only for the time written in a report. */
static inline uint64_t sw_real_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#endif
