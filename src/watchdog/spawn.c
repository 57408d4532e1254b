/* Starting the symbolizer program from inside the watched program (see spawn.h). Watchdog
 * thread only.
 *
 * glibc's clone() wrapper runs the child on the stack we give it; CLONE_VM shares our memory,
 * so the child must not touch anything but its own stack and the arguments: it makes raw
 * system calls only (through libc's syscall(), which sets errno on failure: our errno, which
 * the caller saved and restores, the caller being suspended meanwhile by CLONE_VFORK). The
 * child inherits the watchdog thread's signal mask, everything blocked, so none of the
 * program's handlers can run in it; execve keeps the mask, and the symbolizer clears it. */
#include "watchdog/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/large.h"
#include "hook/real.h"

struct job {
    const char *path;
    char *const *argv;
    char *const *envp;
    int pass_fd;
};

#define STACK_BYTES (32 * 1024)
SW_LARGE static char child_stack[STACK_BYTES] __attribute__((aligned(16)));

static long sys(long nr, long a, long b, long c)
{
    return sw_real.syscall(nr, a, b, c);
}

__attribute__((noreturn)) static int child(void *arg)
{
    const struct job *j = arg;
    /* The descriptor to pass becomes 3 (dup3 clears close-on-exec), /dev/null 0-2, and every
     * other descriptor of the program is closed, whatever its close-on-exec flag. */
    if (j->pass_fd != 3 && sys(SYS_dup3, j->pass_fd, 3, 0) < 0)
        sys(SYS_exit, 126, 0, 0);
    if (j->pass_fd == 3)
        sys(SYS_fcntl, 3, F_SETFD, 0);
    long null = sys(SYS_open, (long)"/dev/null", O_RDWR, 0);
    for (long fd = 0; fd < 3; fd++)
        if (null >= 0 && null != fd)
            sys(SYS_dup3, null, fd, 0);
    if (sys(SYS_close_range, 4, (long)~0U, 0) < 0) {
        for (long fd = 4; fd < 1024; fd++) /* before Linux 5.9 */
            sys(SYS_close, fd, 0, 0);
    }
    sys(SYS_execve, (long)j->path, (long)j->argv, (long)j->envp);
    for (;;)
        sys(SYS_exit, 127, 0, 0);
}

pid_t sw_spawn(const char *path, char *const argv[], char *const envp[], int pass_fd)
{
    int saved = errno;
    struct job j = {path, argv, envp, pass_fd};
    /* Exit signal 0 (the low byte of the flags): a "clone" child for wait purposes. */
    pid_t pid = clone(child, child_stack + STACK_BYTES, CLONE_VM | CLONE_VFORK, &j);
    pid_t r = pid >= 0 ? pid : -errno;
    errno = saved;
    return r;
}

int sw_spawn_wait(pid_t pid)
{
    int saved = errno, status = -1;
    for (;;) {
        long r = sw_real.syscall(SYS_wait4, (long)pid, &status, (long)__WALL, NULL);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            status = -1;
            break;
        }
    }
    errno = saved;
    return status;
}
