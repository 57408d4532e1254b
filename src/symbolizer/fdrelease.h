/* Private: after a symbolizer job, no descriptor libdw opened stays open. Symbolizer thread
 * only. */
#ifndef SW_FDRELEASE_H
#define SW_FDRELEASE_H

#include <elfutils/libdwfl.h>

/* Every loaded ELF and DWARF file of dwfl is told its descriptor is gone (libelf reads
 * what it has not mapped, then forgets the descriptor), then every descriptor the hook's
 * tracking saw open is closed. */
void sw_fdtrack_release(Dwfl *dwfl);

#endif
