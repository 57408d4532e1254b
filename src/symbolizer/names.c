/* Names, files and lines for places in module files, with inline frames, as `eu-addr2line -f
 * -i -e MODULE` and `eu-stack -i -s` give them (see names.h). One thread: the symbolizer's,
 * or the command's.
 *
 * A module is opened with dwfl_report_offline, which puts it at its file addresses: an offset
 * (pc - load bias, what a raw frame carries) is then its own address. Debuginfo is searched
 * the way the shim always has (debuginfo.c: build-id tree, debuglink beside the file, under
 * /usr/lib/debug), debuginfod only when asked. A file that is gone or was replaced (another
 * build-id) is named from its debug file by build-id, which has the same addresses.
 *
 * For each place (one byte earlier for a return address, so a call at the end of a function
 * is attributed to the call's line):
 * - the function is the innermost function-like DWARF scope with a name (its linkage name,
 *   demangled, or its name); without DWARF, the symbol table's name (version suffix removed,
 *   demangled);
 * - when that scope is an inlined subroutine, each enclosing function scope up to the
 *   subprogram becomes a frame of its own: the innermost gets the line table's file:line, each
 *   outer one the call site (DW_AT_call_file/DW_AT_call_line) of the scope inside it; all but
 *   the outermost are marked inlined. */
#include "symbolizer/names.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "symbolizer/debuginfo.h"
#include "symbolizer/demangle.h"

struct named_module {
    char *key; /* path, a NUL, then the build-id */
    Dwfl *dwfl;
    Dwfl_Module *mod;
    const char *note; /* why names are missing, if they are */
    uint64_t used;    /* LRU clock */
};

static struct named_module mods[SW_NAMES_MODULES_MAX];
static unsigned nmods;
static uint64_t clock_ticks;
static bool debuginfod;

/* Names built here (demangled, or cut from versioned symbols). */
static char arena[256 * 1024];
static size_t arena_used;

void sw_names_set_debuginfod(bool on)
{
    debuginfod = on;
}

void sw_names_release(void)
{
    arena_used = 0;
}

unsigned sw_names_open_modules(void)
{
    return nmods;
}

static const char *arena_copy(const char *s, size_t n)
{
    if (arena_used + n + 1 > sizeof arena)
        return NULL;
    char *copy = arena + arena_used;
    memcpy(copy, s, n);
    copy[n] = '\0';
    arena_used += n + 1;
    return copy;
}

