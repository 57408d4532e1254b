/* The module map (see modmap.h): maps lines into modules, ELF identities through a memory
 * reader. Pure; any context (no allocation: the map's own pool). */
#include "core/modmap.h"

#include <elf.h>
#include <string.h>

static bool hexval(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int n = 0;
    for (;; s++, n++) {
        char c = *s;
        if (c >= '0' && c <= '9')
            x = x * 16 + (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x = x * 16 + (uint64_t)(c - 'a' + 10);
        else
            break;
    }
    *p = s;
    *v = x;
    return n > 0;
}

static const char *skip_field(const char *p)
{
    while (*p != ' ' && *p != '\0')
        p++;
    while (*p == ' ')
        p++;
    return p;
}

static const char *pool_add(struct sw_modmap *m, const char *s, size_t n)
{
    if (m->pool_used + n + 1 > sizeof m->pool)
        return NULL;
    char *d = m->pool + m->pool_used;
    memcpy(d, s, n);
    d[n] = '\0';
    m->pool_used += n + 1;
    return d;
}

/* Reads the ELF header and program headers mapped at start, derives the load bias from the
 * PT_LOAD that maps file offset 0, and finds the NT_GNU_BUILD_ID note. */
static void read_elf_identity(struct sw_module *mod, const struct sw_memread *mem)
{
    Elf64_Ehdr eh;
    if (!sw_mem_get(mem, mod->start, &eh, sizeof eh) ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 128)
        return;
    Elf64_Phdr ph[128];
    size_t phsize = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (!sw_mem_get(mem, mod->start + eh.e_phoff, ph, phsize))
        return;
    bool found = false;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
            mod->bias = mod->start - (ph[i].p_vaddr & ~(uint64_t)4095);
            found = true;
            break;
        }
    }
    if (!found)
        return;
    mod->has_bias = true;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_NOTE || ph[i].p_filesz > 4096)
            continue;
        unsigned char notes[4096];
        size_t len = (size_t)ph[i].p_filesz;
        if (!sw_mem_get(mem, mod->bias + ph[i].p_vaddr, notes, len))
            continue;
        size_t off = 0;
        while (off + sizeof(Elf64_Nhdr) <= len) {
            Elf64_Nhdr nh;
            memcpy(&nh, notes + off, sizeof nh);
            size_t name_off = off + sizeof nh;
            size_t desc_off = name_off + ((nh.n_namesz + 3u) & ~3u);
            size_t next = desc_off + ((nh.n_descsz + 3u) & ~3u);
            if (next > len || next <= off)
                break;
            if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                memcmp(notes + name_off, "GNU", 4) == 0 && nh.n_descsz <= 20) {
                static const char hex[] = "0123456789abcdef";
                for (unsigned k = 0; k < nh.n_descsz; k++) {
                    mod->build_id[2 * k] = hex[notes[desc_off + k] >> 4];
                    mod->build_id[2 * k + 1] = hex[notes[desc_off + k] & 15];
                }
                mod->build_id[2 * nh.n_descsz] = '\0';
                return;
            }
            off = next;
        }
    }
}

/* One maps line. Consecutive mappings of the same file (same device, inode and path) form
 * one module, as libdwfl's own /proc reader groups them, except that a mapping at offset 0
 * starts a new one. */
void sw_modmap_add_line(struct sw_modmap *m, const char *line)
{
    uint64_t *last_ino = &m->last_ino;
    const char **last_dev = &m->last_dev;
    const char *p = line;
    uint64_t start, end, off, ino;
    if (!hexval(&p, &start) || *p++ != '-' || !hexval(&p, &end))
        return;
    p = skip_field(p); /* to perms */
    bool exec = p[0] != '\0' && p[1] != '\0' && p[2] == 'x';
    p = skip_field(p); /* to offset */
    if (!hexval(&p, &off))
        return;
    while (*p == ' ')
        p++;
    const char *dev = p;
    p = skip_field(p); /* to inode */
    const char *q = p;
    ino = 0;
    while (*q >= '0' && *q <= '9')
        ino = ino * 10 + (uint64_t)(*q++ - '0');
    p = q;
    while (*p == ' ')
        p++;
    const char *path = p;
    bool is_file = path[0] == '/' && ino != 0;
    bool is_vdso = strcmp(path, "[vdso]") == 0;
    if (!is_file && !is_vdso)
        return;
    struct sw_module *prev = m->n > 0 ? &m->mod[m->n - 1] : NULL;
    size_t dev_len = strcspn(dev, " ");
    /* A mapping at file offset 0 always starts a module: the same file may be mapped twice
     * side by side, once by the loader and once whole, as data (libelf maps the ELF files
     * it reads), and the two must not merge into one module with a wrong bias. */
    if (is_file && off != 0 && prev != NULL && *last_ino == ino && *last_dev != NULL &&
        strlen(*last_dev) == dev_len && strncmp(*last_dev, dev, dev_len) == 0 &&
        strcmp(prev->path, path) == 0) {
        prev->end = end;
        if (exec) {
            if (prev->text_start == 0)
                prev->text_start = start;
            prev->text_end = end;
        }
        return;
    }
    if (m->n >= SW_MODMAP_MAX)
        return;
    const char *stored = pool_add(m, path, strlen(path));
    if (stored == NULL)
        return;
    struct sw_module *mod = &m->mod[m->n++];
    memset(mod, 0, sizeof *mod);
    mod->start = start;
    mod->end = end;
    mod->path = stored;
    mod->bias = start - off;
    if (exec) {
        mod->text_start = start;
        mod->text_end = end;
    }
    *last_ino = is_file ? ino : 0;
    *last_dev = is_file ? pool_add(m, dev, dev_len) : NULL;
}

void sw_modmap_reset(struct sw_modmap *m)
{
    m->n = 0;
    m->pool_used = 0;
    m->last_ino = 0;
    m->last_dev = NULL;
}

void sw_modmap_identify(struct sw_modmap *m, const struct sw_memread *mem)
{
    for (unsigned i = 0; i < m->n; i++)
        read_elf_identity(&m->mod[i], mem);
}

const struct sw_module *sw_modmap_find(const struct sw_modmap *m, uint64_t addr)
{
    unsigned lo = 0, hi = m->n;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (addr < m->mod[mid].start)
            hi = mid;
        else if (addr >= m->mod[mid].end)
            lo = mid + 1;
        else
            return &m->mod[mid];
    }
    return NULL;
}
