/* Dynamic symbol lookup in a mapped module, from our own memory. Watchdog thread only.
 *
 * The loader relocates the address entries of a module's dynamic section in place (they then
 * hold run-time addresses), except where the section is read-only (the vDSO): an address
 * inside the module's mapping is taken as is, any other one as a file address plus the load
 * bias. */
#include "watchdog/dynsym.h"

#include <elf.h>
#include <string.h>

#include "watchdog/procinfo.h"

#define DYN_MAX    512  /* entries of the dynamic section read at most */
#define CHAIN_MAX  4096 /* symbols compared at most in one hash chain */
#define NAME_MAX_B 256  /* longest name looked up, NUL included */

struct tables {
    const struct sw_module *m;
    uint64_t symtab, strtab, strsz, gnu_hash, hash;
};

static bool read_exact(uint64_t addr, void *out, size_t len)
{
    return sw_proc_read_mem((uintptr_t)addr, out, len) == (ssize_t)len;
}

static uint64_t runtime_addr(const struct sw_module *m, uint64_t v)
{
    return v >= m->start && v < m->end ? v : v + m->bias;
}

static bool find_tables(const struct sw_module *m, struct tables *t)
{
    Elf64_Ehdr eh;
    Elf64_Phdr ph[128];
    uint64_t dyn = 0, dyn_size = 0;

    memset(t, 0, sizeof *t);
    t->m = m;
    if (!m->has_bias || !read_exact(m->start, &eh, sizeof eh) ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 128)
        return false;
    if (!read_exact(m->start + eh.e_phoff, ph, (size_t)eh.e_phnum * sizeof(Elf64_Phdr)))
        return false;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_DYNAMIC) {
            dyn = m->bias + ph[i].p_vaddr;
            dyn_size = ph[i].p_memsz;
        }
    }
    if (dyn == 0)
        return false;
    uint64_t n = dyn_size / sizeof(Elf64_Dyn);
    for (uint64_t i = 0; i < n && i < DYN_MAX; i++) {
        Elf64_Dyn d;
        if (!read_exact(dyn + i * sizeof d, &d, sizeof d))
            return false;
        if (d.d_tag == DT_NULL)
            break;
        switch (d.d_tag) {
        case DT_SYMTAB:
            t->symtab = runtime_addr(m, d.d_un.d_ptr);
            break;
        case DT_STRTAB:
            t->strtab = runtime_addr(m, d.d_un.d_ptr);
            break;
        case DT_STRSZ:
            t->strsz = d.d_un.d_val;
            break;
        case DT_GNU_HASH:
            t->gnu_hash = runtime_addr(m, d.d_un.d_ptr);
            break;
        case DT_HASH:
            t->hash = runtime_addr(m, d.d_un.d_ptr);
            break;
        default:
            break;
        }
    }
    return t->symtab != 0 && t->strtab != 0 && (t->gnu_hash != 0 || t->hash != 0);
}

/* Symbol i if it is called name (len bytes, NUL included) and defined here: its address. */
static uint64_t match(const struct tables *t, uint32_t i, const char *name, size_t len)
{
    Elf64_Sym sym;
    char buf[NAME_MAX_B];

    if (!read_exact(t->symtab + (uint64_t)i * sizeof sym, &sym, sizeof sym))
        return 0;
    if (sym.st_shndx == SHN_UNDEF || sym.st_value == 0 || sym.st_name >= t->strsz ||
        t->strsz - sym.st_name < len)
        return 0;
    unsigned type = ELF64_ST_TYPE(sym.st_info);
    if (type != STT_FUNC && type != STT_OBJECT)
        return 0;
    if (!read_exact(t->strtab + sym.st_name, buf, len) || memcmp(buf, name, len) != 0)
        return 0;
    return sym.st_value + t->m->bias;
}

static uint32_t gnu_hash_of(const char *s)
{
    uint32_t h = 5381;
    for (; *s != '\0'; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

static uint32_t sysv_hash_of(const char *s)
{
    uint32_t h = 0;
    for (; *s != '\0'; s++) {
        h = (h << 4) + (unsigned char)*s;
        uint32_t g = h & 0xf0000000u;
        if (g != 0)
            h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

/* DT_GNU_HASH: nbuckets, symoffset, bloom size, bloom shift, the bloom words, the buckets,
 * then one chain word per symbol from symoffset on, its low bit set on a chain's last. */
static uint64_t lookup_gnu(const struct tables *t, const char *name, size_t len)
{
    uint32_t hdr[4];
    if (!read_exact(t->gnu_hash, hdr, sizeof hdr) || hdr[0] == 0)
        return 0;
    uint32_t nbuckets = hdr[0], symoffset = hdr[1], h = gnu_hash_of(name), idx;
    uint64_t buckets = t->gnu_hash + sizeof hdr + (uint64_t)hdr[2] * 8;
    uint64_t chains = buckets + (uint64_t)nbuckets * 4;
    if (!read_exact(buckets + (uint64_t)(h % nbuckets) * 4, &idx, sizeof idx) || idx < symoffset)
        return 0;
    for (unsigned steps = 0; steps < CHAIN_MAX; steps++, idx++) {
        uint32_t ch;
        if (!read_exact(chains + (uint64_t)(idx - symoffset) * 4, &ch, sizeof ch))
            return 0;
        if ((ch | 1) == (h | 1)) {
            uint64_t a = match(t, idx, name, len);
            if (a != 0)
                return a;
        }
        if (ch & 1)
            return 0;
    }
    return 0;
}

/* DT_HASH: nbucket, nchain, the buckets, the chains; 0 ends a chain. */
static uint64_t lookup_sysv(const struct tables *t, const char *name, size_t len)
{
    uint32_t hdr[2], idx;
    if (!read_exact(t->hash, hdr, sizeof hdr) || hdr[0] == 0)
        return 0;
    uint64_t buckets = t->hash + sizeof hdr, chains = buckets + (uint64_t)hdr[0] * 4;
    if (!read_exact(buckets + (uint64_t)(sysv_hash_of(name) % hdr[0]) * 4, &idx, sizeof idx))
        return 0;
    for (unsigned steps = 0; idx != 0 && idx < hdr[1] && steps < CHAIN_MAX; steps++) {
        uint64_t a = match(t, idx, name, len);
        if (a != 0)
            return a;
        if (!read_exact(chains + (uint64_t)idx * 4, &idx, sizeof idx))
            return 0;
    }
    return 0;
}

uint64_t sw_dynsym_lookup(const struct sw_module *m, const char *name)
{
    struct tables t;
    size_t len = strlen(name) + 1;

    if (len > NAME_MAX_B || !find_tables(m, &t))
        return 0;
    return t.gnu_hash != 0 ? lookup_gnu(&t, name, len) : lookup_sysv(&t, name, len);
}
