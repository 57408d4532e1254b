/* Descriptors libdw opens on our symbolizer thread: made close-on-exec, remembered, and
 * closed after each job once libelf has been told not to use them (ELF_C_FDDONE; libdwfl maps
 * ELF files, so their data stays readable). Tracking runs on the symbolizer thread only. */
#include "fdtrack.h"

#include <fcntl.h>
#include <unistd.h>

#include <elfutils/libdw.h>

#include "real.h"
#include "dwload.h" /* last: its macros rename the libdw calls below */

__thread bool sw_fdtrack_on __attribute__((tls_model("initial-exec")));

#define TRACKED_MAX 512

static int tracked[TRACKED_MAX];
static unsigned ntracked;

void sw_fdtrack_opened(int fd)
{
    if (fd < 0)
        return;
    int flags = SW_REAL_ANY(fcntl)(fd, F_GETFD, 0);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
        SW_REAL_ANY(fcntl)(fd, F_SETFD, flags | FD_CLOEXEC);
    if (ntracked < TRACKED_MAX)
        tracked[ntracked++] = fd;
}

void sw_fdtrack_closed(int fd)
{
    for (unsigned i = 0; i < ntracked; i++) {
        if (tracked[i] == fd) {
            tracked[i] = tracked[--ntracked];
            return;
        }
    }
}

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
    if (ntracked == 0)
        return;
    if (dwfl != NULL)
        dwfl_getmodules(dwfl, forget_module_fds, NULL, 0);
    bool was_on = sw_fdtrack_on;
    sw_fdtrack_on = false;
    for (unsigned i = 0; i < ntracked; i++)
        close(tracked[i]);
    ntracked = 0;
    sw_fdtrack_on = was_on;
}
