/* The watchdog thread: every scan period it looks at each live slot, applies the stall rule
 * (watch.c), follows lock owners, finds wait-for cycles, and turns what it finds into
 * reports: stall, deadlock, still-stalled, recovered, and the rate limit's suppressed line.
 * Runs on the watchdog thread only (sw_watchdog_start and the fork/destructor hooks
 * excepted), which is the only thread that reads /proc, calls libdw or writes reports. Its
 * sw_self is the internal slot, so any wrapper it reaches costs nothing and reports nothing.
 *
 * A scan first looks (cheap: loads from the slots, an owner read for threads waiting on a
 * lock), collecting candidates; then it reports, in this order: recoveries, deadlocks, new
 * stalls (grouped by call, object and stack), missed API promises, still-stalled repeats. */
#include "watchdog.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "buf.h"
#include "clock.h"
#include "diagnose.h"
#include "inspect.h"
#include "output.h"
#include "ownthread.h"
#include "owner.h"
#include "policy.h"
#include "procinfo.h"
#include "real.h"
#include "registry.h"
#include "symbolize.h"
#include "tidmap.h"
#include "unwind.h"
#include "watch.h"

#define MS         1000000ull
#define CANDS_MAX  4096
#define CHAIN_MAX  8
#define GROUPS_MAX 16

static const struct sw_config *cfg;
static uint64_t period_ns, base_period_ns, min_threshold_ns, deadlock_ns;
static pid_t my_pid;
static unsigned report_no;
static struct sw_rate rate;
static bool warmed;
static _Atomic bool quiescing;
static _Atomic bool reporting;
/* The destructor's last request: one more look, reporting only recoveries. The watchdog
 * sleeps on wake_word so the request does not wait out a scan period. */
static _Atomic uint32_t wake_word;
static _Atomic bool final_requested;
static _Atomic uint32_t final_done; /* futex word: 1 once the final look is over */
static _Atomic bool reported_any;   /* a report was written: the final look may have work */

enum cand_kind {
    K_RECOVERED,  /* the subject of a stall report left its call */
    K_STALL,      /* past its threshold, not reported yet */
    K_REPEAT,     /* reported, still stalled, a still-stalled report is due */
    K_HEARTBEAT,  /* a stallwatch_heartbeat promise was missed */
    K_HB_BACK,    /* ... and the thread beat again */
    K_SCOPE,      /* a stallwatch_scope_begin region overran */
    K_SCOPE_DONE, /* ... and ended */
};

struct cand {
    enum cand_kind kind;
    struct sw_subject su;
    uint32_t stall_report; /* K_RECOVERED, K_HB_BACK, K_SCOPE_DONE: the report it closes */
    uint64_t fingerprint;  /* K_RECOVERED */
    unsigned scope;        /* K_SCOPE, K_SCOPE_DONE: the depth */
};

/* A thread waiting for a lock whose owner we can read: a node of the wait-for graph. */
struct waiter {
    struct sw_slot *slot;
    uint32_t gen;
    pid_t tid;
    uint64_t word;
    uintptr_t obj;
    uint64_t waited_ns;
};

/* Collected by one scan: static, large, and used by the one watchdog thread. */
static struct cand cands[CANDS_MAX];
static unsigned ncands;
static struct waiter waiters[CANDS_MAX];
static unsigned nwaiters;
static int next_node[CANDS_MAX];
static bool in_cycle[CANDS_MAX];

/* Reads word and object as one consistent pair; false if the thread changed them meanwhile
 * (which is progress, and the next scan will see the new state). */
