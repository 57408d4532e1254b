/* The registry and the facts that cost I/O, as the decisions of core/episode.c see them, and
 * the scan that feeds those decisions. Watchdog thread only. */
#include "watchdog/world.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "hook/registry.h"
#include "watchdog/owner.h"
#include "watchdog/procinfo.h"
#include "watchdog/tidmap.h"

bool sw_world_read_slot(struct sw_slot *s, uint64_t *word, uintptr_t *obj)
{
    uint64_t w1 = atomic_load_explicit(&s->word, memory_order_acquire);
    uintptr_t o = atomic_load_explicit(&s->obj, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    uint64_t w2 = atomic_load_explicit(&s->word, memory_order_relaxed);
    *word = w2;
    *obj = o;
    return w1 == w2;
}

static unsigned capacity(void *ctx)
{
    (void)ctx;
    return sw_registry_capacity();
}

static struct sw_episode *episode(void *ctx, unsigned idx)
{
    (void)ctx;
    return &sw_registry_at(idx)->ep;
}

/* A look at slot s (index idx), live or (exited: true) left EXITED by a thread the watchdog
 * held. */
static inline bool look_slot(struct sw_slot *s, unsigned idx, struct sw_obs *o, bool exited)
{
    uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);
    if (!(exited ? st == SW_SLOT_EXITED || sw_slot_live(st) : sw_slot_live(st)))
        return false;
    o->exited = st == SW_SLOT_EXITED;
    o->idx = idx;
    o->gen = atomic_load_explicit(&s->gen, memory_order_acquire);
    o->tid = atomic_load_explicit(&s->tid, memory_order_acquire);
    return o->tid != 0 && sw_world_read_slot(s, &o->word, &o->obj);
}

static bool look(void *ctx, unsigned idx, struct sw_obs *o)
{
    (void)ctx;
    return look_slot(sw_registry_at(idx), idx, o, false);
}

static void hold(void *ctx, unsigned idx, uint32_t gen, bool held)
{
    (void)ctx;
    sw_registry_hold(sw_registry_at(idx), gen, held);
}

static void scopes(void *ctx, unsigned idx, unsigned n, struct sw_api_obs *api)
{
    (void)ctx;
    struct sw_slot *s = sw_registry_at(idx);
    for (unsigned i = 0; i < n; i++) {
        api->seq[i] = atomic_load_explicit(&s->scope[i].seq, memory_order_acquire);
        api->timeout_ms[i] = s->scope[i].timeout_ms;
    }
}

static enum sw_class classify(void *ctx, enum sw_call call, uintptr_t obj)
{
    (void)ctx;
    if (sw_calls[call].cls == SW_CLASS_FD)
        return sw_proc_fd_class((int)obj);
    char path[1024];
    if (sw_proc_read_string(obj, path, sizeof path) < 0)
        return SW_CLASS_DISK;
    return sw_proc_path_class(AT_FDCWD, path);
}

static int name(void *ctx, pid_t tid, char *out, size_t cap)
{
    (void)ctx;
    return sw_proc_comm(tid, out, cap);
}

/* CPU time of a thread of ours, from its per-thread CPU clock (no /proc). */
static int cpu_ns(void *ctx, pid_t tid, uint64_t *ns)
{
    (void)ctx;
    /* The clock id glibc's pthread_getcpuclockid builds: per-thread, CPUCLOCK_SCHED. */
    clockid_t clk = (clockid_t)((~(unsigned)tid << 3) | 6);
    struct timespec t;
    if (clock_gettime(clk, &t) != 0)
        return -1;
    *ns = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
    return 0;
}

static pid_t owner(void *ctx, pid_t waiter, enum sw_call call, uintptr_t obj)
{
    (void)ctx;
    pid_t tid = sw_owner_thread(waiter, call, obj);
    unsigned idx;
    return tid != 0 && sw_tidmap_find(tid, &idx) ? tid : 0;
}

/* The kernel fallback's look: /proc/self/task/TID/syscall, and the state letter when asked. */
static int kernel(void *ctx, pid_t tid, bool want_state, struct sw_klook *out)
{
    (void)ctx;
    uint64_t sp, pc;
    memset(out, 0, sizeof *out);
    int r = sw_proc_syscall_args(tid, &out->nr, out->args, &sp, &pc);
    if (r == -EAGAIN)
        return 0; /* running */
    if (r != 0)
        return r;
    out->blocked = out->nr >= 0;
    if (want_state && out->blocked)
        sw_proc_state(tid, &out->state);
    return 0;
}

static const struct sw_world world = {
    .capacity = capacity,
    .episode = episode,
    .look = look,
    .scopes = scopes,
    .classify = classify,
    .name = name,
    .cpu_ns = cpu_ns,
    .owner = owner,
    .kernel = kernel,
    .hold = hold,
};

const struct sw_world *sw_world(void)
{
    return &world;
}

#define PREFETCH_AHEAD 4

void sw_world_scan(struct sw_episodes *E)
{
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++) {
        /* A scan is bound by cache misses (the slots are cold after a period): ask for the
         * three lines an idle slot needs a few slots ahead, so their misses overlap. */
        if (i + PREFETCH_AHEAD < cap) {
            const struct sw_slot *ahead = sw_registry_at(i + PREFETCH_AHEAD);
            __builtin_prefetch(&ahead->word);
            __builtin_prefetch(&ahead->state);
            __builtin_prefetch(&ahead->ep, 1);
        }
        struct sw_slot *s = sw_registry_at(i);
        struct sw_obs o;
        if (!look_slot(s, i, &o, true))
            continue;
        /* Timeout first: see look_at_api in core/episode.c. */
        struct sw_api_obs api;
        api.hb_timeout_ms = atomic_load_explicit(&s->hb_timeout_ms, memory_order_acquire);
        api.hb_count = atomic_load_explicit(&s->hb_count, memory_order_relaxed);
        api.depth = atomic_load_explicit(&s->scope_depth, memory_order_acquire);
        sw_episodes_look(E, &s->ep, &o, &api);
    }
}
