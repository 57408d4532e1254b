/* Private: the modules mapped into our process, from /proc/self/maps, with their load bias and
 * GNU build-id read from the mapped ELF headers. It needs neither libdw nor the dynamic
 * loader, so raw frames (module + offset + build-id) can always be written, and it is what the
 * symbolizer program is told of the program's modules. Watchdog thread only. */
#ifndef SW_MODMAP_H
#define SW_MODMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SW_MODMAP_MAX  2048
#define SW_MODMAP_POOL (256 * 1024)

struct sw_module {
    uint64_t start, end;           /* lowest and highest address of the file's mappings */
    uint64_t bias;                 /* load bias: address = file vaddr + bias */
    uint64_t text_start, text_end; /* the executable mappings' span; 0, 0: none (a file
                                    * mapped as data, like libelf's maps of ELF files) */
    const char *path;              /* absolute path or "[vdso]" */
    char build_id[41];             /* lowercase hex, "" if none found */
    bool has_bias;                 /* the ELF header was readable and bias is exact */
};

struct sw_modmap {
    struct sw_module mod[SW_MODMAP_MAX];
    unsigned n;
    char pool[SW_MODMAP_POOL];
    size_t pool_used;
};

/* Re-reads /proc/self/maps into m. Returns 0 or -errno. */
int sw_modmap_load(struct sw_modmap *m);

/* The module containing addr, or NULL. */
const struct sw_module *sw_modmap_find(const struct sw_modmap *m, uint64_t addr);

#endif