static bool read_slot(struct sw_slot *s, uint64_t *word, uintptr_t *obj)
{
    uint64_t w1 = atomic_load_explicit(&s->word, memory_order_acquire);
    uintptr_t o = atomic_load_explicit(&s->obj, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    uint64_t w2 = atomic_load_explicit(&s->word, memory_order_relaxed);
    *word = w2;
    *obj = o;
    return w1 == w2;
}

static enum sw_call call_of(uint64_t word)
{
    return (enum sw_call)(word & SW_CALL_MASK);
}

static bool waits_on_owned_lock(enum sw_call call)
{
    switch (call) {
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

static enum sw_class class_of(enum sw_call call, uintptr_t obj)
{
    uint8_t cls = sw_calls[call].cls;
    if (cls == SW_CLASS_FD)
        return sw_proc_fd_class((int)obj);
    if (cls == SW_CLASS_PATH) {
        char path[1024];
        if (sw_proc_read_string(obj, path, sizeof path) < 0)
            return SW_CLASS_DISK;
        return sw_proc_path_class(AT_FDCWD, path);
    }
    return (enum sw_class)cls;
}

/* Settles, once per episode, the class and threshold that apply to the thread. Outside any
 * call only heartbeat threads (no call completed for THRESHOLD) and, with STALLWATCH_BUSY,
 * threads on the CPU can stall. */
static void decide(struct sw_slot *s, pid_t tid, uint64_t word, uintptr_t obj)
{
    struct sw_watch *w = &s->watch;
    /* The name costs an open, a read and a close of /proc: read it here only when a setting
     * matches names, else once the episode can be reported, or when a report needs it
     * (subject_of): 1,000 idle threads would otherwise cost 1,000 reads each time they pass
     * half a threshold. */
    bool by_name = cfg->heartbeat.n != 0 || cfg->watch.n != 0 || cfg->ignore.n != 0;
    w->name[0] = '\0';
    if (by_name && sw_proc_comm(tid, w->name, sizeof w->name) != 0)
        w->name[0] = '\0';
    bool is_main = tid == my_pid;
    bool heartbeat = sw_globs_match(&cfg->heartbeat, w->name, is_main);
    bool watched = (cfg->watch.n == 0 || sw_globs_match(&cfg->watch, w->name, is_main)) &&
                   !sw_globs_match(&cfg->ignore, w->name, is_main);
    enum sw_call call = call_of(word);
    enum sw_class cls;
    if (call != SW_CALL_NONE)
        cls = class_of(call, obj);
    else if (heartbeat)
        cls = SW_CLASS_HEARTBEAT;
    else
        cls = SW_CLASS_BUSY;
    w->cls = (uint8_t)cls;
    w->obj = obj;
    w->unwatched = !watched;
    w->threshold_ns = cls == SW_CLASS_HEARTBEAT
                          ? (watched ? cfg->threshold_ns : 0)
                          : sw_watch_threshold_ns(cfg, cls, heartbeat, watched);
    if (!by_name && w->threshold_ns != 0 && sw_proc_comm(tid, w->name, sizeof w->name) != 0)
        w->name[0] = '\0';
    w->decided = 1;
}

/* A thread as a report's subject, with its name: read now if decide() left it unread (a
 * thread in a class that is off can still be in a deadlock, a promise, a group). */
static struct sw_subject subject_of(struct sw_slot *s, uint32_t gen, pid_t tid, uint64_t word,
                                    uintptr_t obj, enum sw_class cls, uint64_t waited)
{
    if (s->watch.name[0] == '\0' && sw_proc_comm(tid, s->watch.name, sizeof s->watch.name) != 0)
        s->watch.name[0] = '\0';
    struct sw_subject su = {s,   gen, tid,    word,
                            obj, cls, waited, s->watch.name[0] != '\0' ? s->watch.name : NULL};
    return su;
}

static void add_cand(enum cand_kind kind, struct sw_subject su)
{
    if (ncands >= CANDS_MAX)
        return; /* the rest stay candidates and come back at the next scan */
    cands[ncands++] = (struct cand){.kind = kind, .su = su};
}

/* CPU time of a thread of ours in ns, from its per-thread CPU clock. */
static bool thread_cpu_ns(pid_t tid, uint64_t *ns)
{
    /* The clock id glibc's pthread_getcpuclockid builds: per-thread, CPUCLOCK_SCHED. */
    clockid_t clk = (clockid_t)((~(unsigned)tid << 3) | 6);
    struct timespec t;
    if (clock_gettime(clk, &t) != 0)
        return false;
    *ns = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
    return true;
}

/* STALLWATCH_BUSY: out of calls for the threshold and on the CPU for at least 90% of a recent
 * window between half and the whole threshold long. The window slides: two samples, the older
 * dropped each time the newer is half a threshold old. */
static bool busy_now(struct sw_watch *w, pid_t tid, uint64_t now, uint64_t waited)
{
    uint64_t half = w->threshold_ns / 2, cpu;
    if (waited < half || !thread_cpu_ns(tid, &cpu))
        return false;
    if (w->busy_t0_ns == 0) {
        w->busy_t0_ns = w->busy_t1_ns = now;
        w->busy_cpu0_ns = w->busy_cpu1_ns = cpu;
        return false;
    }
    if (now - w->busy_t1_ns >= half) {
        w->busy_t0_ns = w->busy_t1_ns;
        w->busy_cpu0_ns = w->busy_cpu1_ns;
        w->busy_t1_ns = now;
        w->busy_cpu1_ns = cpu;
    }
    uint64_t dt = now - w->busy_t0_ns;
    return waited >= w->threshold_ns && dt >= half && (cpu - w->busy_cpu0_ns) * 10 >= dt * 9;
}

/* A heartbeat-class thread outside any call: always on, whatever it does. */
static void look_at_api(struct sw_slot *s, uint32_t gen, pid_t tid, uint64_t word, uintptr_t obj,
                        uint64_t now)
{
    struct sw_watch *w = &s->watch;
    /* The timeout first: stallwatch_heartbeat bumps the count, then stores the timeout
     * (release), so the count read after a timeout is at least that promise's (a new timeout
     * with the old count would time the new promise from the old one's start). */
    uint32_t ms = atomic_load_explicit(&s->hb_timeout_ms, memory_order_acquire);
    uint32_t count = atomic_load_explicit(&s->hb_count, memory_order_relaxed);
    uint32_t depth = atomic_load_explicit(&s->scope_depth, memory_order_acquire);
    /* A thread that has made no promise (most): nothing to arm or check, and the lines of
     * the bookkeeping below stay untouched. */
    if (!w->api) {
        if (count == 0 && ms == 0 && depth == 0)
            return;
        w->api = 1;
    }
    if (count != w->hb_seen || w->hb_first_ns == 0) {
        if (w->hb_missed && w->hb_report != 0) {
            struct cand c = {
                .kind = K_HB_BACK,
                .su = subject_of(s, gen, tid, word, obj, SW_CLASS_HEARTBEAT, now - w->hb_first_ns),
                .stall_report = w->hb_report};
            if (ncands < CANDS_MAX)
                cands[ncands++] = c;
        }
        w->hb_seen = count;
        w->hb_first_ns = now;
        w->hb_missed = 0;
        w->hb_report = 0;
    } else if (ms != 0 && !w->hb_missed && now - w->hb_first_ns >= (uint64_t)ms * MS) {
        w->hb_missed = 1;
        add_cand(K_HEARTBEAT,
                 subject_of(s, gen, tid, word, obj, SW_CLASS_HEARTBEAT, now - w->hb_first_ns));
    }

    for (unsigned i = 0; i < SW_SCOPES_MAX; i++) {
        uint32_t seq = i < depth ? atomic_load_explicit(&s->scope[i].seq, memory_order_acquire) : 0;
        if (seq != w->scope_seen[i]) {
            if ((w->scope_missed & (1u << i)) && w->scope_report[i] != 0 && ncands < CANDS_MAX) {
                cands[ncands++] =
                    (struct cand){.kind = K_SCOPE_DONE,
                                  .su = subject_of(s, gen, tid, word, obj, SW_CLASS_SCOPE,
                                                   now - w->scope_first_ns[i]),
                                  .stall_report = w->scope_report[i],
                                  .scope = i};
            }
            w->scope_seen[i] = seq;
            w->scope_first_ns[i] = now;
            w->scope_missed &= (uint8_t) ~(1u << i);
            w->scope_report[i] = 0;
            continue;
        }
        uint64_t limit = (uint64_t)s->scope[i].timeout_ms * MS;
        if (seq != 0 && !(w->scope_missed & (1u << i)) && limit != 0 &&
            now - w->scope_first_ns[i] >= limit && ncands < CANDS_MAX) {
            w->scope_missed |= (uint8_t)(1u << i);
            cands[ncands++] = (struct cand){.kind = K_SCOPE,
                                            .su = subject_of(s, gen, tid, word, obj, SW_CLASS_SCOPE,
                                                             now - w->scope_first_ns[i]),
                                            .scope = i};
        }
    }
}

#define PREFETCH_AHEAD 4

/* One look at every live slot; fills cands and waiters. */
static void look(uint64_t now, uint64_t excess_ns)
{
    ncands = nwaiters = 0;
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        /* A scan is bound by cache misses (the slots are cold after a period): ask for the
         * three lines an idle slot needs a few slots ahead, so their misses overlap. */
        if (i + PREFETCH_AHEAD < cap) {
            const struct sw_slot *ahead = sw_registry_at(i + PREFETCH_AHEAD);
            __builtin_prefetch(&ahead->word);
            __builtin_prefetch(&ahead->state);
            __builtin_prefetch(&ahead->watch, 1);
        }
        if (atomic_load_explicit(&s->state, memory_order_acquire) != SW_SLOT_LIVE)
            continue;
        uint32_t gen = atomic_load_explicit(&s->gen, memory_order_acquire);
        pid_t tid = atomic_load_explicit(&s->tid, memory_order_acquire);
        if (tid == 0)
            continue;
        uint64_t word;
        uintptr_t obj;
        if (!read_slot(s, &word, &obj))
            continue;
        struct sw_watch *w = &s->watch;
        if (excess_ns != 0) {
            sw_watch_forgive(w, excess_ns);
            if (w->hb_first_ns != 0)
                w->hb_first_ns += excess_ns;
            for (unsigned k = 0; k < SW_SCOPES_MAX; k++)
                if (w->scope_first_ns[k] != 0)
                    w->scope_first_ns[k] += excess_ns;
        }
        /* The subject of a stall report completed its call: recovered. */
        if (w->gen == gen && w->subject && w->stall_report != 0 && word != w->word &&
            ncands < CANDS_MAX) {
            cands[ncands++] =
                (struct cand){.kind = K_RECOVERED,
                              .su = subject_of(s, gen, tid, w->word, w->obj, (enum sw_class)w->cls,
                                               now - w->first_ns),
                              .stall_report = w->stall_report,
                              .fingerprint = w->fingerprint};
        }
        uint64_t waited = sw_watch_observe(w, gen, word, now);
        look_at_api(s, gen, tid, word, obj, now);
        enum sw_call call = call_of(word);
        /* Edges are timed from the first look, like waits, so a cycle whose edges are
         * stable for the lock threshold is seen no later than its threads' stalls. */
        if (deadlock_ns != 0 && waits_on_owned_lock(call) && nwaiters < CANDS_MAX)
            waiters[nwaiters++] = (struct waiter){s, gen, tid, word, obj, waited};
        if (waited == 0 || waited < min_threshold_ns / 2)
            continue;
        if (!w->decided)
            decide(s, tid, word, obj);
        if (w->threshold_ns == 0)
            continue;
        struct sw_subject su = subject_of(s, gen, tid, word, obj, (enum sw_class)w->cls, waited);
        if (w->reported) {
            if (w->subject && w->next_repeat_ns != 0 && now >= w->next_repeat_ns)
                add_cand(K_REPEAT, su);
            continue;
        }
        if (call == SW_CALL_NONE && w->cls == SW_CLASS_BUSY && !busy_now(w, tid, now, waited))
            continue;
        if (waited >= w->threshold_ns)
            add_cand(K_STALL, su);
        else if (!warmed && waited >= w->threshold_ns / 2) {
            /* Warm-up: symbolize this thread's stack now, so libdw has read the modules'
             * debuginfo before the report at the threshold. */
            warmed = true;
            sw_inspect_warm(&su);
        }
    }
}

/* ---- reports ---------------------------------------------------------------------------- */

struct report_ctx {
    struct sw_report r;
    char fp_hex[17];
};

/* Takes the rate limit's token and a number for a report; false if the report is withheld. */
static bool may_report(uint64_t now)
{
    return sw_rate_take(&rate, now);
}

/* For the next write_report: how many reports the rate limit withheld ("suppressed"). */
static unsigned suppressed_count;

static void write_report(struct report_ctx *rc, const char *event, uint32_t stall_report,
                         uint64_t fingerprint, uint64_t detected_ns)
{
    unsigned n;
    struct sw_thread_report *t = sw_inspect_entries(&n);
    rc->r = (struct sw_report){
        .event = event,
        .number = ++report_no,
        .stall_report = stall_report,
        .pid = my_pid,
        .process = program_invocation_short_name,
        .time_ns = detected_ns,
        .threads = t,
        .nthreads = n,
        .suppressed = suppressed_count,
    };
    suppressed_count = 0;
    if (fingerprint != 0) {
        sw_fingerprint_hex(fingerprint, rc->fp_hex);
        rc->r.fingerprint = rc->fp_hex;
    }
    sw_output_report(&rc->r);
    atomic_store(&reported_any, true);
}

/* STALLWATCH_ACTION=abort: after the first stall-like report, a core dump for post-mortem. */
static void maybe_abort(void)
{
    if (cfg->action_abort) {
        sw_output_stderr_line("stallwatch: STALLWATCH_ACTION=abort: aborting after the report");
        abort();
    }
}

/* Appends the threads holding what the last entry waits for, then their owners, each once. */
static void add_owner_chain(void)
{
    for (unsigned depth = 0; depth < CHAIN_MAX; depth++) {
        unsigned n;
        struct sw_thread_report *all = sw_inspect_entries(&n);
        pid_t owner = all[n - 1].owner_tid;
        if (owner == 0)
            return;
        for (unsigned i = 0; i < n; i++)
            if (all[i].tid == owner)
                return;
        struct sw_slot *os = sw_tidmap_find(owner);
        if (os == NULL)
            return;
        uint64_t word;
        uintptr_t obj;
        read_slot(os, &word, &obj);
        struct sw_watch *ow = &os->watch;
        enum sw_call call = call_of(word);
        uint64_t waited = ow->word == word && ow->first_ns != 0 ? sw_mono_ns() - ow->first_ns : 0;
        struct sw_subject su =
            subject_of(os, atomic_load(&os->gen), owner, word, obj,
                       call != SW_CALL_NONE ? class_of(call, obj) : SW_CLASS_NONE, waited);
        if (ow->name[0] == '\0' || ow->word != word)
            sw_proc_comm(owner, ow->name, sizeof ow->name);
        su.name = ow->name;
        struct sw_thread_report *t = sw_inspect_thread(&su, true, false);
        if (t == NULL)
            return;
        t->role = "owner";
    }
}

/* STALLWATCH_ALL_THREADS: every other watched thread, with its state and stack. */
static void add_all_threads(uint64_t now)
{
    if (!cfg->all_threads)
        return;
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        pid_t tid = atomic_load(&s->tid);
        if (atomic_load(&s->state) != SW_SLOT_LIVE || tid == 0)
            continue;
        unsigned n;
        struct sw_thread_report *all = sw_inspect_entries(&n);
        bool present = false;
        for (unsigned k = 0; k < n && !present; k++)
            present = all[k].tid == tid;
        if (present)
            continue;
        uint64_t word;
        uintptr_t obj;
        read_slot(s, &word, &obj);
        struct sw_watch *w = &s->watch;
        if (w->name[0] == '\0')
            sw_proc_comm(tid, w->name, sizeof w->name);
        bool is_main = tid == my_pid;
        if ((cfg->watch.n != 0 && !sw_globs_match(&cfg->watch, w->name, is_main)) ||
            sw_globs_match(&cfg->ignore, w->name, is_main))
            continue;
        enum sw_call call = call_of(word);
        uint64_t waited = w->word == word && w->first_ns != 0 ? now - w->first_ns : 0;
        struct sw_subject su =
            subject_of(s, atomic_load(&s->gen), tid, word, obj,
                       call != SW_CALL_NONE ? class_of(call, obj) : SW_CLASS_NONE, waited);
        if (sw_inspect_full())
            return;
        struct sw_thread_report *t = sw_inspect_thread(&su, true, false);
        if (t != NULL) /* else it exited while we looked */
            t->role = "other";
    }
}

static void report_recovered(const struct cand *c, uint64_t now)
{
    if (!may_report(now))
        return;
    sw_inspect_begin();
    struct sw_thread_report *t = sw_inspect_thread(&c->su, false, false);
    if (t == NULL)
        return;
    /* What the thread does now is another story: only the finished wait is reported. */
    t->state = 0;
    t->wchan = NULL;
    t->owner_tid = 0;
    struct report_ctx rc;
    write_report(&rc, "recovered", c->stall_report, c->fingerprint, sw_real_ns());
    /* Threads that were stalled together with this one get a report of their own if they
     * still are. */
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++) {
        struct sw_watch *w = &sw_registry_at(i)->watch;
        if (w->stall_report == c->stall_report && !w->subject)
            w->reported = 0;
    }
    c->su.slot->watch.subject = 0;
    c->su.slot->watch.stall_report = 0;
}