/* A name as a report shows it: demangled if mangled, without a symbol version suffix. */
static const char *display_name(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return NULL;
    const char *d = sw_demangle(name, arena + arena_used, sizeof arena - arena_used);
    if (d != NULL) {
        arena_used += strlen(d) + 1;
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

/* The GNU build-id of the ELF file at path, as lowercase hex into out[41]; false if none. */
static bool file_build_id(const char *path, char out[41])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    const void *id = NULL;
    ssize_t n = elf != NULL ? dwelf_elf_gnu_build_id(elf, &id) : -1;
    bool ok = n > 0 && n <= 20;
    for (ssize_t i = 0; ok && i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", ((const unsigned char *)id)[i]);
    if (elf != NULL)
        elf_end(elf);
    close(fd);
    return ok;
}

/* The debug file of a build-id from the DEBUGINFOD_URLS servers (libdebuginfod, loaded on
 * first use: the program needs it only when asked to use them). */
static bool debuginfod_fetch(const char *build_id, char *out, size_t cap)
{
    typedef void *(*begin_fn)(void);
    typedef int (*find_fn)(void *, const unsigned char *, int, char **);
    static begin_fn begin;
    static find_fn find;
    static void *client;
    if (client == NULL) {
        void *lib = dlopen("libdebuginfod.so.1", RTLD_NOW);
        begin = lib != NULL ? (begin_fn)dlsym(lib, "debuginfod_begin") : NULL;
        find = lib != NULL ? (find_fn)dlsym(lib, "debuginfod_find_debuginfo") : NULL;
        client = begin != NULL && find != NULL ? begin() : NULL;
        if (client == NULL)
            return false;
    }
    unsigned char raw[20];
    size_t n = strlen(build_id) / 2;
    if (n == 0 || n > sizeof raw)
        return false;
    for (size_t i = 0; i < n; i++)
        sscanf(build_id + 2 * i, "%2hhx", &raw[i]);
    char *path = NULL;
    int fd = find(client, raw, (int)n, &path);
    if (fd < 0)
        return false;
    close(fd);
    snprintf(out, cap, "%s", path);
    free(path);
    return true;
}

/* The debug file of a build-id: in the build-id tree, else (when allowed) from debuginfod. */
static bool debug_file_by_build_id(const char *build_id, char *out, size_t cap)
{
    if (strlen(build_id) < 3)
        return false;
    snprintf(out, cap, "/usr/lib/debug/.build-id/%.2s/%s.debug", build_id, build_id + 2);
    return access(out, R_OK) == 0 || (debuginfod && debuginfod_fetch(build_id, out, cap));
}

static const Dwfl_Callbacks *callbacks(void)
{
    static Dwfl_Callbacks cb[2];
    static bool made;
    if (!made) {
        sw_debuginfo_callbacks(&cb[0], false);
        sw_debuginfo_callbacks(&cb[1], true);
        cb[0].find_elf = cb[1].find_elf = dwfl_build_id_find_elf;
        made = true;
    }
    return &cb[debuginfod ? 1 : 0];
}

static void close_module(struct named_module *m)
{
    if (m->dwfl != NULL)
        dwfl_end(m->dwfl);
    free(m->key);
    memset(m, 0, sizeof *m);
}

/* Opens the module file (or, when it is gone or another build, its debug file) offline. */
static void open_module(struct named_module *m, const char *path, const char *build_id)
{
    char have[41] = "", debug[4096];
    const char *file = path;
    if (build_id[0] != '\0' && (!file_build_id(path, have) || strcmp(have, build_id) != 0)) {
        file = debug_file_by_build_id(build_id, debug, sizeof debug) ? debug : NULL;
        m->note = file != NULL ? NULL
                  : have[0] != '\0'
                      ? "the module file was replaced by another build and no debug file "
                        "has its build-id; raw frames"
                      : "the module file is gone and no debug file has its build-id; raw frames";
    }
    if (file == NULL)
        return;
    m->dwfl = dwfl_begin(callbacks());
    if (m->dwfl == NULL)
        return;
    dwfl_report_begin(m->dwfl);
    m->mod = dwfl_report_offline(m->dwfl, path, file, -1);
    dwfl_report_end(m->dwfl, NULL, NULL);
    if (m->mod == NULL)
        m->note = "libdw could not read the module file; raw frames";
}

/* The open module for path and build_id, opening it (and closing the least recently used
 * one) if it is not open yet. */
static struct named_module *module_for(const char *path, const char *build_id)
{
    size_t plen = strlen(path), blen = strlen(build_id);
    for (unsigned i = 0; i < nmods; i++) {
        struct named_module *m = &mods[i];
        if (strcmp(m->key, path) == 0 && strcmp(m->key + plen + 1, build_id) == 0) {
            m->used = ++clock_ticks;
            return m;
        }
    }
    struct named_module *m;
    if (nmods < SW_NAMES_MODULES_MAX) {
        m = &mods[nmods++];
    } else {
        m = &mods[0];
        for (unsigned i = 1; i < nmods; i++)
            if (mods[i].used < m->used)
                m = &mods[i];
        close_module(m);
    }
    m->key = malloc(plen + blen + 2);
    if (m->key == NULL)
        return NULL;
    memcpy(m->key, path, plen + 1);
    memcpy(m->key + plen + 1, build_id, blen + 1);
    m->used = ++clock_ticks;
    open_module(m, path, build_id);
    return m;
}

/* The call site recorded in an inlined subroutine's DIE: where its caller called it. */
static void call_site(Dwarf_Die *cudie, Dwarf_Die *inlined, struct sw_named *f)
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

static void line_table(Dwfl_Module *mod, uint64_t lookup, struct sw_named *f)
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

/* The frames at address lookup of mod (see the file's comment). */
static unsigned name_at(Dwfl_Module *mod, uint64_t lookup, struct sw_named *out, unsigned max)
{
    memset(&out[0], 0, sizeof out[0]);
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
    line_table(mod, lookup, &out[0]);
    if (name == NULL) {
        GElf_Off off;
        GElf_Sym sym;
        out[0].function =
            display_name(dwfl_module_addrinfo(mod, lookup, &off, &sym, NULL, NULL, NULL));
        return 1;
    }
    out[0].function = display_name(name);
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
        struct sw_named *f = &out[n++];
        memset(f, 0, sizeof *f);
        f->function = display_name(die_name(&chain[i]));
        call_site(cudie, inner, f);
        out[n - 2].inlined = true;
        if (tag == DW_TAG_subprogram)
            break;
        inner = &chain[i];
    }
    free(chain);
    return n;
}

unsigned sw_names_at(const char *path, const char *build_id, uint64_t offset, bool exact,
                     struct sw_named *out, unsigned max, const char **note)
{
    if (note != NULL)
        *note = NULL;
    if (max == 0 || path == NULL || path[0] != '/')
        return 0;
    struct named_module *m = module_for(path, build_id != NULL ? build_id : "");
    if (m == NULL || m->mod == NULL) {
        if (note != NULL && m != NULL)
            *note = m->note;
        return 0;
    }
    /* A return address points after the call; the call itself is one byte earlier. Offline,
     * libdwfl loads a shared object at a bias of its own: the file address plus that bias is
     * the module's address. */
    uint64_t lookup = exact || offset == 0 ? offset : offset - 1;
    Dwarf_Addr bias = 0;
    if (dwfl_module_getelf(m->mod, &bias) == NULL) {
        if (note != NULL)
            *note = "libdw could not read the module file; raw frames";
        return 0;
    }
    return name_at(m->mod, lookup + bias, out, max);
}

/* This process's vDSO image, for its module's find_elf. */
static const unsigned char *vdso_base;
static size_t vdso_size;

static int vdso_find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
                         char **file_name, Elf **elfp)
{
    (void)mod;
    (void)userdata;
    (void)name;
    (void)base;
    *file_name = NULL;
    *elfp = elf_memory((char *)vdso_base, vdso_size);
    return -1;
}

