/* The watchdog's decisions (see episode.h). Pure: every fact beyond the looks it is given
 * comes through the injected world, every time through the caller. Watchdog thread and unit
 * tests. */
#include "core/episode.h"

#include <string.h>

#include "core/diagnose.h"
#include "core/watch.h"

#define MS 1000000ull

enum stage {
    ST_WARM,
    ST_RECOVERED,
    ST_DEADLOCKS_FIND,
    ST_DEADLOCKS,
    ST_CANDS,
    ST_SUMMARY,
    ST_END,
};

static enum sw_call call_of(uint64_t word)
{
    return (enum sw_call)(word & SW_CALL_MASK);
}

/* Calls whose wait has an owner the world can name: locks, joins (the thread joined) and the
 * loader's lock (its holder, from the futex the thread waits on). The edges of the wait-for
 * graph. */
static bool waits_on_owned_lock(enum sw_call call)
{
    switch (call) {
    case SW_CALL_PTHREAD_JOIN:
    case SW_CALL_PTHREAD_TIMEDJOIN_NP:
    case SW_CALL_PTHREAD_CLOCKJOIN_NP:
    case SW_CALL_THRD_JOIN:
    case SW_CALL_DLOPEN:
    case SW_CALL_DLMOPEN:
    case SW_CALL_DLCLOSE:
    case SW_CALL_PTHREAD_MUTEX_LOCK:
    case SW_CALL_PTHREAD_MUTEX_TIMEDLOCK:
    case SW_CALL_PTHREAD_MUTEX_CLOCKLOCK:
    case SW_CALL_MTX_LOCK:
    case SW_CALL_MTX_TIMEDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_RDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_WRLOCK:
    case SW_CALL_PTHREAD_RWLOCK_TIMEDRDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_TIMEDWRLOCK:
    case SW_CALL_PTHREAD_RWLOCK_CLOCKRDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_CLOCKWRLOCK:
        return true;
    default:
        return false;
    }
}

static struct sw_episode *episode(const struct sw_episodes *E, unsigned idx)
{
    return E->world->episode(E->world->ctx, idx);
}

/* The class of a call, asking the world for calls on descriptors and paths. */
static enum sw_class class_of(const struct sw_episodes *E, enum sw_call call, uintptr_t obj)
{
    uint8_t cls = sw_calls[call].cls;
    if (cls == SW_CLASS_FD || cls == SW_CLASS_PATH)
        return E->world->classify(E->world->ctx, call, obj);
    return (enum sw_class)cls;
}

static void read_name(const struct sw_episodes *E, pid_t tid, char *name)
{
    if (E->world->name(E->world->ctx, tid, name, SW_NAME_MAX) != 0)
        name[0] = '\0';
}

bool sw_episodes_unwatched_name(const struct sw_episodes *E, const char *name, pid_t tid)
{
    bool is_main = tid == E->pid;
    return (E->cfg->watch.n != 0 && !sw_globs_match(&E->cfg->watch, name, is_main)) ||
           sw_globs_match(&E->cfg->ignore, name, is_main);
}

/* Settles, once per episode, the class and threshold that apply to the thread. Outside any
 * call only heartbeat threads (no call completed for THRESHOLD) and, with STALLWATCH_BUSY,
 * threads on the CPU can stall. The name costs I/O: it is read here only when a setting
 * matches names, else once the episode can be reported, or when a report needs it
 * (subject_of): 1,000 idle threads would otherwise cost 1,000 reads each time they pass half
 * a threshold. */
static void decide(const struct sw_episodes *E, struct sw_episode *ep, pid_t tid, uint64_t word,
                   uintptr_t obj)
{
    const struct sw_config *cfg = E->cfg;
    bool by_name = cfg->heartbeat.n != 0 || cfg->watch.n != 0 || cfg->ignore.n != 0;
    ep->name[0] = '\0';
    if (by_name)
        read_name(E, tid, ep->name);
    bool heartbeat = sw_globs_match(&cfg->heartbeat, ep->name, tid == E->pid);
    bool watched = !sw_episodes_unwatched_name(E, ep->name, tid);
    enum sw_call call = call_of(word);
    enum sw_class cls = call != SW_CALL_NONE ? class_of(E, call, obj)
                        : heartbeat          ? SW_CLASS_HEARTBEAT
                                             : SW_CLASS_BUSY;
    ep->cls = (uint8_t)cls;
    ep->obj = obj;
    ep->unwatched = !watched;
    ep->threshold_ns = cls == SW_CLASS_HEARTBEAT
                           ? (watched ? cfg->threshold_ns : 0)
                           : sw_watch_threshold_ns(cfg, cls, heartbeat, watched);
    if (!by_name && ep->threshold_ns != 0)
        read_name(E, tid, ep->name);
    ep->decided = 1;
}

/* A thread as a report's subject, with its name: read now if decide() left it unread (a
 * thread in a class that is off can still be in a deadlock, a promise, a group). */
static struct sw_subject subject_of(const struct sw_episodes *E, unsigned idx, uint32_t gen,
                                    pid_t tid, uint64_t word, uintptr_t obj, enum sw_class cls,
                                    uint64_t waited)
{
    struct sw_episode *ep = episode(E, idx);
    if (ep->name[0] == '\0')
        read_name(E, tid, ep->name);
    bool kernel = ep->k_on && word == ep->k_word && call_of(word) != SW_CALL_NONE;
    return (struct sw_subject){idx,    gen,
                               tid,    word,
                               obj,    cls,
                               waited, ep->name[0] != '\0' ? ep->name : NULL,
                               kernel, kernel ? ep->k_signal : 0};
}

