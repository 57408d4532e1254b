/* Private: naming a place in a module file, as `eu-addr2line -f -i -e MODULE OFFSET` would:
 * the function (demangled), its file and line, and one more frame for each function inlined
 * there. Modules are opened offline, at their file addresses, once each, and kept (up to a
 * bound, least recently used first out), so many processes of one program share one copy of
 * its debuginfo. Used by the symbolizer program and by `stallwatch symbolize`; one thread. */
#ifndef SW_NAMES_H
#define SW_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sw_named {
    const char *function; /* NULL unknown */
    const char *file;     /* NULL unknown */
    unsigned line;        /* 0 unknown */
    bool inlined;         /* inlined into the next frame (same place) */
};

/* Whether to let libdwfl ask debuginfod (DEBUGINFOD_URLS) for what is not found locally. */
void sw_names_set_debuginfod(bool on);

/* The frames for OFFSET in the module at path whose GNU build-id is build_id ("" unknown):
 * writes up to max into out and returns how many (0: nothing known: no such file, or one
 * with another build-id and no debuginfo under the right one). exact: the address is the
 * interrupted instruction, not a return address (which is looked up one byte earlier).
 * Strings stay valid until sw_names_release. *note (may be NULL) receives why nothing or
 * less than names and lines is known, for the report; NULL when all is well. */
unsigned sw_names_at(const char *path, const char *build_id, uint64_t offset, bool exact,
                     struct sw_named *out, unsigned max, const char **note);

/* The same for the vDSO, from this process's own (the same image on the same kernel). */
unsigned sw_names_vdso(const char *build_id, uint64_t offset, bool exact, struct sw_named *out,
                       unsigned max);

/* This process's vDSO image, if its build-id is build_id: the same kernel maps the same
 * image into every process, so a program's vDSO can be read from ours. */
bool sw_names_own_vdso(const char *build_id, const void **base, size_t *size);

/* Frees the names handed out since the last call (modules stay open). */
void sw_names_release(void);

/* How many modules are open; at most this many are kept. */
unsigned sw_names_open_modules(void);
#define SW_NAMES_MODULES_MAX 64

#endif