/* Deadlocks: cycles in the wait-for graph whose every edge has held for deadlock_ns. */
static void find_deadlocks(uint64_t now)
{
    if (nwaiters == 0)
        return;
    for (unsigned i = 0; i < nwaiters; i++) {
        struct waiter *wt = &waiters[i];
        struct sw_watch *w = &wt->slot->watch;
        pid_t owner;
        sw_inspect_owner_slot(call_of(wt->word), wt->obj, &owner);
        if (owner != w->edge_owner) {
            w->edge_owner = owner;
            w->edge_since_ns = now;
        }
        next_node[i] = -1;
        in_cycle[i] = false;
    }
    uint64_t lock_ns = cfg->class_ns[SW_CLASS_LOCK];
    for (unsigned i = 0; i < nwaiters; i++) {
        struct sw_watch *w = &waiters[i].slot->watch;
        /* Stable for STALLWATCH_DEADLOCK, or its thread is due as a stall now: a cycle that
         * still stands when its threads reach the lock threshold is a deadlock. */
        bool stable = now - w->edge_since_ns >= deadlock_ns ||
                      (lock_ns != 0 && waiters[i].waited_ns >= lock_ns);
        if (w->edge_owner == 0 || !stable)
            continue;
        for (unsigned j = 0; j < nwaiters; j++) {
            if (waiters[j].tid == w->edge_owner) {
                next_node[i] = (int)j;
                break;
            }
        }
    }
    for (unsigned i = 0; i < nwaiters; i++) {
        unsigned cycle[CHAIN_MAX * 4];
        if (in_cycle[i] || waiters[i].slot->watch.stall_report != 0)
            continue;
        unsigned len = sw_find_cycle(next_node, nwaiters, i, cycle, sizeof cycle / sizeof *cycle);
        if (len == 0)
            continue;
        bool fresh = true;
        for (unsigned k = 0; k < len; k++) {
            struct waiter *wt = &waiters[cycle[k]];
            if (!wt->slot->watch.decided)
                decide(wt->slot, wt->tid, wt->word, wt->obj);
            fresh = fresh && !in_cycle[cycle[k]] && wt->slot->watch.stall_report == 0 &&
                    !wt->slot->watch.unwatched;
            in_cycle[cycle[k]] = true;
        }
        if (!fresh)
            continue;
        uint64_t detected = sw_real_ns();
        bool allowed = may_report(now);
        uint64_t fps[CHAIN_MAX * 4];
        unsigned nfp = 0;
        sw_inspect_begin();
        for (unsigned k = 0; k < len && allowed; k++) {
            struct waiter *wt = &waiters[cycle[k]];
            struct sw_watch *w = &wt->slot->watch;
            struct sw_subject su = subject_of(wt->slot, wt->gen, wt->tid, wt->word, wt->obj,
                                              (enum sw_class)w->cls, wt->waited_ns);
            struct sw_thread_report *t = sw_inspect_thread(&su, true, false);
            if (t == NULL)
                continue;
            t->role = "cycle";
            t->owner_tid = w->edge_owner;
            fps[nfp++] = sw_fingerprint_thread(t);
        }
        uint64_t fp = sw_fingerprint_combine(fps, nfp);
        uint32_t number = 0;
        if (allowed) {
            unsigned n;
            struct sw_thread_report *all = sw_inspect_entries(&n);
            if (n > 0)
                all[0].role = NULL;
            add_all_threads(now);
            struct report_ctx rc;
            write_report(&rc, "deadlock", 0, fp, detected);
            number = rc.r.number;
        }
        for (unsigned k = 0; k < len; k++) {
            struct sw_watch *w = &waiters[cycle[k]].slot->watch;
            w->reported = 1;
            w->subject = number != 0 && k == 0;
            w->stall_report = number;
            w->fingerprint = fp;
            w->next_repeat_ns = number != 0 && cfg->repeat_ns != 0
                                    ? now + sw_policy_repeat_delay_ns(cfg->repeat_ns, 0)
                                    : 0;
        }
        if (number != 0)
            maybe_abort();
    }
}