/* The episode's call and object as reports show them: the kernel's wait, when one is seen. */
static uint64_t shown_word(const struct sw_episode *ep)
{
    return ep->k_on ? ep->k_word : ep->word;
}

static uintptr_t shown_obj(const struct sw_episode *ep)
{
    return ep->k_on ? ep->k_obj : ep->obj;
}

static void add_cand(struct sw_episodes *E, enum sw_plan_kind kind, struct sw_subject su,
                     uint32_t stall_report, uint64_t fingerprint, unsigned scope)
{
    if (E->ncands >= SW_CANDS_MAX)
        return; /* the rest stay candidates and come back at the next scan */
    E->cands[E->ncands++] = (struct sw_cand){kind, su, stall_report, fingerprint, scope};
}

/* STALLWATCH_BUSY: out of calls for the threshold and on the CPU for at least 90% of a recent
 * window between half and the whole threshold long. The window slides: two samples, the older
 * dropped each time the newer is half a threshold old. */
static bool busy_now(const struct sw_episodes *E, struct sw_episode *ep, pid_t tid, uint64_t waited)
{
    uint64_t now = E->now_ns, half = ep->threshold_ns / 2, cpu;
    if (waited < half || E->world->cpu_ns(E->world->ctx, tid, &cpu) != 0)
        return false;
    if (ep->busy_t0_ns == 0) {
        ep->busy_t0_ns = ep->busy_t1_ns = now;
        ep->busy_cpu0_ns = ep->busy_cpu1_ns = cpu;
        return false;
    }
    if (now - ep->busy_t1_ns >= half) {
        ep->busy_t0_ns = ep->busy_t1_ns;
        ep->busy_cpu0_ns = ep->busy_cpu1_ns;
        ep->busy_t1_ns = now;
        ep->busy_cpu1_ns = cpu;
    }
    uint64_t dt = now - ep->busy_t0_ns;
    return waited >= ep->threshold_ns && dt >= half && (cpu - ep->busy_cpu0_ns) * 10 >= dt * 9;
}

/* The heartbeat promise: armed at every beat, missed once its timeout passes without one. */
static void look_at_heartbeat(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o,
                              const struct sw_api_obs *api)
{
    uint64_t now = E->now_ns;
    if (api->hb_count != ep->hb_seen || ep->hb_first_ns == 0) {
        if (ep->hb_missed && ep->hb_report != 0)
            add_cand(E, SW_PLAN_HB_BACK,
                     subject_of(E, o->idx, o->gen, o->tid, o->word, o->obj, SW_CLASS_HEARTBEAT,
                                now - ep->hb_first_ns),
                     ep->hb_report, 0, 0);
        ep->hb_seen = api->hb_count;
        ep->hb_first_ns = now;
        ep->hb_missed = 0;
        ep->hb_report = 0;
    } else if (api->hb_timeout_ms != 0 && !ep->hb_missed &&
               now - ep->hb_first_ns >= (uint64_t)api->hb_timeout_ms * MS) {
        ep->hb_missed = 1;
        add_cand(E, SW_PLAN_HEARTBEAT,
                 subject_of(E, o->idx, o->gen, o->tid, o->word, o->obj, SW_CLASS_HEARTBEAT,
                            now - ep->hb_first_ns),
                 0, 0, 0);
    }
}

/* The open regions: each depth's sequence number names the region; a region that outlives its
 * timeout overran, and one whose sequence changes after that ended. */
static void look_at_scopes(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o,
                           const struct sw_api_obs *api)
{
    uint64_t now = E->now_ns;
    for (unsigned i = 0; i < SW_SCOPES_MAX; i++) {
        uint32_t seq = i < api->depth ? api->seq[i] : 0;
        uint8_t bit = (uint8_t)(1u << i);
        if (seq != ep->scope_seen[i]) {
            if ((ep->scope_missed & bit) && ep->scope_report[i] != 0)
                add_cand(E, SW_PLAN_SCOPE_DONE,
                         subject_of(E, o->idx, o->gen, o->tid, o->word, o->obj, SW_CLASS_SCOPE,
                                    now - ep->scope_first_ns[i]),
                         ep->scope_report[i], 0, i);
            ep->scope_seen[i] = seq;
            ep->scope_first_ns[i] = now;
            ep->scope_missed &= (uint8_t)~bit;
            ep->scope_report[i] = 0;
            continue;
        }
        uint64_t limit = (uint64_t)api->timeout_ms[i] * MS;
        if (seq != 0 && !(ep->scope_missed & bit) && limit != 0 &&
            now - ep->scope_first_ns[i] >= limit) {
            ep->scope_missed |= bit;
            add_cand(E, SW_PLAN_SCOPE,
                     subject_of(E, o->idx, o->gen, o->tid, o->word, o->obj, SW_CLASS_SCOPE,
                                now - ep->scope_first_ns[i]),
                     0, 0, i);
        }
    }
}

/* The API's promises, whatever the thread does. A thread that has made none (most) costs
 * nothing here, and its lines of bookkeeping below the first stay untouched. The counters
 * were read timeout first: stallwatch_heartbeat bumps the count, then stores the timeout
 * (release), so the count read after a timeout is at least that promise's (a new timeout
 * with the old count would time the new promise from the old one's start). */
static void look_at_api(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o,
                        const struct sw_api_obs *counters)
{
    if (!ep->api) {
        if (counters->hb_count == 0 && counters->hb_timeout_ms == 0 && counters->depth == 0)
            return;
        ep->api = 1;
    }
    struct sw_api_obs api = *counters;
    unsigned n = api.depth < SW_SCOPES_MAX ? api.depth : SW_SCOPES_MAX;
    if (n > 0)
        E->world->scopes(E->world->ctx, o->idx, n, &api);
    look_at_heartbeat(E, ep, o, &api);
    look_at_scopes(E, ep, o, &api);
}

