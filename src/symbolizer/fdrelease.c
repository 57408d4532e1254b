/* Descriptors libdw opened during a symbolizer job, closed after it once libelf has been
 * told not to use them (ELF_C_FDDONE; libdwfl maps ELF files, so their data stays
 * readable). Symbolizer thread only. */
#include "symbolizer/fdrelease.h"

#include <elfutils/libdw.h>

#include "hook/fdtrack.h"
#include "symbolizer/dwload.h" /* last: its macros rename the libdw calls below */

static void fd_done(Elf *elf)
{
    if (elf != NULL) {
        /* Reads anything not mapped into memory, then forgets the descriptor. */
        elf_cntl(elf, ELF_C_FDREAD);
        elf_cntl(elf, ELF_C_FDDONE);
    }
}

static int forget_module_fds(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
                             void *arg)
{
    (void)userdata;
    (void)name;
    (void)start;
    (void)arg;
    const char *mainfile = NULL, *debugfile = NULL;
    dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, &debugfile);
    Dwarf_Addr bias;
    /* Only what is loaded already: asking for more would load it. */
    if (mainfile != NULL)
        fd_done(dwfl_module_getelf(mod, &bias));
    if (debugfile != NULL) {
        Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
        if (dw != NULL) {
            fd_done(dwarf_getelf(dw));
            Dwarf *alt = dwarf_getalt(dw);
            if (alt != NULL)
                fd_done(dwarf_getelf(alt));
        }
    }
    return DWARF_CB_OK;
}

void sw_fdtrack_release(Dwfl *dwfl)
{
    if (!sw_fdtrack_any())
        return;
    if (dwfl != NULL)
        dwfl_getmodules(dwfl, forget_module_fds, NULL, 0);
    sw_fdtrack_close_all();
}
