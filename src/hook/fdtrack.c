/* Descriptors our symbolizer thread opens while it tracks them: made close-on-exec,
 * remembered, closed on request. Called from the open and close wrappers on the thread that
 * turned tracking on (the symbolizer); program threads never get past the flag. */
#include "hook/fdtrack.h"

#include <fcntl.h>

#include "hook/real.h"

__thread bool sw_fdtrack_on __attribute__((tls_model("initial-exec")));

#define TRACKED_MAX 512

static int tracked[TRACKED_MAX];
static unsigned ntracked;

void sw_fdtrack_opened(int fd)
{
    if (fd < 0)
        return;
    int flags = sw_real.fcntl(fd, F_GETFD, 0);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
        sw_real.fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
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

bool sw_fdtrack_any(void)
{
    return ntracked != 0;
}

void sw_fdtrack_close_all(void)
{
    /* The real close: our wrapper would look the descriptor up in the list being emptied. */
    for (unsigned i = 0; i < ntracked; i++)
        sw_real.close(tracked[i]);
    ntracked = 0;
}