void sw_episodes_init(struct sw_episodes *E, const struct sw_config *cfg,
                      const struct sw_world *world, pid_t pid, uint64_t now_ns)
{
    /* Field by field: the scan's arrays (most of the struct's megabyte) are written only as
     * far as a scan fills them, so an idle process never touches their pages (resident memory,
     * and the page tables every fork copies). */
    E->warmed = false;
    E->ncands = E->nwaiters = E->ncycles = 0;
    E->cfg = cfg;
    E->world = world;
    E->pid = pid;
    E->min_threshold_ns = sw_watch_min_threshold_ns(cfg);
    /* A cycle is reported once stable for STALLWATCH_DEADLOCK, never later than the lock
     * threshold would report its threads. */
    E->deadlock_ns = cfg->deadlock_ns;
    if (E->deadlock_ns != 0 && cfg->class_ns[SW_CLASS_LOCK] != 0 &&
        cfg->class_ns[SW_CLASS_LOCK] < E->deadlock_ns)
        E->deadlock_ns = cfg->class_ns[SW_CLASS_LOCK];
    /* The kernel fallback judges waits in the classes a system call can show; it looks once
     * a thread's CPU time has stood still for the smallest of their thresholds, sampled at a
     * quarter of it. */
    E->kernel_ns = 0;
    static const enum sw_class seen[] = {SW_CLASS_LOCK, SW_CLASS_DISK, SW_CLASS_PEER, SW_CLASS_WAIT,
                                         SW_CLASS_IDLE};
    for (unsigned i = 0; cfg->kernel_look && i < sizeof seen / sizeof seen[0]; i++)
        if (cfg->class_ns[seen[i]] != 0 &&
            (E->kernel_ns == 0 || cfg->class_ns[seen[i]] < E->kernel_ns))
            E->kernel_ns = cfg->class_ns[seen[i]];
    E->kernel_sample_ns = E->kernel_ns / 4;
    sw_rate_init(&E->rate, cfg->rate_per_min, now_ns);
    E->stage = ST_END;
}

uint64_t sw_episodes_base_period_ns(const struct sw_episodes *E)
{
    /* A cycle needs no finer clock than a fifth of its time (stable for 1 s: seen within
     * 1.2 s); at the thresholds' pace of a 25th, the default 1 s would make every scan of every
     * slot five times as frequent for nothing. With every threshold off the watchdog still
     * runs, at the slowest pace, for the API's promises. */
    uint64_t smallest = E->min_threshold_ns;
    if (E->deadlock_ns != 0 && (smallest == 0 || E->deadlock_ns * 5 < smallest))
        smallest = E->deadlock_ns * 5;
    return sw_watch_period_ns(smallest != 0 ? smallest : UINT64_MAX);
}

void sw_episodes_scan_begin(struct sw_episodes *E, uint64_t now_ns, uint64_t excess_ns, bool final)
{
    E->now_ns = now_ns;
    E->excess_ns = excess_ns;
    E->final = final;
    E->ncands = E->nwaiters = 0;
    E->stage = ST_WARM;
    E->pos = 0;
}

static void forgive(struct sw_episode *ep, uint64_t excess_ns)
{
    sw_watch_forgive(ep, excess_ns);
    if (ep->hb_first_ns != 0)
        ep->hb_first_ns += excess_ns;
    for (unsigned k = 0; k < SW_SCOPES_MAX; k++)
        if (ep->scope_first_ns[k] != 0)
            ep->scope_first_ns[k] += excess_ns;
    if (ep->k_still_ns != 0)
        ep->k_still_ns += excess_ns;
    if (ep->k_on)
        ep->k_since_ns += excess_ns;
}

/* ---- the kernel fallback --------------------------------------------------------------------- */

/* The wait seen in the kernel ended without a report of its own: the thread may be reported
 * again for the next one, though its slot's word has not changed. */
static void kernel_forget(struct sw_episode *ep)
{
    bool grouped = ep->reported && !ep->subject;
    ep->k_on = 0;
    if (grouped) {
        ep->reported = 0;
        ep->stall_report = 0;
    }
}

/* Whether the wait seen in the kernel still stands, once the thread's CPU time moved: our own
 * capture signal moves it, and so do a lock's spurious wake-ups; a thread back in the same
 * system call on the same object is still in the same wait. */
static bool kernel_still_waits(struct sw_episodes *E, struct sw_episode *ep, pid_t tid)
{
    struct sw_klook k, seen = {.blocked = true, .nr = ep->k_nr};
    seen.args[0] = ep->k_arg[0];
    seen.args[1] = ep->k_arg[1];
    return E->world->kernel(E->world->ctx, tid, false, &k) == 0 && sw_kernel_same(&seen, &k);
}

/* Looks in the kernel at a thread whose CPU time stood still for the fallback's threshold:
 * a wait is seen if it is blocked in a system call. A futex wait on a lock word is a lock only
 * if the word names a holder among our threads (other futex waits are waits, whatever the
 * word: condition variables and other languages' primitives use the same values). */
