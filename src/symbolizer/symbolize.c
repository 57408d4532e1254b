/* Symbolization of program counters with libdw, as `eu-stack -i -s` does it. Symbolization
 * worker thread only (symworker.c).
 *
 * For each pc (pc - 1 for return addresses, so a call at the end of a function is attributed
 * to the call's line, not the next one):
 * - the function is the innermost function-like DWARF scope (subprogram, inlined subroutine,
 *   entry point), named by its linkage name (demangled) or its name; without DWARF, the
 *   symbol table's name (version suffix removed, demangled);
 * - when that scope is an inlined subroutine, each enclosing inlined subroutine up to the
 *   subprogram becomes a frame of its own with the same pc: the innermost gets the line
 *   table's file:line, each outer one the call site (DW_AT_call_file/DW_AT_call_line) of the
 *   scope inside it; all but the outermost are marked inlined;
 * - module, offset and build-id always come from the module map (modmap.c), so they are
 *   there even when libdw knows nothing of the address. */
#include "symbolizer/symbolize.h"

#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <elfutils/libdw.h>

#include "symbolizer/demangle.h"
#include "symbolizer/dwload.h" /* last: its macros rename the libdw calls below */

/* Names built here (demangled, or cut from versioned symbols) live until the next
 * sw_symbolize call. */
static char name_arena[256 * 1024];
static size_t name_used;
static bool refreshed; /* the module map was re-read during this report */

static const char *arena_copy(const char *s, size_t n)
{
    if (name_used + n + 1 > sizeof name_arena)
        return NULL;
    char *copy = name_arena + name_used;
    memcpy(copy, s, n);
    copy[n] = '\0';
    name_used += n + 1;
    return copy;
}

/* A name as a report shows it: demangled if mangled, without a symbol version suffix. */
static const char *display_name(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return NULL;
    size_t room = sizeof name_arena - name_used;
    const char *d = sw_demangle(name, name_arena + name_used, room);
    if (d != NULL) {
        name_used += strlen(d) + 1;
        return d;
    }
    const char *at = strchr(name, '@');
    if (at != NULL && at != name) {
        const char *cut = arena_copy(name, (size_t)(at - name));
        return cut != NULL ? cut : name;
    }
    return name;
}

static const char *die_name(Dwarf_Die *die)
{
    Dwarf_Attribute attr;
    const char *name =
        dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr)
                             ?: dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
    return name != NULL ? name : dwarf_diename(die);
}

static bool function_like(int tag)
{
    return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
           tag == DW_TAG_entry_point;
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

/* The raw part of a frame, from the module map. */
static void raw_frame(const struct sw_modmap *map, uint64_t pc, uint64_t lookup, struct sw_frame *f)
{
    memset(f, 0, sizeof *f);
    f->pc = pc;
    const struct sw_module *m = map != NULL ? sw_modmap_find(map, lookup) : NULL;
    if (m != NULL) {
        f->module = m->path;
        f->offset = pc - m->bias;
        f->build_id = m->build_id[0] != '\0' ? m->build_id : NULL;
    }
}

/* The call site recorded in an inlined subroutine's DIE: where its caller called it. */
static void call_site(Dwarf_Die *cudie, Dwarf_Die *inlined, struct sw_frame *f)
{
    Dwarf_Files *files;
    Dwarf_Attribute attr;
    Dwarf_Word file_idx, line;
    if (dwarf_getsrcfiles(cudie, &files, NULL) != 0 ||
        dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &file_idx) != 0)
        return;
    f->file = dwarf_filesrc(files, file_idx, NULL, NULL);
    if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &line) == 0)
        f->line = (unsigned)line;
}

static void line_table(Dwfl_Module *mod, uint64_t lookup, struct sw_frame *f)
{
    Dwfl_Line *line = dwfl_module_getsrc(mod, lookup);
    if (line == NULL)
        return;
    int lineno = 0;
    const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
    if (file != NULL) {
        f->file = file;
        f->line = lineno > 0 ? (unsigned)lineno : 0;
    }
}

