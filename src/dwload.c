/* Loading libdw on first use: dlopen("libdw.so.1") and one dlsym per function of the table.
 * Symbolization worker thread only (the first job of a process: a warm-up or a report).
 *
 * The dynamic loader takes its lock here, which a program thread may hold (a stall inside a
 * dl_iterate_phdr callback or a library constructor): the worker then waits, the watchdog
 * does not wait for it (sw_dw_loaded), so the reports made meanwhile carry raw frames, and
 * the load completes once the lock is free. A load that failed is tried again at the next
 * job: the failure may be passing (the program had used up its descriptors). */
#define SW_DW_NO_MACROS
#include "dwload.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define LIBDW_SONAME "libdw.so.1"

struct sw_dw sw_dw;

enum { NOT_TRIED, LOADED, FAILED };
static _Atomic int state; /* read by the watchdog (sw_dw_loaded) */
static char error[256];

static int fail(const char *what, const char *detail)
{
    struct sw_buf b;
    sw_buf_init(&b, error, sizeof error);
    sw_buf_puts(&b, what);
    sw_buf_puts(&b, ": ");
    sw_buf_puts(&b, detail != NULL ? detail : "unknown error");
    atomic_store_explicit(&state, FAILED, memory_order_release);
    return -1;
}

int sw_dw_load(void)
{
    if (atomic_load_explicit(&state, memory_order_relaxed) == LOADED)
        return 0;
    /* Never unloaded: frames and modules keep pointing into it. RTLD_LOCAL keeps its symbols
     * out of the program's lookups; RTLD_NOW resolves them all here, not at stall time. */
    void *h = dlopen(LIBDW_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return fail("dlopen " LIBDW_SONAME, dlerror());
#define SW_DW_RESOLVE(name)                                                                        \
    if ((*(void **)&sw_dw.name = dlsym(h, #name)) == NULL)                                         \
        return fail("dlsym " #name, dlerror());
    SW_DW_FUNCS(SW_DW_RESOLVE)
#undef SW_DW_RESOLVE
    atomic_store_explicit(&state, LOADED, memory_order_release);
    return 0;
}

bool sw_dw_loaded(void)
{
    return atomic_load_explicit(&state, memory_order_acquire) == LOADED;
}

const char *sw_dw_error(void)
{
    return atomic_load_explicit(&state, memory_order_acquire) == FAILED ? error : NULL;
}