static void kernel_look(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o)
{
    const struct sw_config *cfg = E->cfg;
    struct sw_klook k;
    struct sw_kcall kc;
    ep->k_look_ns = E->now_ns + E->kernel_ns;
    if (E->world->kernel(E->world->ctx, o->tid, cfg->class_ns[SW_CLASS_DISK] != 0, &k) != 0 ||
        !sw_kernel_call(&k, &kc))
        return;
    enum sw_class cls = kc.cls;
    if (cls == SW_CLASS_FD || cls == SW_CLASS_PATH)
        cls = E->world->classify(E->world->ctx, kc.call, kc.obj);
    bool lock = kc.lock && E->world->owner(E->world->ctx, o->tid, kc.call, kc.obj) != 0;
    if (kc.lock && !lock)
        cls = SW_CLASS_WAIT;
    cls = sw_kernel_class(cls, k.state);
    ep->k_on = 1;
    ep->k_nr = k.nr;
    ep->k_arg[0] = k.args[0];
    ep->k_arg[1] = k.args[1];
    ep->k_since_ns = ep->k_still_ns;
    ep->k_word = (o->word & ~SW_CALL_MASK) | kc.call;
    ep->k_obj = kc.obj;
    ep->k_cls = (uint8_t)cls;
    ep->k_lock = lock;
    ep->k_signal = k.state == 'D' ? SW_KSIG_NEVER : (uint8_t)kc.signal;
    ep->k_threshold_ns = sw_watch_threshold_ns(cfg, cls, false, !ep->unwatched);
}

/* A thread outside every interposed call, not a heartbeat thread: its CPU time is sampled
 * every kernel_sample_ns; once it has stood still for the fallback's threshold the thread is
 * looked at in the kernel (at most once per that threshold while nothing is seen). A wait seen
 * lasts while the CPU time stands still (or the thread is back in the same wait after it
 * moved). Returns whether a wait is seen now. */
static bool look_outside(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o)
{
    if (E->now_ns < ep->k_next_ns)
        return ep->k_on;
    ep->k_next_ns = E->now_ns + E->kernel_sample_ns;
    uint64_t cpu;
    if (E->world->cpu_ns(E->world->ctx, o->tid, &cpu) != 0)
        return ep->k_on;
    if (ep->k_still_ns == 0 || cpu != ep->k_cpu_ns) {
        ep->k_cpu_ns = cpu;
        ep->k_still_ns = E->now_ns;
        if (ep->k_on && !(ep->reported && kernel_still_waits(E, ep, o->tid)))
            kernel_forget(ep);
        return ep->k_on;
    }
    /* Looked at by the sample before the one at the threshold, so that a wait in a class at
     * the fallback's threshold is due at the threshold, not up to a sample later. */
    if (!ep->k_on && E->now_ns - ep->k_still_ns + E->kernel_sample_ns >= E->kernel_ns &&
        E->now_ns >= ep->k_look_ns)
        kernel_look(E, ep, o);
    return ep->k_on;
}

/* ---- looks ----------------------------------------------------------------------------------- */

/* A subject of the episode, due as a stall, a repeat or the process's one warm-up, given its
 * threshold and wait. */
static void consider(struct sw_episodes *E, struct sw_episode *ep, struct sw_subject su,
                     uint64_t threshold_ns)
{
    if (ep->reported) {
        if (ep->subject && ep->next_repeat_ns != 0 && E->now_ns >= ep->next_repeat_ns)
            add_cand(E, SW_PLAN_REPEAT, su, ep->stall_report, ep->fingerprint, 0);
        return;
    }
    if (E->now_ns < ep->quiet_until_ns)
        return;
    if (su.waited_ns >= threshold_ns) {
        add_cand(E, SW_PLAN_STALL, su, 0, 0, 0);
    } else if (!E->warmed && su.waited_ns >= threshold_ns / 2) {
        /* Warm-up: symbolize this thread's stack now, so the symbolizer has read the
         * modules' debuginfo before the report at the threshold. */
        E->warmed = true;
        add_cand(E, SW_PLAN_WARM, su, 0, 0, 0);
    }
}

/* A thread in a call (or out of one) past half the smallest threshold: decides its episode
 * and collects it as a stall, a repeat or the process's one warm-up. */
static void look_at_wait(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o,
                         uint64_t waited)
{
    if (!ep->decided)
        decide(E, ep, o->tid, o->word, o->obj);
    if (ep->k_on) {
        if (ep->k_threshold_ns != 0)
            consider(E, ep,
                     subject_of(E, o->idx, o->gen, o->tid, ep->k_word, ep->k_obj,
                                (enum sw_class)ep->k_cls, E->now_ns - ep->k_since_ns),
                     ep->k_threshold_ns);
        return;
    }
    if (ep->threshold_ns == 0)
        return;
    if (call_of(o->word) == SW_CALL_NONE && ep->cls == SW_CLASS_BUSY &&
        !busy_now(E, ep, o->tid, waited))
        return;
    consider(E, ep,
             subject_of(E, o->idx, o->gen, o->tid, o->word, o->obj, (enum sw_class)ep->cls, waited),
             ep->threshold_ns);
}

/* The kernel fallback for a thread outside every interposed call that is not a heartbeat
 * thread; a lock wait seen there is an edge of the wait-for graph. */
static void look_in_kernel(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o)
{
    if (!ep->decided)
        decide(E, ep, o->tid, o->word, o->obj);
    if (ep->cls != SW_CLASS_BUSY || !look_outside(E, ep, o))
        return;
    if (ep->k_lock && E->deadlock_ns != 0 && E->nwaiters < SW_CANDS_MAX)
        E->waiters[E->nwaiters++] = (struct sw_waiter){
            o->idx, o->gen, o->tid, ep->k_word, ep->k_obj, E->now_ns - ep->k_since_ns};
}

/* The subject of a stall report is done with what it was reported in: it completed its call
 * (and may have exited since), or the wait the kernel showed ended. */