/* The open stall report a new candidate can join: same call on the same object. */
static uint32_t open_report_for(const struct sw_subject *su)
{
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        struct sw_watch *w = &s->watch;
        if (s == su->slot || !w->subject || w->stall_report == 0 ||
            atomic_load(&s->state) != SW_SLOT_LIVE)
            continue;
        if (call_of(w->word) == call_of(su->word) && w->obj == su->obj &&
            call_of(su->word) != SW_CALL_NONE && w->word == atomic_load(&s->word))
            return w->stall_report;
    }
    return 0;
}

struct group {
    uint64_t fingerprint;
    unsigned entry; /* index of its entry in the report */
    unsigned count;
    pid_t tids[SW_REPORT_TIDS_MAX];
};

/* A new stall: the candidate and every other candidate waiting in the same call on the same
 * object, grouped by stack; then the owner chain of the first. */
static void report_stall(struct cand *first, uint64_t now)
{
    struct sw_subject *su = &first->su;
    if (su->slot->watch.reported)
        return; /* joined an earlier group in this scan */
    uint32_t open = open_report_for(su);
    if (open != 0) {
        su->slot->watch.reported = 1;
        su->slot->watch.stall_report = open;
        return;
    }
    uint64_t detected = sw_real_ns();
    bool allowed = may_report(now);
    static struct group groups[GROUPS_MAX];
    unsigned ngroups = 0;
    static struct sw_slot *members[CANDS_MAX];
    unsigned nmembers = 0;
    sw_inspect_begin();
    /* The members: this thread, then every other thread in the same call on the same object,
     * past its threshold or not (they queue behind the same stall); for calls without an
     * object, the other candidates in the same call. */
    static struct cand others[CANDS_MAX];
    unsigned nothers = 0;
    enum sw_call call = call_of(su->word);
    bool by_object = su->obj != 0 && sw_calls[call].objkind != SW_OBJ_NONE;
    others[nothers++] = *first;
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; by_object && i < cap && nothers < CANDS_MAX; i++) {
        struct sw_slot *s = sw_registry_at(i);
        if (s == su->slot || atomic_load(&s->state) != SW_SLOT_LIVE || s->watch.reported)
            continue;
        uint64_t word;
        uintptr_t obj;
        pid_t tid = atomic_load(&s->tid);
        if (tid == 0 || !read_slot(s, &word, &obj) || call_of(word) != call || obj != su->obj)
            continue;
        struct sw_watch *w = &s->watch;
        uint64_t waited = w->word == word && w->first_ns != 0 ? now - w->first_ns : 0;
        if (w->word == word && !w->decided)
            decide(s, tid, word, obj);
        if (w->word == word && w->unwatched)
            continue;
        others[nothers++] = (struct cand){
            .kind = K_STALL,
            .su = subject_of(s, atomic_load(&s->gen), tid, word, obj, su->cls, waited)};
    }
    for (unsigned i = 0; i < ncands && !by_object && nothers < CANDS_MAX; i++) {
        struct cand *c = &cands[i];
        if (c != first && c->kind == K_STALL && !c->su.slot->watch.reported &&
            call_of(c->su.word) == call)
            others[nothers++] = *c;
    }
    unsigned unread = 0; /* members counted with the first without reading their stacks */
    for (unsigned i = 0; i < nothers; i++) {
        struct cand *c = &others[i];
        members[nmembers++] = c->su.slot;
        if (!allowed)
            continue;
        /* Once the report's symbolization budget is spent, a member's stack would come back
         * raw, fingerprint differently and split the group: count the rest (same call, same
         * object) with the first thread instead, and say so. Not for calls without an object,
         * whose members have only the call in common. */
        if (by_object && i != 0 && ngroups > 0 && sw_inspect_budget_spent()) {
            if (groups[0].count < SW_REPORT_TIDS_MAX)
                groups[0].tids[groups[0].count] = c->su.tid;
            groups[0].count++;
            unread++;
            continue;
        }
        struct sw_thread_report *t = sw_inspect_thread(&c->su, true, true);
        if (t == NULL) {
            if (i == 0)
                return; /* it moved on: no stall after all */
            nmembers--;
            continue;
        }
        uint64_t fp = sw_fingerprint_thread(t);
        unsigned g = 0;
        while (g < ngroups && groups[g].fingerprint != fp)
            g++;
        if (g < ngroups || ngroups == GROUPS_MAX) {
            if (g == ngroups)
                g = ngroups - 1; /* too many different stacks: counted with the last */
            sw_inspect_drop_last();
        } else {
            unsigned n;
            sw_inspect_entries(&n);
            groups[ngroups++] = (struct group){fp, n - 1, 0, {0}};
            if (i != 0)
                t->role = "waiter";
        }
        if (groups[g].count < SW_REPORT_TIDS_MAX)
            groups[g].tids[groups[g].count] = c->su.tid;
        groups[g].count++;
    }
    uint32_t number = 0;
    uint64_t fp = ngroups > 0 ? groups[0].fingerprint : 0;
    if (allowed && ngroups > 0) {
        unsigned n;
        struct sw_thread_report *all = sw_inspect_entries(&n);
        for (unsigned g = 0; g < ngroups; g++) {
            struct sw_thread_report *t = &all[groups[g].entry];
            if (groups[g].count > 1) {
                t->count = groups[g].count;
                t->tids = groups[g].tids;
                t->ntids =
                    groups[g].count < SW_REPORT_TIDS_MAX ? groups[g].count : SW_REPORT_TIDS_MAX;
            }
        }
        if (unread > 0) {
            struct sw_thread_report *t = &all[groups[0].entry];
            char note[512];
            struct sw_buf b;
            sw_buf_init(&b, note, sizeof note);
            if (t->note != NULL) {
                sw_buf_puts(&b, t->note);
                sw_buf_puts(&b, "; ");
            }
            sw_buf_put_u64(&b, unread);
            sw_buf_puts(&b, " of these threads, waiting in the same call on the same object, "
                            "were counted without reading their stacks "
                            "(STALLWATCH_SYMBOLIZE_TIMEOUT spent)");
            const char *both = sw_inspect_strdup(note);
            if (both != NULL)
                t->note = both;
        }
        /* Every entry waits on the same object: the chain from the last one is the chain. */
        add_owner_chain();
        add_all_threads(now);
        struct report_ctx rc;
        write_report(&rc, "stall", 0, fp, detected);
        number = rc.r.number;
    }
    for (unsigned i = 0; i < nmembers; i++) {
        struct sw_watch *w = &members[i]->watch;
        w->reported = 1;
        w->subject = members[i] == su->slot && number != 0;
        w->stall_report = number;
        w->fingerprint = fp;
    }
    struct sw_watch *w = &su->slot->watch;
    w->next_repeat_ns =
        number != 0 && cfg->repeat_ns != 0 ? now + sw_policy_repeat_delay_ns(cfg->repeat_ns, 0) : 0;
    if (number != 0)
        maybe_abort();
}

