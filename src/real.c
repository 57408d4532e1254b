/* Resolution of the real functions behind our wrappers. Any thread; runs once in the
 * constructor, or earlier from the first wrapper if another library's constructor calls one.
 * glibc >= 2.36 returns each symbol's default version from dlsym(RTLD_NEXT) (BZ#14932), so
 * pthread_cond_* resolve to the current condvar; dlvsym is tried first for them so older
 * glibc does not hand back the pre-2.3.2 ones. */
#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

struct sw_real sw_real;
static _Atomic bool resolved;

static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static void *next_cond(const char *name)
{
    void *p = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");
    return p != NULL ? p : dlsym(RTLD_NEXT, name);
}

void sw_real_init(void)
{
    int saved = errno;
#define SW_REAL_RESOLVE(ret, name, params)                                                         \
    sw_real.name = (ret(*) params)(strncmp(#name, "pthread_cond_", 13) == 0 ? next_cond(#name)     \
                                                                            : next(#name));
    SW_REAL_FUNCS(SW_REAL_RESOLVE)
#undef SW_REAL_RESOLVE
    atomic_store_explicit(&resolved, true, memory_order_release);
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
