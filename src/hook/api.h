/* Private: setting up the public API (include/stallwatch.h). Constructor only. */
#ifndef SW_API_H
#define SW_API_H

#include <stdint.h>

/* Turns the API on, with the base threshold as the default promise (0 ms arguments). */
void sw_api_init(uint64_t threshold_ns);

/* The smallest timeout any promise has asked for so far, in ms; 0: none yet. Watchdog. */
uint32_t sw_api_min_timeout_ms(void);

#endif
