/* Private: keeping the symbolizer's libraries from holding descriptors across program code.
 * While our symbolizer thread works in libdw it turns tracking on; our open/openat/close
 * wrappers then make every descriptor it opens close-on-exec and remember it, and the
 * symbolizer closes them all after each job (symbolizer/fdrelease.c). The tracking flag is per
 * thread: program threads only ever pay one TLS load per open and close. Any thread; the
 * list itself is touched only by the thread that turned tracking on. */
#ifndef SW_FDTRACK_H
#define SW_FDTRACK_H

#include <stdbool.h>

extern __thread bool sw_fdtrack_on __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* Called by the open wrappers (when sw_fdtrack_on) with the new descriptor. */
void sw_fdtrack_opened(int fd);

/* Called by the close wrapper (when sw_fdtrack_on) before the descriptor is closed. */
void sw_fdtrack_closed(int fd);

/* Closes every tracked descriptor, through the real close, and forgets them. */
void sw_fdtrack_close_all(void);

/* Whether any descriptor is tracked. */
bool sw_fdtrack_any(void);

#endif