static void report_repeat(struct cand *c, uint64_t now)
{
    struct sw_watch *w = &c->su.slot->watch;
    w->repeats++;
    w->next_repeat_ns = now + sw_policy_repeat_delay_ns(cfg->repeat_ns, w->repeats);
    if (!may_report(now))
        return;
    uint64_t detected = sw_real_ns();
    sw_inspect_begin();
    struct sw_thread_report *t = sw_inspect_thread(&c->su, true, true);
    if (t == NULL)
        return;
    /* The threads still waiting with it. */
    static pid_t tids[SW_REPORT_TIDS_MAX];
    unsigned count = 0, cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        if (atomic_load(&s->state) != SW_SLOT_LIVE || s->watch.stall_report != w->stall_report ||
            atomic_load(&s->word) != s->watch.word)
            continue;
        if (count < SW_REPORT_TIDS_MAX)
            tids[count] = atomic_load(&s->tid);
        count++;
    }
    if (count > 1) {
        t->count = count;
        t->tids = tids;
        t->ntids = count < SW_REPORT_TIDS_MAX ? count : SW_REPORT_TIDS_MAX;
    }
    add_owner_chain();
    add_all_threads(now);
    struct report_ctx rc;
    write_report(&rc, "still-stalled", w->stall_report, w->fingerprint, detected);
}

