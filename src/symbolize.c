/* Symbolization of program counters with libdw: function names from the symbol tables,
 * file:line from DWARF line tables (using pc - 1 for return addresses, so a call at the end
 * of a function is attributed to the call's line, not the next one). Watchdog only. */
#include "symbolize.h"

#include <string.h>

/* Names cut from versioned symbols ("__libc_start_main@@GLIBC_2.34") live here until the
 * next sw_symbolize call. */
static char name_arena[64 * 1024];
static size_t name_used;

/* The symbol name without its "@VERSION" or "@@VERSION" suffix. */
static const char *unversioned(const char *name)
{
    const char *at = strchr(name, '@');
    if (at == NULL || at == name)
        return name;
    size_t n = (size_t)(at - name);
    if (name_used + n + 1 > sizeof name_arena)
        return name;
    char *copy = name_arena + name_used;
    memcpy(copy, name, n);
    copy[n] = '\0';
    name_used += n + 1;
    return copy;
}

static const struct sw_module *own_module(const struct sw_modmap *map)
{
    return sw_modmap_find(map, (uint64_t)(uintptr_t)&sw_symbolize);
}

bool sw_symbolize_is_own(uint64_t pc)
{
    const struct sw_modmap *map = sw_unwind_modmap();
    if (map == NULL)
        return false;
    const struct sw_module *own = own_module(map);
    return own != NULL && pc >= own->start && pc < own->end;
}

static void symbolize_one(Dwfl *dwfl, const struct sw_modmap *map, uint64_t pc, bool activation,
                          struct sw_frame *f)
{
    memset(f, 0, sizeof *f);
    f->pc = pc;
    /* A return address points after the call; the call itself is one byte earlier. */
    uint64_t lookup = activation || pc == 0 ? pc : pc - 1;
    const struct sw_module *m = map != NULL ? sw_modmap_find(map, lookup) : NULL;
    if (m != NULL) {
        f->module = m->path;
        f->offset = pc - m->bias;
        f->build_id = m->build_id[0] != '\0' ? m->build_id : NULL;
    }
    if (dwfl == NULL)
        return;
    Dwfl_Module *mod = dwfl_addrmodule(dwfl, lookup);
    if (mod == NULL)
        return;
    GElf_Off off;
    GElf_Sym sym;
    const char *name = dwfl_module_addrinfo(mod, lookup, &off, &sym, NULL, NULL, NULL);
    if (name != NULL && name[0] != '\0')
        f->function = unversioned(name);
    Dwfl_Line *line = dwfl_module_getsrc(mod, lookup);
    if (line != NULL) {
        int lineno = 0;
        const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
        if (file != NULL) {
            f->file = file;
            f->line = lineno > 0 ? (unsigned)lineno : 0;
        }
    }
}

unsigned sw_symbolize(const struct sw_pcs *pcs, struct sw_frame *frames, unsigned max)
{
    const struct sw_modmap *map = sw_unwind_modmap();
    Dwfl *dwfl = sw_unwind_dwfl();
    /* A pc outside every known module means the map is stale (dlopen since): re-read once. */
    for (unsigned i = 0; i < pcs->n && map != NULL; i++) {
        if (sw_modmap_find(map, pcs->pc[i]) == NULL && pcs->pc[i] != 0) {
            sw_unwind_refresh();
            map = sw_unwind_modmap();
            dwfl = sw_unwind_dwfl();
            break;
        }
    }
    const struct sw_module *own = map != NULL ? own_module(map) : NULL;
    name_used = 0;
    unsigned n = 0;
    for (unsigned i = 0; i < pcs->n && n < max; i++) {
        uint64_t pc = pcs->pc[i];
        if (own != NULL && pc >= own->start && pc < own->end)
            continue;
        symbolize_one(dwfl, map, pc, pcs->activation[i], &frames[n++]);
    }
    return n;
}