static bool subject_moved_on(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o)
{
    /* An exited thread waits for nothing, even if its last wait never changed its word (one
     * seen in the kernel, or none at all). */
    if (o->word != ep->word || o->exited)
        return true;
    if (!ep->k_on)
        return false;
    uint64_t cpu;
    if (E->world->cpu_ns(E->world->ctx, o->tid, &cpu) != 0 || cpu == ep->k_cpu_ns)
        return false;
    ep->k_cpu_ns = cpu;
    return !kernel_still_waits(E, ep, o->tid);
}

void sw_episodes_look(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o,
                      const struct sw_api_obs *api)
{
    if (E->excess_ns != 0)
        forgive(ep, E->excess_ns);
    /* The subject of a stall report moved on: recovered. Its slot is let go once the report
     * is written (sw_episodes_done). */
    bool subject = ep->gen == o->gen && ep->subject && ep->stall_report != 0;
    if (subject && subject_moved_on(E, ep, o)) {
        add_cand(E, SW_PLAN_RECOVERED,
                 subject_of(E, o->idx, o->gen, o->tid, shown_word(ep), shown_obj(ep),
                            (enum sw_class)(ep->k_on ? ep->k_cls : ep->cls),
                            E->now_ns - (ep->k_on ? ep->k_since_ns : ep->first_ns)),
                 ep->stall_report, ep->fingerprint, 0);
        if (o->exited)
            return;
    }
    if (o->exited) {
        E->world->hold(E->world->ctx, o->idx, o->gen, false);
        return;
    }
    uint64_t waited = sw_watch_observe(ep, o->gen, o->word, E->now_ns);
    look_at_api(E, ep, o, api);
    if (waited != 0 && E->kernel_ns != 0 && call_of(o->word) == SW_CALL_NONE && !subject)
        look_in_kernel(E, ep, o);
    /* Edges are timed from the first look, like waits, so a cycle whose edges are stable for
     * the lock threshold is seen no later than its threads' stalls. */
    if (E->deadlock_ns != 0 && waits_on_owned_lock(call_of(o->word)) && E->nwaiters < SW_CANDS_MAX)
        E->waiters[E->nwaiters++] =
            (struct sw_waiter){o->idx, o->gen, o->tid, o->word, o->obj, waited};
    if (waited == 0 || (waited < E->min_threshold_ns / 2 && !ep->k_on))
        return;
    look_at_wait(E, ep, o, waited);
}

/* ---- deadlocks ----------------------------------------------------------------------------- */

/* Each waiter's owner, and since when it is the same; the wait-for graph of every edge
 * (edge_ok says which have held for STALLWATCH_DEADLOCK). */
static void build_graph(struct sw_episodes *E)
{
    uint64_t now = E->now_ns;
    for (unsigned i = 0; i < E->nwaiters; i++) {
        struct sw_waiter *wt = &E->waiters[i];
        struct sw_episode *ep = episode(E, wt->idx);
        pid_t owner = E->world->owner(E->world->ctx, wt->tid, call_of(wt->word), wt->obj);
        if (owner != ep->edge_owner) {
            ep->edge_owner = owner;
            ep->edge_since_ns = now;
        }
        E->next_node[i] = -1;
        E->in_cycle[i] = false;
    }
    for (unsigned i = 0; i < E->nwaiters; i++) {
        struct sw_episode *ep = episode(E, E->waiters[i].idx);
        E->edge_ok[i] = now - ep->edge_since_ns >= E->deadlock_ns;
        if (ep->edge_owner == 0)
            continue;
        for (unsigned j = 0; j < E->nwaiters; j++) {
            if (E->waiters[j].tid == ep->edge_owner) {
                E->next_node[i] = (int)j;
                break;
            }
        }
    }
}

/* A cycle is a deadlock when every edge has held for STALLWATCH_DEADLOCK, or when one of its
 * threads is due as a stall now (its wait reached the lock threshold) and every edge was seen
 * at an earlier look too: a cycle that still stands when a member's stall is due is reported
 * as the deadlock it is, not as that member's stall (the members' waits start at different
 * looks, so their edges do not all turn stable in the same scan: seen under valgrind, where
 * the second waiter came 20 ms later). An edge seen for the first time is not enough (a
 * member only passing through a timed lock). */
static bool cycle_is_deadlock(struct sw_episodes *E, const unsigned *cycle, unsigned len)
{
    uint64_t lock_ns = E->cfg->class_ns[SW_CLASS_LOCK];
    bool stable = true, due = false, seen_before = true;
    for (unsigned k = 0; k < len; k++) {
        stable = stable && E->edge_ok[cycle[k]];
        due = due || (lock_ns != 0 && E->waiters[cycle[k]].waited_ns >= lock_ns);
        seen_before = seen_before &&
                      episode(E, E->waiters[cycle[k]].idx)->edge_since_ns < E->now_ns;
    }
    return stable || (due && seen_before);
}

/* Keeps the cycle through waiter i if it is new: no member reported already or left out by
 * STALLWATCH_WATCH/IGNORE. Its members are marked either way, so each cycle is judged once. */
static void keep_if_fresh(struct sw_episodes *E, const unsigned *cycle, unsigned len,
                          unsigned *used)
{
    bool fresh = true;
    for (unsigned k = 0; k < len; k++) {
        struct sw_waiter *wt = &E->waiters[cycle[k]];
        struct sw_episode *ep = episode(E, wt->idx);
        if (!ep->decided)
            decide(E, ep, wt->tid, wt->word, wt->obj);
        fresh = fresh && !E->in_cycle[cycle[k]] && ep->stall_report == 0 && !ep->unwatched;
        E->in_cycle[cycle[k]] = true;
    }
    if (!fresh || *used + len > SW_CANDS_MAX)
        return;
    memcpy(&E->cycles[*used], cycle, len * sizeof *cycle);
    E->cycle_len[E->ncycles++] = len;
    *used += len;
}

