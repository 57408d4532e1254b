/* Private: keeping libdw from holding descriptors across program code. While our symbolizer
 * thread works in libdw it turns tracking on; our open/openat/close wrappers then make every
 * descriptor it opens close-on-exec and remember it. After each job, the symbolizer tells
 * libelf it may no longer read through them (its data is mapped) and closes them all.
 * The tracking flag is per thread: program threads only ever pay one TLS load per open and
 * close. */
#ifndef SW_FDTRACK_H
#define SW_FDTRACK_H

#include <stdbool.h>

#include <elfutils/libdwfl.h>

extern __thread bool sw_fdtrack_on __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* Called by the open wrappers (when sw_fdtrack_on) with the new descriptor. */
void sw_fdtrack_opened(int fd);

/* Called by the close wrapper (when sw_fdtrack_on) before the descriptor is closed. */
void sw_fdtrack_closed(int fd);

/* After a job on dwfl: every loaded ELF and DWARF file is told its descriptor is gone, then
 * every tracked descriptor is closed. Symbolizer thread only. */
void sw_fdtrack_release(Dwfl *dwfl);

#endif