/* Writes the frames of one pc (one, or more with inlined functions) into out[0..max);
 * returns how many. */
static unsigned symbolize_pc(Dwfl *dwfl, const struct sw_modmap *map, uint64_t pc, bool activation,
                             struct sw_frame *out, unsigned max)
{
    /* A return address points after the call; the call itself is one byte earlier. */
    uint64_t lookup = activation || pc == 0 ? pc : pc - 1;
    raw_frame(map, pc, lookup, &out[0]);
    Dwfl_Module *mod = dwfl != NULL ? dwfl_addrmodule(dwfl, lookup) : NULL;
    if (mod == NULL)
        return 1;

    /* The innermost function-like scope with a name, as eu-stack -d finds it. */
    Dwarf_Addr bias = 0;
    Dwarf_Die *cudie = dwfl_module_addrdie(mod, lookup, &bias);
    Dwarf_Die *scopes = NULL, die;
    const char *name = NULL;
    int nscopes = cudie != NULL ? dwarf_getscopes(cudie, lookup - bias, &scopes) : 0;
    for (int i = 0; i < nscopes && name == NULL; i++) {
        if (function_like(dwarf_tag(&scopes[i])) && (name = die_name(&scopes[i])) != NULL)
            die = scopes[i];
    }
    free(scopes);
    if (name == NULL) {
        GElf_Off off;
        GElf_Sym sym;
        out[0].function =
            display_name(dwfl_module_addrinfo(mod, lookup, &off, &sym, NULL, NULL, NULL));
        line_table(mod, lookup, &out[0]);
        return 1;
    }
    out[0].function = display_name(name);
    line_table(mod, lookup, &out[0]);
    if (dwarf_tag(&die) != DW_TAG_inlined_subroutine)
        return 1;

    /* Inlined: one frame per enclosing function scope up to the subprogram. */
    Dwarf_Die *chain = NULL;
    int nchain = dwarf_getscopes_die(&die, &chain);
    unsigned n = 1;
    Dwarf_Die *inner = &chain[0];
    for (int i = 1; i < nchain && n < max; i++) {
        int tag = dwarf_tag(&chain[i]);
        if (!function_like(tag))
            continue;
        struct sw_frame *f = &out[n++];
        *f = out[0];
        f->function = display_name(die_name(&chain[i]));
        f->file = NULL;
        f->line = 0;
        f->inlined = false;
        call_site(cudie, inner, f);
        out[n - 2].inlined = true;
        if (tag == DW_TAG_subprogram)
            break;
        inner = &chain[i];
    }
    free(chain);
    return n;
}

unsigned sw_symbolize(const struct sw_pcs *pcs, struct sw_frame *frames, unsigned max)
{
    const struct sw_modmap *map = sw_unwind_modmap();
    Dwfl *dwfl = sw_unwind_dwfl();
    /* A pc outside every known module means the map is stale (dlopen since): re-read once. */
    for (unsigned i = 0; i < pcs->n && map != NULL && !refreshed; i++) {
        if (sw_modmap_find(map, pcs->pc[i]) == NULL && pcs->pc[i] != 0) {
            refreshed = true;
            sw_unwind_refresh();
            map = sw_unwind_modmap();
            dwfl = sw_unwind_dwfl();
            break;
        }
    }
    const struct sw_module *own = map != NULL ? own_module(map) : NULL;
    unsigned n = 0;
    for (unsigned i = 0; i < pcs->n && n < max; i++) {
        uint64_t pc = pcs->pc[i];
        if (own != NULL && pc >= own->start && pc < own->end)
            continue;
        n += symbolize_pc(dwfl, map, pc, pcs->activation[i], &frames[n], max - n);
    }
    return n;
}

void sw_symbolize_reset(void)
{
    name_used = 0;
    refreshed = false;
}
