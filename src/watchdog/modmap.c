/* Our own module map: /proc/self/maps read into core/modmap.c, ELF headers read from our own
 * memory. Watchdog only: no stdio, no allocation, no dl_iterate_phdr (it takes the loader's
 * lock, which a stalled thread may hold). Memory is read through process_vm_readv so a
 * mapping that vanished (dlclose) makes a read fail instead of faulting. */
#include "watchdog/modmap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/large.h"
#include "hook/real.h"
#include "watchdog/ownfd.h"
#include "watchdog/procinfo.h"

static ssize_t read_own(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    return sw_proc_read_mem((uintptr_t)addr, buf, len);
}

int sw_modmap_load(struct sw_modmap *m)
{
    sw_modmap_reset(m);
    int fd = sw_ownfd_open("/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    SW_LARGE static char buf[16384];
    char line[4096 + 256];
    size_t line_len = 0;
    int err = 0;
    for (;;) {
        ssize_t n = sw_real.read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = -errno;
            break;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                if (line_len + 1 < sizeof line)
                    line[line_len++] = buf[i];
                continue;
            }
            line[line_len] = '\0';
            sw_modmap_add_line(m, line);
            line_len = 0;
        }
    }
    sw_ownfd_close(fd);
    sw_modmap_identify(m, &(struct sw_memread){read_own, NULL});
    return err;
}

