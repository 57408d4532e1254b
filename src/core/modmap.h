/* Private: the modules mapped into a process, from its maps lines (/proc/PID/maps), with their
 * load bias and GNU build-id read from the mapped ELF headers through a memory reader. It
 * needs neither libdw nor the dynamic loader, so raw frames (module + offset + build-id) can
 * always be written, and it is what the symbolizer is told of a process's modules. Pure: the
 * caller reads the lines and supplies the reader (watchdog/modmap.c for our own process,
 * cli/target.c for an attached one). Any context; no allocation. */
#ifndef SW_CORE_MODMAP_H
#define SW_CORE_MODMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/memread.h"

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
    uint64_t last_ino; /* the line before, while lines are added */
    const char *last_dev;
};

/* Empties m before its lines are added. */
void sw_modmap_reset(struct sw_modmap *m);

/* One maps line (no newline), in the file's order. Consecutive mappings of the same file (same
 * device, inode and path) form one module, as libdwfl's own /proc reader groups them, except
 * that a mapping at offset 0 starts a new one. */
void sw_modmap_add_line(struct sw_modmap *m, const char *line);

/* Once the lines are in: the load bias from the PT_LOAD that maps file offset 0 and the
 * NT_GNU_BUILD_ID note, read through mem from each module's mapped headers. */
void sw_modmap_identify(struct sw_modmap *m, const struct sw_memread *mem);

/* The module containing addr, or NULL. */
const struct sw_module *sw_modmap_find(const struct sw_modmap *m, uint64_t addr);

#endif
