/* Private: C++ symbol demangling without allocation, through libiberty's callback demangler
 * (the code behind libstdc++'s __cxa_demangle, linked statically so no C++ runtime has to be
 * loaded). The symbolizer program and the command. */
#ifndef SW_DEMANGLE_H
#define SW_DEMANGLE_H

#include <stddef.h>

/* Demangles an Itanium-ABI name ("_Z...") into out, as __cxa_demangle would; returns out, or
 * NULL if name is not mangled or does not demangle (or does not fit). */
const char *sw_demangle(const char *name, char *out, size_t cap);

#endif
