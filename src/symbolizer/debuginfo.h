/* Private: libdwfl callbacks that find a module's ELF file and its debuginfo locally: the
 * build-id tree, then the debuglink name next to the file, in its .debug directory and under
 * /usr/lib/debug. Never a network lookup, never a dlopen (libdw's standard callback would
 * dlopen libdebuginfod, taking the dynamic loader's lock), unless debuginfod is enabled.
 * The symbolizer program and the command. */
#ifndef SW_DEBUGINFO_H
#define SW_DEBUGINFO_H

#include <stdbool.h>

#include <elfutils/libdwfl.h>

/* Fills cb with our find_elf, find_debuginfo and section_address callbacks. With debuginfod,
 * find_debuginfo is libdw's standard one (local search, then the DEBUGINFOD_URLS servers). */
void sw_debuginfo_callbacks(Dwfl_Callbacks *cb, bool debuginfod);

#endif