static void report_promise(struct cand *c, uint64_t now)
{
    struct sw_watch *w = &c->su.slot->watch;
    bool back = c->kind == K_HB_BACK || c->kind == K_SCOPE_DONE;
    if (!may_report(now))
        return;
    /* Promises are checked before any decision about the thread: read its name here. */
    static char name[16];
    if (c->su.name == NULL && sw_proc_comm(c->su.tid, name, sizeof name) == 0)
        c->su.name = name;
    /* A kept-late promise is about the promise, not about whatever call the thread is in
     * now. */
    if (back) {
        c->su.word &= ~SW_CALL_MASK;
        c->su.obj = 0;
    }
    uint64_t detected = sw_real_ns();
    sw_inspect_begin();
    struct sw_thread_report *t = sw_inspect_thread(&c->su, !back, false);
    if (t == NULL)
        return;
    if (back) {
        t->state = 0;
        t->wchan = NULL;
        t->owner_tid = 0;
    }
    if (c->kind == K_SCOPE || c->kind == K_SCOPE_DONE) {
        char what[256];
        const struct sw_scope *sc = &c->su.slot->scope[c->scope];
        if (sw_proc_read_string((uintptr_t)sc->what, what, sizeof what) >= 0)
            t->scope = sw_inspect_strdup(what);
    }
    if (!back)
        add_all_threads(now);
    uint64_t fp = back ? 0 : sw_fingerprint_thread(t);
    struct report_ctx rc;
    write_report(&rc, back ? "recovered" : "stall", back ? c->stall_report : 0, fp, detected);
    if (c->kind == K_HEARTBEAT)
        w->hb_report = rc.r.number;
    else if (c->kind == K_SCOPE)
        w->scope_report[c->scope] = rc.r.number;
    if (!back)
        maybe_abort();
}

