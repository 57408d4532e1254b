/* Private: looking a name up in the dynamic symbol table of a module mapped in our process, as
 * the dynamic loader would find it, but read from our own memory: no dlsym (it takes the
 * loader's lock, which a stalled thread may hold), no file access. Watchdog thread only
 * (and unit tests). Memory is read through process_vm_readv, so a module unmapped meanwhile
 * makes the lookup fail instead of faulting. */
#ifndef SW_DYNSYM_H
#define SW_DYNSYM_H

#include <stdint.h>

#include "watchdog/modmap.h"

/* The address of the function or object name defines in module m (found through its
 * DT_GNU_HASH or DT_HASH table), or 0: not defined there (only referenced, or absent), an
 * indirect function, or m's tables are unreadable. */
uint64_t sw_dynsym_lookup(const struct sw_module *m, const char *name);

#endif
