/* The public API of include/stallwatch.h: heartbeat promises and timed regions. Any thread,
 * including signal handlers: each function stores into the calling thread's own slot and
 * nothing else (the watchdog notices the changes at its next look). */
#include <stdatomic.h>
#include <unistd.h>

#include "stallwatch.h"
#include "hook/api.h"
#include "hook/interpose.h"
#include "hook/registry.h"

static uint32_t default_ms;
static _Atomic bool active;
static _Atomic uint32_t min_timeout_ms;

/* Keeps the smallest timeout seen (races only ever lose a smaller value to a larger one for
 * one store, and the next promise corrects it). */
static void note_timeout(uint32_t ms)
{
    uint32_t cur = atomic_load_explicit(&min_timeout_ms, memory_order_relaxed);
    if (ms != 0 && (cur == 0 || ms < cur))
        atomic_store_explicit(&min_timeout_ms, ms, memory_order_relaxed);
}

uint32_t sw_api_min_timeout_ms(void)
{
    return atomic_load_explicit(&min_timeout_ms, memory_order_relaxed);
}

void sw_api_init(uint64_t threshold_ns)
{
    uint64_t ms = threshold_ns / 1000000u;
    default_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    atomic_store(&active, true);
}

/* The calling thread's slot, claimed if the thread has none yet; NULL when nothing watches
 * (the shim is passive, or this is one of our own threads). */
static struct sw_slot *self(void)
{
    struct sw_slot *s = sw_self;
    if (s == &sw_slot_lazy || s == &sw_slot_deferred) {
        if (sw_in_program_handler() && !sw_registry_watching())
            return NULL; /* the watching does not start inside a signal handler */
        sw_real_ensure();
        s = sw_registry_self();
    }
    return s == &sw_slot_internal || !atomic_load_explicit(&active, memory_order_relaxed) ? NULL
                                                                                          : s;
}

SW_EXPORT void stallwatch__heartbeat(unsigned timeout_ms)
{
    struct sw_slot *s = self();
    if (s == NULL)
        return;
    uint32_t ms = timeout_ms != 0 ? timeout_ms : default_ms;
    note_timeout(ms);
    /* The count first, the timeout last (release): a watchdog that reads this timeout also
     * reads this count, so it never pairs a new timeout with the old promise's start. */
    atomic_fetch_add_explicit(&s->hb_count, 1, memory_order_relaxed);
    atomic_store_explicit(&s->hb_timeout_ms, ms, memory_order_release);
}

SW_EXPORT void stallwatch__heartbeat_stop(void)
{
    struct sw_slot *s = self();
    if (s == NULL)
        return;
    atomic_fetch_add_explicit(&s->hb_count, 1, memory_order_relaxed);
    atomic_store_explicit(&s->hb_timeout_ms, 0, memory_order_release);
}

SW_EXPORT void stallwatch__scope_begin(const char *what, unsigned timeout_ms)
{
    struct sw_slot *s = self();
    if (s == NULL)
        return;
    uint32_t d = atomic_load_explicit(&s->scope_depth, memory_order_relaxed);
    if (d < SW_SCOPES_MAX) {
        struct sw_scope *sc = &s->scope[d];
        sc->what = what;
        sc->timeout_ms = timeout_ms != 0 ? timeout_ms : default_ms;
        note_timeout(sc->timeout_ms);
        /* Never 0, so a fresh slot's zeroed scopes never look like a region. */
        if (++s->scope_next == 0)
            s->scope_next = 1;
        atomic_store_explicit(&sc->seq, s->scope_next, memory_order_release);
    }
    atomic_store_explicit(&s->scope_depth, d + 1, memory_order_release);
}

SW_EXPORT void stallwatch__scope_end(void)
{
    struct sw_slot *s = self();
    if (s == NULL)
        return;
    uint32_t d = atomic_load_explicit(&s->scope_depth, memory_order_relaxed);
    if (d > 0)
        atomic_store_explicit(&s->scope_depth, d - 1, memory_order_release);
}

SW_EXPORT int stallwatch__active(void)
{
    return atomic_load_explicit(&active, memory_order_relaxed) ? 1 : 0;
}
