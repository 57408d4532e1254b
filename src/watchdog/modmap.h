/* Private: the modules mapped into our own process (core/modmap.h), loaded from
 * /proc/self/maps and our own memory. Watchdog thread only. */
#ifndef SW_MODMAP_H
#define SW_MODMAP_H

#include "core/modmap.h"

/* Re-reads /proc/self/maps into m. Returns 0 or -errno. */
int sw_modmap_load(struct sw_modmap *m);

#endif