static void report_suppressed(uint64_t now)
{
    unsigned n = sw_rate_summary_due(&rate, now);
    if (n == 0)
        return;
    sw_inspect_begin();
    struct report_ctx rc;
    suppressed_count = n;
    write_report(&rc, "suppressed", 0, 0, sw_real_ns());
}

static void process(uint64_t now, bool recoveries_only)
{
    for (unsigned i = 0; i < ncands; i++)
        if (cands[i].kind == K_RECOVERED)
            report_recovered(&cands[i], now);
    if (recoveries_only)
        return;
    if (nwaiters > 0 || ncands > 0)
        sw_tidmap_rebuild();
    if (deadlock_ns != 0)
        find_deadlocks(now);
    for (unsigned i = 0; i < ncands && !atomic_load(&quiescing); i++) {
        switch (cands[i].kind) {
        case K_STALL:
            report_stall(&cands[i], now);
            break;
        case K_REPEAT:
            report_repeat(&cands[i], now);
            break;
        case K_HEARTBEAT:
        case K_HB_BACK:
        case K_SCOPE:
        case K_SCOPE_DONE:
            report_promise(&cands[i], now);
            break;
        case K_RECOVERED:
            break;
        }
    }
    report_suppressed(now);
}

/* The scan period: from the settings, shortened when a stallwatch_heartbeat or
 * stallwatch_scope_begin promise is tighter than the thresholds. */
