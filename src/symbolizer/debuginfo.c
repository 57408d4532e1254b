/* Local debuginfo lookup for libdwfl. The symbolizer program and the command; one thread.
 *
 * find_elf: a module reported by path is mapped from that path into an Elf handed to libdwfl
 * without a descriptor (so many modules open cost no descriptors); "[vdso]" is our own vDSO
 * image (names.c), the same as the program's on the same kernel.
 * find_debuginfo: libdw's build-id lookup (DEBUGINFO_PATH/.build-id/xx/rest.debug), then the
 * .gnu_debuglink name in the file's directory, its .debug subdirectory and /usr/lib/debug
 * plus the directory; a candidate is accepted only when its build-id equals the module's (or,
 * for modules without one, its CRC equals the debuglink CRC). */
#include "symbolizer/debuginfo.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>

#include "core/buf.h"
#include "symbolizer/names.h"

static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
                    char **file_name, Elf **elfp)
{
    (void)mod;
    (void)userdata;
    (void)base;
    *file_name = NULL;
    if (strcmp(name, "[vdso]") == 0) {
        const void *image;
        size_t size;
        if (sw_names_own_vdso(NULL, &image, &size))
            *elfp = elf_memory((char *)image, size);
        return -1;
    }
    /* Regular files only: a mapped device could block on open or read. */
    struct stat st;
    if (name[0] != '/' || stat(name, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    /* We make the Elf ourselves and hand it over without a descriptor, so libdwfl keeps
     * none: the file is mapped, and the descriptor is closed here. */
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (elf != NULL) {
        elf_cntl(elf, ELF_C_FDREAD);
        elf_cntl(elf, ELF_C_FDDONE);
    }
    close(fd);
    if (elf == NULL)
        return -1;
    *file_name = strdup(name);
    *elfp = elf;
    return -1;
}

/* Build-id of an open candidate equals the module's. */
static bool same_build_id(Dwfl_Module *mod, int fd)
{
    const unsigned char *want;
    GElf_Addr vaddr;
    int want_len = dwfl_module_build_id(mod, &want, &vaddr);
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (elf == NULL)
        return false;
    const void *have;
    ssize_t have_len = dwelf_elf_gnu_build_id(elf, &have);
    bool ok = want_len > 0 && have_len == want_len && memcmp(want, have, (size_t)want_len) == 0;
    elf_end(elf);
    return ok;
}

static bool same_crc(int fd, GElf_Word want)
{
    /* zlib-compatible CRC-32, as objcopy --add-gnu-debuglink computes it. */
    uint32_t crc = 0xffffffffu;
    unsigned char buf[65536];
    off_t off = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            crc ^= buf[i];
            for (int k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
        off += n;
    }
    return (crc ^ 0xffffffffu) == want;
}

static int try_candidate(Dwfl_Module *mod, const char *dir, size_t dir_len, const char *mid,
                         const char *link, const char *main_file, GElf_Word crc, char **out_name)
{
    char path[4096];
    struct sw_buf b;
    sw_buf_init(&b, path, sizeof path);
    sw_buf_put(&b, dir, dir_len);
    sw_buf_puts(&b, mid);
    sw_buf_puts(&b, link);
    if (b.overflow || strcmp(path, main_file) == 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const unsigned char *bits;
    GElf_Addr vaddr;
    bool ok =
        dwfl_module_build_id(mod, &bits, &vaddr) > 0 ? same_build_id(mod, fd) : same_crc(fd, crc);
    if (!ok || (*out_name = strdup(path)) == NULL) {
        close(fd);
        return -1;
    }
    return fd;
}

static int find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname,
                                Dwarf_Addr base, const char *file_name, const char *debuglink_file,
                                GElf_Word debuglink_crc, char **debuginfo_file_name)
{
    int fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
                                          debuglink_crc, debuginfo_file_name);
    if (fd >= 0 || file_name == NULL || debuglink_file == NULL || file_name[0] != '/')
        return fd;
    const char *slash = strrchr(file_name, '/');
    size_t dir_len = (size_t)(slash - file_name) + 1; /* keeps the '/' */
    fd = try_candidate(mod, file_name, dir_len, "", debuglink_file, file_name, debuglink_crc,
                       debuginfo_file_name);
    if (fd < 0)
        fd = try_candidate(mod, file_name, dir_len, ".debug/", debuglink_file, file_name,
                           debuglink_crc, debuginfo_file_name);
    if (fd < 0) {
        char dir[4096];
        struct sw_buf b;
        sw_buf_init(&b, dir, sizeof dir);
        sw_buf_puts(&b, "/usr/lib/debug");
        sw_buf_put(&b, file_name, dir_len);
        if (!b.overflow)
            fd = try_candidate(mod, dir, b.len, "", debuglink_file, file_name, debuglink_crc,
                               debuginfo_file_name);
    }
    return fd;
}

void sw_debuginfo_callbacks(Dwfl_Callbacks *cb, bool debuginfod)
{
    memset(cb, 0, sizeof *cb);
    cb->find_elf = find_elf;
    cb->find_debuginfo = debuginfod ? dwfl_standard_find_debuginfo : find_debuginfo_local;
    cb->section_address = dwfl_offline_section_address;
}
