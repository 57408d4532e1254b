/* Exported wrappers for the credential calls glibc makes every thread of the process repeat
 * (setuid, setgid, seteuid, setegid, setreuid, setregid, setresuid, setresgid, setgroups). Any
 * program thread.
 *
 * glibc aborts the process when such a call succeeds on one thread and fails on another. Our
 * watchdog thread's credentials can differ from the caller's: capset and PR_SET_KEEPCAPS
 * change the calling thread's only, so after `setpriv --reuid=U --regid=G` has changed its
 * user and taken its capabilities back, its setresgid fails with EPERM on our thread, and
 * setpriv aborted. For the call our thread steps aside (exits between two looks) and starts
 * again after it, with the caller's credentials (watchdog/watchdog.c). Inside a program's
 * signal handler nothing is done (waiting for a thread is not async-signal-safe there): the
 * call goes through as it is. errno is the real call's. Cancellation is disabled for the
 * while (the set*id calls are no cancellation points, and waiting for our thread is one): a
 * cancel pending or arriving then acts at the program's next cancellation point, as without
 * us. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "hook/interpose.h"
#include "hook/ownthread.h"
#include "hook/slot.h"

/* Our thread is away for the call; nothing happens in a process not yet watching, or in a
 * signal handler of the program's. */
#define SW_CREDS(name, expr)                                                                       \
    do {                                                                                           \
        int e_ = errno, cancel_;                                                                   \
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_);                                  \
        bool away = !sw_in_program_handler() && sw_own_threads_aside();                            \
        errno = e_;                                                                                \
        int r_ = SW_REAL_ANY(name) expr;                                                           \
        e_ = errno;                                                                                \
        if (away)                                                                                  \
            sw_own_threads_back();                                                                 \
        pthread_setcancelstate(cancel_, NULL);                                                     \
        errno = e_;                                                                                \
        return r_;                                                                                 \
    } while (0)

SW_EXPORT int setuid(uid_t u)
{
    SW_CREDS(setuid, (u));
}

SW_EXPORT int setgid(gid_t g)
{
    SW_CREDS(setgid, (g));
}

SW_EXPORT int seteuid(uid_t u)
{
    SW_CREDS(seteuid, (u));
}

SW_EXPORT int setegid(gid_t g)
{
    SW_CREDS(setegid, (g));
}

SW_EXPORT int setreuid(uid_t r, uid_t e)
{
    SW_CREDS(setreuid, (r, e));
}

SW_EXPORT int setregid(gid_t r, gid_t e)
{
    SW_CREDS(setregid, (r, e));
}

SW_EXPORT int setresuid(uid_t r, uid_t e, uid_t s)
{
    SW_CREDS(setresuid, (r, e, s));
}

SW_EXPORT int setresgid(gid_t r, gid_t e, gid_t s)
{
    SW_CREDS(setresgid, (r, e, s));
}

SW_EXPORT int setgroups(size_t n, const gid_t *list)
{
    SW_CREDS(setgroups, (n, list));
}