/* This process's vDSO, as a module at its file addresses (the same image as the program's on
 * the same kernel: the build-ids must match). */
static Dwfl_Module *vdso_module(const char *want_build_id)
{
    static Dwfl *dwfl;
    static Dwfl_Module *mod;
    static bool tried;
    static char id[41];
    if (!tried) {
        tried = true;
        vdso_base = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
        if (vdso_base == NULL)
            return NULL;
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)vdso_base;
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(vdso_base + eh->e_phoff);
        uint64_t low = UINT64_MAX, high = 0;
        for (unsigned i = 0; i < eh->e_phnum; i++) {
            if (ph[i].p_type != PT_LOAD)
                continue;
            if (ph[i].p_offset + ph[i].p_filesz > vdso_size)
                vdso_size = ph[i].p_offset + ph[i].p_filesz;
            if (ph[i].p_vaddr < low)
                low = ph[i].p_vaddr;
            if (ph[i].p_vaddr + ph[i].p_memsz > high)
                high = ph[i].p_vaddr + ph[i].p_memsz;
        }
        Elf *elf = elf_memory((char *)vdso_base, vdso_size);
        const void *bid = NULL;
        ssize_t n = elf != NULL ? dwelf_elf_gnu_build_id(elf, &bid) : -1;
        for (ssize_t i = 0; i < n && i < 20; i++)
            snprintf(id + 2 * i, 3, "%02x", ((const unsigned char *)bid)[i]);
        if (elf != NULL)
            elf_end(elf);
        static Dwfl_Callbacks cb = {.find_elf = vdso_find_elf,
                                    .find_debuginfo = dwfl_build_id_find_debuginfo};
        dwfl = low < high ? dwfl_begin(&cb) : NULL;
        if (dwfl != NULL) {
            dwfl_report_begin(dwfl);
            mod = dwfl_report_module(dwfl, "[vdso]", low, high);
            dwfl_report_end(dwfl, NULL, NULL);
        }
    }
    if (mod == NULL || (want_build_id != NULL && want_build_id[0] != '\0' &&
                        strcmp(want_build_id, id) != 0))
        return NULL;
    return mod;
}

unsigned sw_names_vdso(const char *build_id, uint64_t offset, bool exact, struct sw_named *out,
                       unsigned max)
{
    Dwfl_Module *mod = max > 0 ? vdso_module(build_id) : NULL;
    Dwarf_Addr bias = 0;
    if (mod == NULL || dwfl_module_getelf(mod, &bias) == NULL)
        return 0;
    uint64_t lookup = exact || offset == 0 ? offset : offset - 1;
    return name_at(mod, lookup + bias, out, max);
}

bool sw_names_own_vdso(const char *build_id, const void **base, size_t *size)
{
    if (vdso_module(build_id) == NULL)
        return false;
    *base = vdso_base;
    *size = vdso_size;
    return true;
}