/* The cycles whose every edge has held for the deadlock time, through threads not reported
 * yet. Cycles of a graph where each node has one edge out never share a node, so they are
 * all found before any is reported. */
static void find_cycles(struct sw_episodes *E)
{
    E->ncycles = 0;
    if (E->deadlock_ns == 0 || E->nwaiters == 0)
        return;
    build_graph(E);
    unsigned used = 0;
    for (unsigned i = 0; i < E->nwaiters; i++) {
        unsigned cycle[SW_CYCLE_MAX];
        if (E->in_cycle[i] || episode(E, E->waiters[i].idx)->stall_report != 0)
            continue;
        unsigned len = sw_find_cycle(E->next_node, E->nwaiters, i, cycle, SW_CYCLE_MAX);
        if (len != 0 && cycle_is_deadlock(E, cycle, len))
            keep_if_fresh(E, cycle, len, &used);
    }
}

static void plan_deadlock(struct sw_episodes *E, unsigned k, unsigned start, struct sw_plan *p)
{
    unsigned len = E->cycle_len[k];
    for (unsigned m = 0; m < len; m++) {
        struct sw_waiter *wt = &E->waiters[E->cycles[start + m]];
        struct sw_episode *ep = episode(E, wt->idx);
        E->members[m] = subject_of(E, wt->idx, wt->gen, wt->tid, wt->word, wt->obj,
                                   (enum sw_class)ep->cls, wt->waited_ns);
        E->owners[m] = ep->edge_owner;
    }
    p->kind = SW_PLAN_DEADLOCK;
    p->members = E->members;
    p->nmembers = len;
    p->owners = E->owners;
    p->allowed = sw_rate_take(&E->rate, E->now_ns);
}

/* ---- stalls -------------------------------------------------------------------------------- */

/* The open stall report a new candidate can join: same call on the same object. */
static uint32_t open_report_for(const struct sw_episodes *E, const struct sw_subject *su)
{
    if (call_of(su->word) == SW_CALL_NONE)
        return 0;
    unsigned cap = E->world->capacity(E->world->ctx);
    for (unsigned i = 0; i < cap; i++) {
        struct sw_episode *ep = episode(E, i);
        struct sw_obs o;
        if (i == su->idx || !ep->subject || ep->stall_report == 0 ||
            call_of(shown_word(ep)) != call_of(su->word) || shown_obj(ep) != su->obj)
            continue;
        if (E->world->look(E->world->ctx, i, &o) && o.word == ep->word)
            return ep->stall_report;
    }
    return 0;
}

/* The threads that wait with the stall's subject: every other thread in the same call on the
 * same object, past its threshold or not (they queue behind the same stall); for calls
 * without an object, the other candidates in the same call. */
static unsigned select_members(struct sw_episodes *E, const struct sw_cand *first, bool by_object)
{
    const struct sw_subject *su = &first->su;
    enum sw_call call = call_of(su->word);
    unsigned n = 0;
    E->members[n++] = *su;
    unsigned cap = by_object ? E->world->capacity(E->world->ctx) : 0;
    for (unsigned i = 0; i < cap && n < SW_CANDS_MAX; i++) {
        struct sw_episode *ep = episode(E, i);
        struct sw_obs o;
        if (i == su->idx || ep->reported || !E->world->look(E->world->ctx, i, &o) ||
            call_of(o.word) != call || o.obj != su->obj)
            continue;
        bool tracked = ep->word == o.word && ep->gen == o.gen;
        uint64_t waited = tracked && ep->first_ns != 0 ? E->now_ns - ep->first_ns : 0;
        if (tracked && !ep->decided)
            decide(E, ep, o.tid, o.word, o.obj);
        if (tracked && ep->unwatched)
            continue;
        E->members[n++] = subject_of(E, i, o.gen, o.tid, o.word, o.obj, su->cls, waited);
    }
    /* Waits seen in the kernel are not in their slots' words: they join from the candidates
     * (kernel-seen ones are candidates only past their threshold). */
    for (unsigned i = 0; (!by_object || su->kernel) && i < E->ncands && n < SW_CANDS_MAX; i++) {
        const struct sw_cand *c = &E->cands[i];
        if (c != first && c->kind == SW_PLAN_STALL && !episode(E, c->su.idx)->reported &&
            call_of(c->su.word) == call && (!by_object || (c->su.kernel && c->su.obj == su->obj)))
            E->members[n++] = c->su;
    }
    return n;
}

/* A stall candidate becomes a plan unless it is taken care of already: it joined an earlier
 * group in this scan, or an open report of the same call on the same object, which it joins
 * silently (it shows up in that stall's still-stalled counts). */
static bool plan_stall(struct sw_episodes *E, const struct sw_cand *c, struct sw_plan *p)
{
    struct sw_episode *ep = episode(E, c->su.idx);
    if (ep->reported)
        return false;
    uint32_t open = open_report_for(E, &c->su);
    if (open != 0) {
        ep->reported = 1;
        ep->stall_report = open;
        return false;
    }
    enum sw_call call = call_of(c->su.word);
    p->kind = SW_PLAN_STALL;
    p->by_object = c->su.obj != 0 && sw_calls[call].objkind != SW_OBJ_NONE;
    p->allowed = sw_rate_take(&E->rate, E->now_ns);
    p->nmembers = select_members(E, c, p->by_object);
    p->members = E->members;
    return true;
}

/* A still-stalled report is due: the back-off moves on whether or not the rate limit lets it
 * through; the plan counts the threads still stalled with the subject. */
