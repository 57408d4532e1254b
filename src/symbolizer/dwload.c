/* Loading libdw on first use: dlopen("libdw.so.1") and one dlsym per function of the table.
 * Symbolization worker thread only (the first job of a process: a warm-up or a report).
 *
 * The dynamic loader has two locks, and a program thread may hold either: the load lock (a
 * stall inside a library constructor, during the program's own dlopen) or the write lock (a
 * stall inside a dl_iterate_phdr callback). dlopen takes the load lock and then, to add the
 * new objects, the write lock: waiting there for a stalled callback would hold the load lock
 * all along, and every dlsym, dlopen or exit() of the program would hang behind us. So the
 * worker first waits for the write lock alone, holding nothing, in a dl_iterate_phdr of its
 * own, and calls dlopen right after (a program thread would have to enter a callback and
 * stall in the microseconds between). Meanwhile the watchdog does not wait for the load for
 * long (sw_dw_loaded), so the reports made meanwhile carry raw frames; the load completes
 * once the locks are free.
 *
 * A dlopen that failed is tried again at the next job: the failure may be passing (the
 * program had used up its descriptors). A libdw without one of our functions is not. */
#define SW_DW_NO_MACROS
#include "symbolizer/dwload.h"

#include <dlfcn.h>
#include <link.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

#define LIBDW_SONAME "libdw.so.1"

struct sw_dw sw_dw;

enum { NOT_TRIED, LOADED, FAILED, UNUSABLE };
static _Atomic int state; /* read by the watchdog (sw_dw_loaded) */
static char error[256];

static int fail(const char *what, const char *detail, int how)
{
    struct sw_buf b;
    sw_buf_init(&b, error, sizeof error);
    sw_buf_puts(&b, what);
    sw_buf_puts(&b, ": ");
    sw_buf_puts(&b, detail != NULL ? detail : "unknown error");
    atomic_store_explicit(&state, how, memory_order_release);
    return -1;
}

static int wait_for_write_lock(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)info;
    (void)size;
    (void)arg;
    return 1; /* the first object is enough: the lock was ours, now it is free */
}

int sw_dw_load(void)
{
    int st = atomic_load_explicit(&state, memory_order_relaxed);
    if (st == LOADED)
        return 0;
    if (st == UNUSABLE)
        return -1;
    dl_iterate_phdr(wait_for_write_lock, NULL);
    /* Never unloaded: frames and modules keep pointing into it. RTLD_LOCAL keeps its symbols
     * out of the program's lookups; RTLD_NOW resolves them all here, not at stall time. */
    void *h = dlopen(LIBDW_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return fail("dlopen " LIBDW_SONAME, dlerror(), FAILED);
#define SW_DW_RESOLVE(name)                                                                        \
    if ((*(void **)&sw_dw.name = dlsym(h, #name)) == NULL)                                         \
        return fail("dlsym " #name, dlerror(), UNUSABLE);
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
    int st = atomic_load_explicit(&state, memory_order_acquire);
    return st == FAILED || st == UNUSABLE ? error : NULL;
}
