/* Resolution of the real functions behind our wrappers. Any thread; runs once, at the first
 * interposed call that marks anything (its slow path), the first pass-through that needs a
 * real function, or the start of the watching: a process that makes no such call (one that
 * execs or exits at once) looks up nothing but the two the constructor uses.
 *
 * Every lookup made here must succeed: a failed dlsym/dlvsym makes the loader malloc its error
 * message, and a malloc that takes a pthread lock on its first call (jemalloc, tcmalloc)
 * comes straight back into a wrapper, which would resolve again, and so on until the stack
 * overflows. So: glibc >= 2.36 returns each symbol's default version from dlsym(RTLD_NEXT)
 * (BZ#14932) and is asked nothing else; on older glibc the condvar functions that also
 * exist in the pre-2.3.2 flavour are asked for GLIBC_2.3.2 by dlvsym, on the architectures
 * that have that version (x86). The lock functions come first in the table and a nested call
 * on the same thread returns at once, so a wrapper re-entered by such a malloc finds its real
 * function already set.
 *
 * The thread's signals are held off for the lookup, all but those a fault raises: a program
 * handler that ran in the middle would reach wrappers whose real function is not set yet (a
 * NULL call) or this lookup again, inside the loader. They are delivered when it is done. */
#include "hook/real.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

struct sw_real sw_real;
static _Atomic bool resolved;

static __thread bool resolving __attribute__((tls_model("initial-exec")));

/* Whether the running glibc predates 2.36, whose dlsym(RTLD_NEXT) may return a symbol's
 * oldest version rather than its default one. */
static bool old_dlsym(void)
{
    const char *v = gnu_get_libc_version(); /* "2.36": a static string, no allocation */
    unsigned major = 0, minor = 0;
    while (*v >= '0' && *v <= '9')
        major = major * 10 + (unsigned)(*v++ - '0');
    if (*v++ != '.')
        return false;
    while (*v >= '0' && *v <= '9')
        minor = minor * 10 + (unsigned)(*v++ - '0');
    return major < 2 || (major == 2 && minor < 36);
}

/* The wrapped condvar functions that also exist as pre-2.3.2 compat symbols
 * (pthread_cond_clockwait is newer and has only its default version). */
static bool has_old_flavour(const char *name)
{
    return strcmp(name, "pthread_cond_wait") == 0 || strcmp(name, "pthread_cond_timedwait") == 0;
}

static void *next(const char *name, bool versioned)
{
#if defined(__x86_64__) || defined(__i386__)
    if (versioned && has_old_flavour(name)) {
        void *p = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");
        if (p != NULL)
            return p;
    }
#else
    (void)versioned;
#endif
    return dlsym(RTLD_NEXT, name);
}

void sw_real_init(void)
{
    if (resolving)
        return; /* re-entered from a lookup on this thread: what is resolved so far serves */
    int saved = errno;
    sigset_t hold, old;
    sigfillset(&hold);
    static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        sigdelset(&hold, faults[i]);
    /* The signals are held off before the thread is marked as resolving: a handler that ran
     * after the mark would find its wrappers' real functions unset and, seeing the mark, not
     * look them up (a NULL call). One that ran before the hold did the whole lookup itself,
     * which the check below sees. glibc's own signals (cancellation, set*id) stay
     * deliverable: pthread_sigmask drops them. */
    bool held = pthread_sigmask(SIG_BLOCK, &hold, &old) == 0;
    if (!atomic_load_explicit(&resolved, memory_order_acquire)) {
        resolving = true;
        bool versioned = old_dlsym();
#define SW_REAL_RESOLVE(ret, name, params) sw_real.name = (ret(*) params)next(#name, versioned);
        SW_REAL_FUNCS(SW_REAL_RESOLVE)
#undef SW_REAL_RESOLVE
        atomic_store_explicit(&resolved, true, memory_order_release);
        resolving = false;
    }
    if (held)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
}

void sw_real_early(void)
{
    if (atomic_load_explicit(&resolved, memory_order_acquire))
        return;
    int saved = errno;
#define SW_REAL_EARLY(ret, name, params)                                                           \
    if (strcmp(#name, "fstat") == 0 || strcmp(#name, "sigaction") == 0)                            \
        sw_real.name = (ret(*) params)next(#name, false);
    SW_REAL_FUNCS(SW_REAL_EARLY)
#undef SW_REAL_EARLY
    errno = saved;
}

void sw_real_ensure(void)
{
    if (!atomic_load_explicit(&resolved, memory_order_acquire))
        sw_real_init();
}

struct sw_real *sw_real_get(void)
{
    sw_real_init();
    return &sw_real;
}