static void plan_repeat(struct sw_episodes *E, const struct sw_cand *c, struct sw_plan *p)
{
    struct sw_episode *ep = episode(E, c->su.idx);
    ep->repeats++;
    ep->next_repeat_ns = E->now_ns + sw_policy_repeat_delay_ns(E->cfg->repeat_ns, ep->repeats);
    p->kind = SW_PLAN_REPEAT;
    p->allowed = sw_rate_take(&E->rate, E->now_ns);
    p->stall_report = ep->stall_report;
    p->fingerprint = ep->fingerprint;
    E->members[0] = c->su;
    p->members = E->members;
    p->nmembers = 1;
    unsigned count = 0, cap = E->world->capacity(E->world->ctx);
    for (unsigned i = 0; i < cap; i++) {
        struct sw_episode *other = episode(E, i);
        struct sw_obs o;
        if (other->stall_report != ep->stall_report || !E->world->look(E->world->ctx, i, &o) ||
            o.word != other->word)
            continue;
        if (count < SW_REPORT_TIDS_MAX)
            E->tids[count] = o.tid;
        count++;
    }
    p->count = count > 1 ? count : 0;
    p->tids = E->tids;
    p->ntids = count > 1 ? (count < SW_REPORT_TIDS_MAX ? count : SW_REPORT_TIDS_MAX) : 0;
}

/* A promise missed or kept late. A kept-late promise is about the promise, not about whatever
 * call the thread is in now. */
static void plan_promise(struct sw_episodes *E, const struct sw_cand *c, struct sw_plan *p)
{
    p->kind = c->kind;
    p->allowed = sw_rate_take(&E->rate, E->now_ns);
    p->stall_report = c->stall_report;
    p->scope = c->scope;
    E->members[0] = c->su;
    if (c->kind == SW_PLAN_HB_BACK || c->kind == SW_PLAN_SCOPE_DONE) {
        E->members[0].word &= ~SW_CALL_MASK;
        E->members[0].obj = 0;
    }
    p->members = E->members;
    p->nmembers = 1;
}

static void plan_one(struct sw_episodes *E, const struct sw_cand *c, struct sw_plan *p)
{
    p->kind = c->kind;
    p->stall_report = c->stall_report;
    p->fingerprint = c->fingerprint;
    E->members[0] = c->su;
    p->members = E->members;
    p->nmembers = 1;
    p->allowed = c->kind == SW_PLAN_WARM || sw_rate_take(&E->rate, E->now_ns);
}

/* The next candidate of kind (any of the kinds planned in the candidates' stage when kind is
 * SW_PLAN_STALL) from E->pos on, as a plan. */
static bool next_cand(struct sw_episodes *E, enum sw_plan_kind kind, struct sw_plan *p)
{
    while (E->pos < E->ncands) {
        const struct sw_cand *c = &E->cands[E->pos++];
        if (kind != SW_PLAN_STALL) {
            if (c->kind == kind) {
                plan_one(E, c, p);
                return true;
            }
            continue;
        }
        switch (c->kind) {
        case SW_PLAN_STALL:
            if (plan_stall(E, c, p))
                return true;
            break;
        case SW_PLAN_REPEAT:
            plan_repeat(E, c, p);
            return true;
        case SW_PLAN_HEARTBEAT:
        case SW_PLAN_HB_BACK:
        case SW_PLAN_SCOPE:
        case SW_PLAN_SCOPE_DONE:
            plan_promise(E, c, p);
            return true;
        default:
            break;
        }
    }
    return false;
}

bool sw_episodes_next(struct sw_episodes *E, struct sw_plan *p)
{
    memset(p, 0, sizeof *p);
    for (;;) {
        switch (E->stage) {
        case ST_WARM:
        case ST_RECOVERED: {
            enum sw_plan_kind kind = E->stage == ST_WARM ? SW_PLAN_WARM : SW_PLAN_RECOVERED;
            if (!(E->final && kind == SW_PLAN_WARM) && next_cand(E, kind, p))
                return true;
            E->pos = 0;
            E->stage = E->final && kind == SW_PLAN_RECOVERED ? ST_END : E->stage + 1;
            break;
        }
        case ST_DEADLOCKS_FIND:
            find_cycles(E);
            E->stage = ST_DEADLOCKS;
            break;
        case ST_DEADLOCKS:
            if (E->pos < E->ncycles) {
                unsigned start = 0;
                for (unsigned k = 0; k < E->pos; k++)
                    start += E->cycle_len[k];
                plan_deadlock(E, E->pos++, start, p);
                return true;
            }
            E->pos = 0;
            E->stage = ST_CANDS;
            break;
        case ST_CANDS:
            if (next_cand(E, SW_PLAN_STALL, p))
                return true;
            E->stage = ST_SUMMARY;
            break;
        case ST_SUMMARY:
            E->stage = ST_END;
            p->suppressed = sw_rate_summary_due(&E->rate, E->now_ns);
            if (p->suppressed != 0) {
                p->kind = SW_PLAN_SUPPRESSED;
                p->allowed = true;
                return true;
            }
            break;
        default:
            return false;
        }
    }
}

/* ---- outcomes ------------------------------------------------------------------------------ */

static uint64_t first_repeat_ns(const struct sw_episodes *E, uint32_t number)
{
    return number != 0 && E->cfg->repeat_ns != 0
               ? E->now_ns + sw_policy_repeat_delay_ns(E->cfg->repeat_ns, 0)
               : 0;
}

/* Threads that were stalled together with a recovered subject get a report of their own if
 * they still are, a threshold after the recovery: the lock (or whatever they wait for) has
 * just changed hands, and a queue draining behind it is no news. */