static void pace(void)
{
    uint32_t ms = sw_api_min_timeout_ms();
    uint64_t p = ms != 0 ? sw_watch_period_ns((uint64_t)ms * MS) : base_period_ns;
    period_ns = p < base_period_ns ? p : base_period_ns;
}

static void *run(void *arg)
{
    (void)arg;
    sw_self = &sw_slot_internal;
    pthread_setname_np(pthread_self(), "stallwatch");
    uint64_t last = sw_mono_ns();
    sw_rate_init(&rate, cfg->rate_per_min, last);
    for (;;) {
        uint64_t wake = last + period_ns;
        struct timespec ts = {.tv_sec = (time_t)(wake / 1000000000u),
                              .tv_nsec = (long)(wake % 1000000000u)};
        /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
        uint32_t seen = atomic_load(&wake_word);
        while (sw_mono_ns() < wake && !atomic_load(&final_requested))
            sw_real.syscall(SYS_futex, &wake_word, FUTEX_WAIT_BITSET_PRIVATE, seen, &ts, NULL,
                            FUTEX_BITSET_MATCH_ANY);
        uint64_t now = sw_mono_ns();
        uint64_t excess = sw_watch_excess_ns(period_ns, now - last);
        last = now;
        pace();
        bool final = atomic_load(&final_requested);
        look(now, excess);
        atomic_store(&reporting, true);
        if (!atomic_load(&quiescing))
            process(now, final);
        atomic_store(&reporting, false);
        if (final) {
            atomic_store(&final_done, 1);
            sw_real.syscall(SYS_futex, &final_done, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
            return NULL;
        }
    }
}

static int start_thread(void)
{
    return -sw_own_thread_start(run);
}

int sw_watchdog_start(const struct sw_config *c)
{
    cfg = c;
    my_pid = getpid();
    sw_inspect_init(c);
    min_threshold_ns = sw_watch_min_threshold_ns(c);
    /* A cycle is reported once stable for STALLWATCH_DEADLOCK, never later than the lock
     * threshold would report its threads. */
    deadlock_ns = c->deadlock_ns;
    if (deadlock_ns != 0 && c->class_ns[SW_CLASS_LOCK] != 0 &&
        c->class_ns[SW_CLASS_LOCK] < deadlock_ns)
        deadlock_ns = c->class_ns[SW_CLASS_LOCK];
    /* A cycle needs no finer clock than a fifth of its time (stable for 1 s: seen within
     * 1.2 s); at the thresholds' pace of a 25th, the default 1 s would make every scan of
     * every slot five times as frequent for nothing. */
    uint64_t smallest = min_threshold_ns;
    if (deadlock_ns != 0 && (smallest == 0 || deadlock_ns * 5 < smallest))
        smallest = deadlock_ns * 5;
    /* The API can make promises at any time: the watchdog runs even when every threshold is
     * off, at the slowest pace until a promise asks for more (see pace()). */
    period_ns = smallest != 0 ? sw_watch_period_ns(smallest) : sw_watch_period_ns(UINT64_MAX);
    base_period_ns = period_ns;
    if (min_threshold_ns == 0)
        min_threshold_ns = UINT64_MAX;
    return start_thread();
}

void sw_watchdog_quiesce(void)
{
    /* One last look reports the stalls that ended just before exit as recovered; then no
     * more reports, and none in progress when our dependencies are finalized. A process that
     * never reported has nothing to recover and exits without waiting for anyone. */
    if (atomic_load(&reported_any)) {
        atomic_store(&final_requested, true);
        atomic_fetch_add(&wake_word, 1);
        sw_real.syscall(SYS_futex, &wake_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        uint64_t deadline = sw_mono_ns() + 500 * MS;
        struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000u),
                              .tv_nsec = (long)(deadline % 1000000000u)};
        while (atomic_load(&final_done) == 0 && sw_mono_ns() < deadline)
            sw_real.syscall(SYS_futex, &final_done, FUTEX_WAIT_BITSET_PRIVATE, 0, &ts, NULL,
                            FUTEX_BITSET_MATCH_ANY);
    }
    atomic_store(&quiescing, true);
    for (int i = 0; i < 2000 && atomic_load(&reporting); i++) {
        struct timespec ts = {0, 1000000};
        sw_real.nanosleep(&ts, NULL);
    }
}

void sw_watchdog_after_fork_child(void)
{
    my_pid = getpid();
    atomic_store(&final_requested, false);
    atomic_store(&final_done, 0);
    atomic_store(&reported_any, false);
    report_no = 0;
    warmed = false;
    atomic_store(&reporting, false);
    if (cfg != NULL && !atomic_load(&quiescing))
        start_thread();
}