static void done_recovered(struct sw_episodes *E, const struct sw_plan *p, uint32_t number)
{
    const struct sw_subject *su = &p->members[0];
    E->world->hold(E->world->ctx, su->idx, su->gen, false);
    if (number == 0)
        return;
    unsigned cap = E->world->capacity(E->world->ctx);
    for (unsigned i = 0; i < cap; i++) {
        struct sw_episode *ep = episode(E, i);
        if (ep->stall_report == p->stall_report && !ep->subject) {
            ep->reported = 0;
            ep->quiet_until_ns = E->now_ns + ep->threshold_ns;
        }
    }
    struct sw_episode *ep = episode(E, p->members[0].idx);
    ep->subject = 0;
    ep->stall_report = 0;
    if (ep->k_on) {
        /* The wait seen in the kernel ended, not the slot's word: the thread may stall
         * again in it. */
        ep->k_on = 0;
        ep->reported = 0;
    }
}

/* Every member of the cycle belongs to the report, the first as its subject. */
static void done_deadlock(struct sw_episodes *E, const struct sw_plan *p, uint32_t number,
                          uint64_t fp)
{
    if (number != 0 && p->nmembers > 0)
        E->world->hold(E->world->ctx, p->members[0].idx, p->members[0].gen, true);
    for (unsigned k = 0; k < p->nmembers; k++) {
        struct sw_episode *ep = episode(E, p->members[k].idx);
        ep->reported = 1;
        ep->subject = number != 0 && k == 0;
        ep->stall_report = number;
        ep->fingerprint = fp;
        ep->next_repeat_ns = first_repeat_ns(E, number);
    }
}

/* The members that were in the report (or, when it was withheld, all of them) belong to it;
 * if the subject moved on before it was inspected, there was no stall after all. */
static void done_stall(struct sw_episodes *E, const struct sw_plan *p, uint32_t number, uint64_t fp,
                       const bool *member_ok)
{
    if (member_ok != NULL && !member_ok[0])
        return;
    for (unsigned i = 0; i < p->nmembers; i++) {
        if (member_ok != NULL && !member_ok[i])
            continue;
        struct sw_episode *ep = episode(E, p->members[i].idx);
        ep->reported = 1;
        ep->subject = i == 0 && number != 0;
        ep->stall_report = number;
        ep->fingerprint = fp;
    }
    episode(E, p->members[0].idx)->next_repeat_ns = first_repeat_ns(E, number);
    if (number != 0)
        E->world->hold(E->world->ctx, p->members[0].idx, p->members[0].gen, true);
}

void sw_episodes_done(struct sw_episodes *E, const struct sw_plan *p, uint32_t number, uint64_t fp,
                      const bool *member_ok)
{
    switch (p->kind) {
    case SW_PLAN_RECOVERED:
        done_recovered(E, p, number);
        break;
    case SW_PLAN_DEADLOCK:
        done_deadlock(E, p, number, fp);
        break;
    case SW_PLAN_STALL:
        done_stall(E, p, number, fp, member_ok);
        break;
    case SW_PLAN_HEARTBEAT:
        episode(E, p->members[0].idx)->hb_report = number;
        break;
    case SW_PLAN_SCOPE:
        episode(E, p->members[0].idx)->scope_report[p->scope] = number;
        break;
    default:
        break;
    }
}

bool sw_episodes_subject_at(struct sw_episodes *E, unsigned idx, struct sw_subject *out)
{
    struct sw_obs o;
    if (!E->world->look(E->world->ctx, idx, &o))
        return false;
    struct sw_episode *ep = episode(E, idx);
    bool tracked = ep->word == o.word && ep->gen == o.gen;
    /* A name read for an earlier episode may be stale (prctl renames). */
    if (!tracked)
        ep->name[0] = '\0';
    if (tracked && ep->k_on) {
        *out = subject_of(E, idx, o.gen, o.tid, ep->k_word, ep->k_obj, (enum sw_class)ep->k_cls,
                          E->now_ns - ep->k_since_ns);
        return true;
    }
    uint64_t waited = tracked && ep->first_ns != 0 ? E->now_ns - ep->first_ns : 0;
    enum sw_call call = call_of(o.word);
    enum sw_class cls = call != SW_CALL_NONE ? class_of(E, call, o.obj) : SW_CLASS_NONE;
    *out = subject_of(E, idx, o.gen, o.tid, o.word, o.obj, cls, waited);
    return true;
}

/* ---- grouping ------------------------------------------------------------------------------ */

void sw_grouping_init(struct sw_grouping *g)
{
    g->ngroups = 0;
    g->unread = 0;
}

bool sw_grouping_skip(const struct sw_grouping *g, bool by_object, unsigned i, bool budget_spent)
{
    return by_object && i != 0 && g->ngroups > 0 && budget_spent;
}

static void count_in(struct sw_group *grp, pid_t tid)
{
    if (grp->count < SW_REPORT_TIDS_MAX)
        grp->tids[grp->count] = tid;
    grp->count++;
}

void sw_grouping_count_unread(struct sw_grouping *g, pid_t tid)
{
    count_in(&g->groups[0], tid);
    g->unread++;
}

bool sw_grouping_add(struct sw_grouping *g, uint64_t fp, pid_t tid, unsigned entry)
{
    unsigned k = 0;
    while (k < g->ngroups && g->groups[k].fingerprint != fp)
        k++;
    bool opens = k == g->ngroups && k < SW_GROUPS_MAX;
    if (opens) {
        g->groups[k] = (struct sw_group){.fingerprint = fp, .entry = entry};
        g->ngroups++;
    } else if (k == g->ngroups) {
        k = g->ngroups - 1; /* too many different stacks: counted with the last */
    }
    count_in(&g->groups[k], tid);
    return opens;
}
