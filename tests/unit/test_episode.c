/* Unit suite for the watchdog's decisions (src/core/episode.c): candidates, promises, members
 * and groups, deadlock stability and the bookkeeping of episodes, on a world made of arrays
 * and an injected clock. A small executor plays the watchdog: it numbers every allowed plan
 * as a written report, so each test reads like the log the program would get. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <linux/futex.h>
#include <sys/syscall.h>

#include "core/config.h"
#include "core/episode.h"
#include "support.h"

#define MS 1000000ull
#define S  1000000000ull

#define NSLOTS 64
#define NPLANS 64

/* ---- the fake world ------------------------------------------------------------------------ */

struct fake_slot {
    bool live;
    bool exited; /* its thread exited while held: the slot waits for the watchdog */
    bool held;
    uint32_t gen;
    pid_t tid;
    uint64_t word;
    uintptr_t obj;
    struct sw_api_obs api;
    const char *name;
    enum sw_class fd_class; /* for calls on descriptors */
    uint64_t cpu_ns;
    pid_t owner; /* who holds the lock this thread waits for (obj-independent, for tests) */
    struct sw_klook kernel; /* what the thread does in the kernel (blocked: in a syscall) */
    struct sw_episode ep;
};

static struct fake_slot slots[NSLOTS];
static unsigned name_reads, classify_calls, kernel_looks;

static unsigned w_capacity(void *ctx)
{
    (void)ctx;
    return NSLOTS;
}

static struct sw_episode *w_episode(void *ctx, unsigned idx)
{
    (void)ctx;
    return &slots[idx].ep;
}

static bool w_look(void *ctx, unsigned idx, struct sw_obs *o)
{
    (void)ctx;
    struct fake_slot *f = &slots[idx];
    if (!f->live || f->exited || f->tid == 0)
        return false;
    *o = (struct sw_obs){false, idx, f->gen, f->tid, f->word, f->obj};
    return true;
}

static void w_hold(void *ctx, unsigned idx, uint32_t gen, bool held)
{
    (void)ctx;
    struct fake_slot *f = &slots[idx];
    if (f->gen != gen)
        return;
    f->held = held;
    if (!held && f->exited) {
        f->exited = false;
        f->live = false;
    }
}

static void w_scopes(void *ctx, unsigned idx, unsigned n, struct sw_api_obs *out)
{
    (void)ctx;
    for (unsigned i = 0; i < n; i++) {
        out->seq[i] = slots[idx].api.seq[i];
        out->timeout_ms[i] = slots[idx].api.timeout_ms[i];
    }
}

static struct fake_slot *by_tid(pid_t tid)
{
    for (unsigned i = 0; i < NSLOTS; i++)
        if (slots[i].live && slots[i].tid == tid)
            return &slots[i];
    return NULL;
}

static enum sw_class w_classify(void *ctx, enum sw_call call, uintptr_t obj)
{
    (void)ctx;
    (void)call;
    classify_calls++;
    for (unsigned i = 0; i < NSLOTS; i++)
        if (slots[i].live && slots[i].obj == obj)
            return slots[i].fd_class;
    return SW_CLASS_DISK;
}

static int w_name(void *ctx, pid_t tid, char *out, size_t cap)
{
    (void)ctx;
    name_reads++;
    struct fake_slot *f = by_tid(tid);
    if (f == NULL || f->name == NULL)
        return -1;
    strncpy(out, f->name, cap - 1);
    out[cap - 1] = '\0';
    return 0;
}

static int w_cpu_ns(void *ctx, pid_t tid, uint64_t *ns)
{
    (void)ctx;
    struct fake_slot *f = by_tid(tid);
    if (f == NULL)
        return -1;
    *ns = f->cpu_ns;
    return 0;
}

static pid_t w_owner(void *ctx, pid_t waiter, enum sw_call call, uintptr_t obj)
{
    (void)ctx;
    (void)call;
    struct fake_slot *w = by_tid(waiter);
    if (w != NULL && w->owner != 0 && (w->obj == obj || w->kernel.blocked))
        return w->owner;
    for (unsigned i = 0; i < NSLOTS; i++)
        if (slots[i].live && slots[i].obj == obj && slots[i].owner != 0)
            return slots[i].owner;
    return 0;
}

static int w_kernel(void *ctx, pid_t tid, bool want_state, struct sw_klook *out)
{
    (void)ctx;
    kernel_looks++;
    struct fake_slot *f = by_tid(tid);
    if (f == NULL)
        return -1;
    *out = f->kernel;
    if (!want_state)
        out->state = 0;
    return 0;
}

static const struct sw_world world = {
    .capacity = w_capacity,
    .episode = w_episode,
    .look = w_look,
    .scopes = w_scopes,
    .classify = w_classify,
    .name = w_name,
    .cpu_ns = w_cpu_ns,
    .owner = w_owner,
    .kernel = w_kernel,
    .hold = w_hold,
};

static uint64_t word_of(uint64_t entries, enum sw_call call)
{
    return (entries << SW_CALL_BITS) | call;
}

/* Thread tid (slot tid - 100) enters call on obj (its entry count goes up). */
static struct fake_slot *enter(pid_t tid, enum sw_call call, uintptr_t obj)
{
    struct fake_slot *f = &slots[tid - 100];
    if (!f->live) {
        f->live = true;
        f->gen++;
        f->tid = tid;
    }
    f->word = word_of((f->word >> SW_CALL_BITS) + 1, call);
    f->obj = obj;
    return f;
}

/* Thread tid leaves its call. */
static void leave(pid_t tid)
{
    slots[tid - 100].word &= ~SW_CALL_MASK;
}

/* Thread tid exits (as the registry's release does it): a held slot is left exited. */
static void thread_exits(pid_t tid)
{
    struct fake_slot *f = &slots[tid - 100];
    f->word &= ~SW_CALL_MASK;
    if (f->held)
        f->exited = true;
    else
        f->live = false;
}

/* ---- the executor ------------------------------------------------------------------------ */

struct written {
    enum sw_plan_kind kind;
    uint32_t number; /* 0: not written (withheld) */
    pid_t tids[16];
    unsigned ntids;
    pid_t owners[16];
    uint32_t stall_report;
    unsigned suppressed, count;
    const char *names[16];
    uint64_t word; /* member 0's call and object, class and origin */
    uintptr_t obj;
    enum sw_class cls;
    bool kernel;
    uint64_t waited_ns;
};

static struct written plans[NPLANS];
static unsigned nplans;
static uint32_t report_no;
static struct sw_episodes E;
static struct sw_config cfg;
/* Per tid: the thread has moved on when it is inspected (inspection fails). */
static bool gone_at_inspection[NSLOTS + 100];
/* Per tid: the fingerprint of its stack (0: the tid itself). */
static uint64_t stack_fp[NSLOTS + 100];
static bool budget_spent;
static struct sw_grouping grouping;

static void setup_config(const char *const *env)
{
    sw_config_parse(&cfg, (char *const *)env, "prog", NULL, NULL);
}

static void reset_world(const char *const *env, uint64_t now)
{
    memset(slots, 0, sizeof slots);
    memset(plans, 0, sizeof plans);
    memset(gone_at_inspection, 0, sizeof gone_at_inspection);
    memset(stack_fp, 0, sizeof stack_fp);
    nplans = 0;
    report_no = 0;
    name_reads = classify_calls = kernel_looks = 0;
    budget_spent = false;
    setup_config(env);
    sw_episodes_init(&E, &cfg, &world, 100, now);
}

static uint64_t fp_of(pid_t tid)
{
    return stack_fp[tid] != 0 ? stack_fp[tid] : (uint64_t)tid;
}

/* A stall: members inspected in order and grouped by stack, as watchdog/reports.c does. */
static void carry_out_stall(const struct sw_plan *p, struct written *w)
{
    static bool ok[SW_CANDS_MAX];
    sw_grouping_init(&grouping);
    for (unsigned i = 0; i < p->nmembers; i++) {
        ok[i] = true;
        if (sw_grouping_skip(&grouping, p->by_object, i, budget_spent)) {
            sw_grouping_count_unread(&grouping, p->members[i].tid);
            continue;
        }
        if (gone_at_inspection[p->members[i].tid]) {
            ok[i] = false;
            if (i == 0) {
                sw_episodes_done(&E, p, 0, 0, ok);
                return;
            }
            continue;
        }
        sw_grouping_add(&grouping, fp_of(p->members[i].tid), p->members[i].tid, i);
    }
    w->number = ++report_no;
    sw_episodes_done(&E, p, w->number, grouping.groups[0].fingerprint, ok);
}

static void carry_out(const struct sw_plan *p)
{
    ck_assert_uint_lt(nplans, NPLANS);
    struct written *w = &plans[nplans++];
    w->kind = p->kind;
    w->stall_report = p->stall_report;
    w->suppressed = p->suppressed;
    w->count = p->count;
    for (unsigned i = 0; i < p->nmembers && i < 16; i++) {
        w->tids[i] = p->members[i].tid;
        w->names[i] = p->members[i].name;
        w->owners[i] = p->owners != NULL ? p->owners[i] : 0;
    }
    w->ntids = p->nmembers;
    if (p->nmembers > 0) {
        w->word = p->members[0].word;
        w->obj = p->members[0].obj;
        w->cls = p->members[0].cls;
        w->kernel = p->members[0].kernel;
        w->waited_ns = p->members[0].waited_ns;
    }
    if (p->kind == SW_PLAN_WARM)
        return;
    if (!p->allowed) {
        sw_episodes_done(&E, p, 0, 0, NULL);
        return;
    }
    if (p->kind == SW_PLAN_STALL) {
        carry_out_stall(p, w);
        return;
    }
    w->number = ++report_no;
    sw_episodes_done(&E, p, w->number, p->fingerprint != 0 ? p->fingerprint : 0x1234, NULL);
}

/* One scan at now: every live slot looked at, every plan carried out. Returns the index of
 * the first plan it made. */
static unsigned scan_at(uint64_t now)
{
    unsigned first = nplans;
    sw_episodes_scan_begin(&E, now, 0, false);
    for (unsigned i = 0; i < NSLOTS; i++) {
        struct fake_slot *f = &slots[i];
        struct sw_obs o = {f->exited, i, f->gen, f->tid, f->word, f->obj};
        if (f->live && f->tid != 0)
            sw_episodes_look(&E, &f->ep, &o, &f->api);
    }
    struct sw_plan p;
    while (sw_episodes_next(&E, &p))
        carry_out(&p);
    return first;
}

/* Scans every 100 ms from `from` to `to` (inclusive). */
static void scan_from_to(uint64_t from, uint64_t to)
{
    for (uint64_t t = from; t <= to; t += 100 * MS)
        scan_at(t);
}

static unsigned count_kind(enum sw_plan_kind kind)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nplans; i++)
        n += plans[i].kind == kind;
    return n;
}

static const struct written *find_kind(enum sw_plan_kind kind)
{
    for (unsigned i = 0; i < nplans; i++)
        if (plans[i].kind == kind)
            return &plans[i];
    return NULL;
}

static const char *const lock_1s[] = {"STALLWATCH_LOCK=1s", "STALLWATCH_REPEAT=10s", NULL};

/* ---- candidates ---------------------------------------------------------------------------- */

START_TEST(test_a_lock_wait_past_its_threshold_is_one_stall)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(1 * S, 1 * S + 900 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 0);
    scan_from_to(2 * S, 3 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    const struct written *w = find_kind(SW_PLAN_STALL);
    ck_assert_int_eq(w->tids[0], 101);
    ck_assert_uint_eq(w->number, 1);
}
END_TEST

START_TEST(test_half_the_threshold_plans_the_one_warm_up_of_the_process)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(1 * S, 1 * S + 600 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_WARM), 1);
    ck_assert_int_eq(find_kind(SW_PLAN_WARM)->tids[0], 101);
    enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0x2000);
    scan_from_to(2 * S, 3 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_WARM), 1);
}
END_TEST

START_TEST(test_a_call_left_before_the_threshold_is_no_stall)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(1 * S, 1 * S + 900 * MS);
    leave(101);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000); /* again: a new entry is progress */
    scan_from_to(2 * S, 2 * S + 900 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 0);
}
END_TEST

START_TEST(test_a_class_that_is_off_costs_no_name_reads)
{
    /* 40 threads idle in poll with the idle class off: decided once, never named. */
    reset_world(lock_1s, 0);
    for (pid_t t = 101; t < 141; t++)
        enter(t, SW_CALL_POLL, 0);
    scan_from_to(1 * S, 10 * S);
    ck_assert_uint_eq(nplans, 0);
    ck_assert_uint_eq(name_reads, 0);
}
END_TEST

START_TEST(test_the_class_of_a_descriptor_is_decided_once_per_episode)
{
    const char *const env[] = {"STALLWATCH_PEER=1s", NULL};
    reset_world(env, 0);
    enter(101, SW_CALL_READ, 7)->fd_class = SW_CLASS_PEER;
    scan_from_to(1 * S, 3 * S);
    ck_assert_uint_eq(classify_calls, 1);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    /* The same read on a disk file is no peer stall. */
    leave(101);
    enter(101, SW_CALL_READ, 7)->fd_class = SW_CLASS_DISK;
    scan_from_to(4 * S, 6 * S);
    ck_assert_uint_eq(classify_calls, 2);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
}
END_TEST

START_TEST(test_ignored_threads_are_never_planned)
{
    const char *const env[] = {"STALLWATCH_LOCK=1s", "STALLWATCH_IGNORE=noisy-*", NULL};
    reset_world(env, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000)->name = "noisy-1";
    enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0x2000)->name = "worker";
    scan_from_to(1 * S, 3 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    ck_assert_int_eq(find_kind(SW_PLAN_STALL)->tids[0], 102);
}
END_TEST

START_TEST(test_a_stopped_process_is_forgiven_its_oversleep)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_at(1 * S);
    /* The next scan comes 10 s late: the process was stopped. */
    sw_episodes_scan_begin(&E, 11 * S, 10 * S - 100 * MS, false);
    struct sw_obs o;
    w_look(NULL, 1, &o);
    sw_episodes_look(&E, &slots[1].ep, &o, &slots[1].api);
    struct sw_plan p;
    while (sw_episodes_next(&E, &p))
        carry_out(&p);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 0);
}
END_TEST

START_TEST(test_busy_needs_ninety_percent_of_a_cpu)
{
    const char *const env[] = {"STALLWATCH_BUSY=1s", NULL};
    reset_world(env, 0);
    struct fake_slot *idle = enter(101, SW_CALL_NONE, 0);
    struct fake_slot *spin = enter(102, SW_CALL_NONE, 0);
    for (uint64_t t = 1 * S; t <= 4 * S; t += 100 * MS) {
        spin->cpu_ns = t;      /* on the CPU all along */
        idle->cpu_ns = t / 20; /* 5% */
        scan_at(t);
    }
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    ck_assert_int_eq(find_kind(SW_PLAN_STALL)->tids[0], 102);
}
END_TEST

/* ---- the life of a stall ------------------------------------------------------------------ */

START_TEST(test_a_stall_repeats_on_the_back_off_then_recovers_with_its_total_wait)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(1 * S, 32 * S);
    /* Stall at 2 s; still-stalled 10 s and 30 s later (10 s back-off doubled). */
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    ck_assert_uint_eq(count_kind(SW_PLAN_REPEAT), 2);
    ck_assert_uint_eq(find_kind(SW_PLAN_REPEAT)->stall_report, 1);
    leave(101);
    unsigned first = scan_at(40 * S);
    ck_assert_uint_eq(plans[first].kind, SW_PLAN_RECOVERED);
    ck_assert_uint_eq(plans[first].stall_report, 1);
    scan_from_to(41 * S, 45 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_RECOVERED), 1);
}
END_TEST

/* Found on real programs (issue: a worker that waited on a lock, then finishes): a subject
 * that exits right after its stalled call returns still gets its "recovered", and only then
 * is its slot let go. */
START_TEST(test_a_subject_that_exits_at_once_is_still_recovered)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(1 * S, 2 * S + 100 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    ck_assert(slots[1].held);
    thread_exits(101); /* between two looks */
    ck_assert(slots[1].live && slots[1].exited);
    unsigned first = scan_at(4 * S);
    ck_assert_uint_eq(plans[first].kind, SW_PLAN_RECOVERED);
    ck_assert_uint_eq(plans[first].stall_report, 1);
    ck_assert(!slots[1].live); /* freed once the episode is closed */
    scan_from_to(4 * S + 100 * MS, 5 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_RECOVERED), 1);
}
END_TEST

/* A reported thread that is not the subject (a member of a group) is never held; a held
 * subject that recovers while alive is let go. */
START_TEST(test_only_open_subjects_are_held)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(1 * S, 2 * S + 100 * MS);
    ck_assert(slots[1].held && !slots[2].held);
    leave(101);
    scan_at(3 * S);
    ck_assert(!slots[1].held && slots[1].live);
}
END_TEST

START_TEST(test_threads_on_the_same_object_are_members_of_one_stall)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_at(1 * S);
    enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000); /* queued later, not past its threshold */
    enter(103, SW_CALL_PTHREAD_MUTEX_LOCK, 0x2000); /* another lock */
    scan_from_to(1 * S + 100 * MS, 2 * S + 100 * MS);
    const struct written *w = find_kind(SW_PLAN_STALL);
    ck_assert_ptr_nonnull(w);
    ck_assert_uint_eq(w->ntids, 2);
    ck_assert_int_eq(w->tids[0], 101);
    ck_assert_int_eq(w->tids[1], 102);
    /* Thread 103 waits on its own lock: a stall of its own, a scan later. */
    scan_from_to(2 * S + 200 * MS, 3 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 2);
}
END_TEST

START_TEST(test_an_ignored_thread_on_the_same_object_is_no_member)
{
    const char *const env[] = {"STALLWATCH_LOCK=1s", "STALLWATCH_IGNORE=quiet", NULL};
    reset_world(env, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000)->name = "loud";
    enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000)->name = "quiet";
    scan_from_to(1 * S, 2 * S + 100 * MS);
    const struct written *w = find_kind(SW_PLAN_STALL);
    ck_assert_ptr_nonnull(w);
    ck_assert_uint_eq(w->ntids, 1);
    ck_assert_int_eq(w->tids[0], 101);
}
END_TEST

START_TEST(test_a_later_waiter_joins_the_open_stall_silently)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(1 * S, 2 * S + 100 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(2 * S + 200 * MS, 9 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    /* ... and counts in the still-stalled report. */
    scan_from_to(9 * S + 100 * MS, 12 * S);
    const struct written *r = find_kind(SW_PLAN_REPEAT);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->count, 2);
}
END_TEST

START_TEST(test_members_still_waiting_after_the_subject_recovers_get_a_stall_of_their_own)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(1 * S, 2 * S + 100 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    leave(101);
    scan_from_to(3 * S, 3 * S + 200 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_RECOVERED), 1);
    /* Not at once: a queue draining behind the lock is no news... */
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    /* ... but a threshold later it still waits: that is. */
    scan_from_to(3 * S + 300 * MS, 4 * S + 100 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 2);
    ck_assert_int_eq(plans[nplans - 1].tids[0], 102);
}
END_TEST

START_TEST(test_a_subject_that_moved_on_before_inspection_is_no_stall)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    gone_at_inspection[101] = true;
    scan_from_to(1 * S, 2 * S + 100 * MS);
    ck_assert_uint_eq(report_no, 0);
    /* Not marked: it is a candidate again at the next scan. */
    gone_at_inspection[101] = false;
    scan_at(2 * S + 200 * MS);
    ck_assert_uint_eq(report_no, 1);
}
END_TEST

START_TEST(test_calls_without_an_object_group_the_candidates_of_the_same_call)
{
    const char *const env[] = {"STALLWATCH_IDLE=1s", NULL};
    reset_world(env, 0);
    enter(101, SW_CALL_PAUSE, 0);
    enter(102, SW_CALL_SIGSUSPEND, 0);
    enter(103, SW_CALL_PAUSE, 0);
    scan_from_to(1 * S, 2 * S + 100 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 2);
    const struct written *w = find_kind(SW_PLAN_STALL);
    ck_assert_uint_eq(w->ntids, 2);
    ck_assert_int_eq(w->tids[0], 101);
    ck_assert_int_eq(w->tids[1], 103);
    ck_assert_int_eq(plans[nplans - 1].tids[0], 102);
    ck_assert_uint_eq(plans[nplans - 1].ntids, 1);
}
END_TEST

/* ---- grouping -------------------------------------------------------------------------------- */

START_TEST(test_members_with_different_stacks_make_groups)
{
    struct sw_grouping g;
    sw_grouping_init(&g);
    ck_assert(sw_grouping_add(&g, 0xa, 101, 0));
    ck_assert(!sw_grouping_add(&g, 0xa, 102, 1));
    ck_assert(sw_grouping_add(&g, 0xb, 103, 1));
    ck_assert_uint_eq(g.ngroups, 2);
    ck_assert_uint_eq(g.groups[0].count, 2);
    ck_assert_int_eq(g.groups[0].tids[1], 102);
    ck_assert_uint_eq(g.groups[1].entry, 1);
}
END_TEST

START_TEST(test_past_sixteen_stacks_the_rest_count_with_the_last)
{
    struct sw_grouping g;
    sw_grouping_init(&g);
    for (unsigned i = 0; i < SW_GROUPS_MAX; i++)
        ck_assert(sw_grouping_add(&g, 100 + i, (pid_t)(200 + i), i));
    ck_assert(!sw_grouping_add(&g, 999, 300, SW_GROUPS_MAX));
    ck_assert_uint_eq(g.ngroups, SW_GROUPS_MAX);
    ck_assert_uint_eq(g.groups[SW_GROUPS_MAX - 1].count, 2);
}
END_TEST

/* Found on a loaded machine with 1,000 members (commit c4301da): once the symbolization budget
 * was spent, raw stacks fingerprinted differently and split one group in two. */
START_TEST(test_past_the_budget_members_on_the_object_count_with_the_first)
{
    reset_world(lock_1s, 0);
    for (pid_t t = 101; t <= 110; t++)
        enter(t, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    budget_spent = true; /* from the first member on: each later one would be raw */
    scan_from_to(1 * S, 2 * S + 100 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    ck_assert_uint_eq(grouping.ngroups, 1);
    ck_assert_uint_eq(grouping.groups[0].count, 10);
    ck_assert_uint_eq(grouping.unread, 9);
}
END_TEST

/* The follow-up (commit 3129d77): the rule is for members on one object only; members of a
 * call without one have only the call in common and are read one by one. */
START_TEST(test_past_the_budget_members_without_an_object_are_still_read)
{
    struct sw_grouping g;
    sw_grouping_init(&g);
    ck_assert(sw_grouping_add(&g, 0xa, 101, 0));
    ck_assert(!sw_grouping_skip(&g, false, 1, true));
    ck_assert(sw_grouping_skip(&g, true, 1, true));
    ck_assert(!sw_grouping_skip(&g, true, 0, true));
    ck_assert(!sw_grouping_skip(&g, true, 1, false));
    /* And the planner says which kind a stall is. */
    const char *const env[] = {"STALLWATCH_IDLE=1s", NULL};
    reset_world(env, 0);
    enter(101, SW_CALL_PAUSE, 0);
    enter(102, SW_CALL_PAUSE, 0);
    stack_fp[102] = 0xbeef;
    budget_spent = true;
    scan_from_to(1 * S, 2 * S + 100 * MS);
    ck_assert_uint_eq(grouping.unread, 0);
    ck_assert_uint_eq(grouping.ngroups, 2);
}
END_TEST

/* ---- deadlocks ------------------------------------------------------------------------------- */

static void abba(void)
{
    struct fake_slot *a = enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0xb);
    struct fake_slot *b = enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0xa);
    a->owner = 102;
    b->owner = 101;
    a->name = "worker-a";
    b->name = "worker-b";
}

START_TEST(test_a_cycle_stable_for_the_deadlock_time_is_one_deadlock)
{
    const char *const env[] = {"STALLWATCH_LOCK=5s", "STALLWATCH_DEADLOCK=1s", NULL};
    reset_world(env, 0);
    abba();
    scan_from_to(1 * S, 1 * S + 900 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_DEADLOCK), 0);
    scan_from_to(2 * S, 8 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_DEADLOCK), 1);
    const struct written *w = find_kind(SW_PLAN_DEADLOCK);
    ck_assert_uint_eq(w->ntids, 2);
    ck_assert_int_eq(w->owners[0], w->tids[1]);
    ck_assert_int_eq(w->owners[1], w->tids[0]);
    /* Its members are not reported again as plain stalls. */
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 0);
}
END_TEST

/* Seen under valgrind (CI, 8e55d51): the second waiter came 20 ms after the first, so when the
 * first reached the lock threshold the second's edge was not yet stable, and the deadlock was
 * reported as the first thread's stall. A cycle that stands when a member is due is the
 * deadlock. */
START_TEST(test_a_cycle_whose_second_edge_is_younger_is_still_one_deadlock)
{
    const char *const env[] = {"STALLWATCH_LOCK=500ms", NULL};
    reset_world(env, 0);
    struct fake_slot *a = enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0xb);
    a->owner = 102;
    scan_at(1 * S);
    struct fake_slot *b = enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0xa);
    b->owner = 101;
    for (uint64_t t = 1 * S + 20 * MS; t <= 3 * S; t += 20 * MS)
        scan_at(t);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 0);
    ck_assert_uint_eq(count_kind(SW_PLAN_DEADLOCK), 1);
    ck_assert_uint_eq(find_kind(SW_PLAN_DEADLOCK)->ntids, 2);
}
END_TEST

/* Found by a review: an edge seen for the first time, in the scan where a member comes due,
 * does not make a deadlock (a thread only passing through a timed lock). */
START_TEST(test_an_edge_seen_once_does_not_close_a_deadlock)
{
    const char *const env[] = {"STALLWATCH_LOCK=500ms", NULL};
    reset_world(env, 0);
    struct fake_slot *x = enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0xb);
    x->owner = 102;
    for (uint64_t t = 1 * S; t < 1 * S + 500 * MS; t += 20 * MS)
        scan_at(t);
    struct fake_slot *y = enter(102, SW_CALL_PTHREAD_MUTEX_TIMEDLOCK, 0xa);
    y->owner = 101;
    scan_at(1 * S + 500 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_DEADLOCK), 0);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
}
END_TEST

START_TEST(test_a_changing_owner_is_no_deadlock)
{
    const char *const env[] = {"STALLWATCH_LOCK=off", "STALLWATCH_DEADLOCK=1s", NULL};
    reset_world(env, 0);
    abba();
    for (uint64_t t = 1 * S; t < 5 * S; t += 100 * MS) {
        /* Thread 101's lock changes hands every look: no stable edge. */
        slots[1].owner = (t / (100 * MS)) % 2 ? 102 : 103;
        scan_at(t);
    }
    ck_assert_uint_eq(count_kind(SW_PLAN_DEADLOCK), 0);
}
END_TEST

START_TEST(test_a_thread_waiting_for_a_lock_it_holds_is_a_cycle_of_one)
{
    const char *const env[] = {"STALLWATCH_DEADLOCK=1s", NULL};
    reset_world(env, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0xa)->owner = 101;
    scan_from_to(1 * S, 3 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_DEADLOCK), 1);
    ck_assert_uint_eq(find_kind(SW_PLAN_DEADLOCK)->ntids, 1);
}
END_TEST

/* Found by a review (commit 433040d): with the lock class off, decide() reads no names, and
 * the deadlock report named none of its threads. */
START_TEST(test_deadlock_members_are_named_with_the_lock_class_off)
{
    const char *const env[] = {"STALLWATCH_LOCK=off", "STALLWATCH_DEADLOCK=1s", NULL};
    reset_world(env, 0);
    abba();
    scan_from_to(1 * S, 3 * S);
    const struct written *w = find_kind(SW_PLAN_DEADLOCK);
    ck_assert_ptr_nonnull(w);
    ck_assert_str_eq(w->names[0], "worker-a");
    ck_assert_str_eq(w->names[1], "worker-b");
}
END_TEST

START_TEST(test_a_cycle_through_an_ignored_thread_is_not_reported)
{
    const char *const env[] = {"STALLWATCH_DEADLOCK=1s", "STALLWATCH_IGNORE=worker-b", NULL};
    reset_world(env, 0);
    abba();
    scan_from_to(1 * S, 8 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_DEADLOCK), 0);
}
END_TEST

/* ---- promises -------------------------------------------------------------------------------- */

START_TEST(test_a_missed_heartbeat_is_reported_then_closed_when_it_beats_again)
{
    reset_world(lock_1s, 0);
    struct fake_slot *f = enter(101, SW_CALL_NONE, 0);
    f->api.hb_count = 1;
    f->api.hb_timeout_ms = 500;
    scan_from_to(1 * S, 1 * S + 400 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_HEARTBEAT), 0);
    scan_from_to(1 * S + 500 * MS, 3 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_HEARTBEAT), 1);
    uint32_t number = find_kind(SW_PLAN_HEARTBEAT)->number;
    f->api.hb_count = 2;
    scan_at(3 * S + 100 * MS);
    const struct written *back = find_kind(SW_PLAN_HB_BACK);
    ck_assert_ptr_nonnull(back);
    ck_assert_uint_eq(back->stall_report, number);
}
END_TEST

START_TEST(test_a_scope_that_overruns_is_reported_then_closed_when_it_ends)
{
    reset_world(lock_1s, 0);
    struct fake_slot *f = enter(101, SW_CALL_NONE, 0);
    f->api.depth = 1;
    f->api.seq[0] = 7;
    f->api.timeout_ms[0] = 300;
    scan_from_to(1 * S, 2 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_SCOPE), 1);
    f->api.depth = 0;
    scan_at(2 * S + 100 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_SCOPE_DONE), 1);
}
END_TEST

/* Found by a review (commit 433040d): a slot reused after its thread exited with a missed
 * promise held the next thread to it. The registry clears the counters at claim; the new
 * generation must also start the bookkeeping afresh. */
START_TEST(test_a_reused_slot_does_not_inherit_the_last_owners_promise)
{
    reset_world(lock_1s, 0);
    struct fake_slot *f = enter(101, SW_CALL_NONE, 0);
    f->api.hb_count = 1;
    f->api.hb_timeout_ms = 500;
    scan_from_to(1 * S, 2 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_HEARTBEAT), 1);
    /* The thread exits; a new one takes the slot, without any promise. */
    f->gen++;
    memset(&f->api, 0, sizeof f->api);
    scan_from_to(2 * S + 100 * MS, 6 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_HEARTBEAT), 1);
    ck_assert_uint_eq(count_kind(SW_PLAN_HB_BACK), 0);
}
END_TEST

/* ---- the rate limit -------------------------------------------------------------------------- */

START_TEST(test_withheld_reports_are_counted_and_summarized_later)
{
    const char *const env[] = {"STALLWATCH_LOCK=1s", "STALLWATCH_RATE=1", "STALLWATCH_REPEAT=off",
                               NULL};
    reset_world(env, 0);
    for (pid_t t = 101; t <= 103; t++)
        enter(t, SW_CALL_PTHREAD_MUTEX_LOCK, (uintptr_t)t); /* three different locks */
    scan_from_to(1 * S, 3 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 3);
    ck_assert_uint_eq(report_no, 1);
    /* A minute later a token is back: one summary says how many were withheld. */
    scan_at(65 * S);
    const struct written *w = find_kind(SW_PLAN_SUPPRESSED);
    ck_assert_ptr_nonnull(w);
    ck_assert_uint_eq(w->suppressed, 2);
}
END_TEST

START_TEST(test_the_last_look_before_exit_plans_recoveries_only)
{
    reset_world(lock_1s, 0);
    enter(101, SW_CALL_PTHREAD_MUTEX_LOCK, 0x1000);
    scan_from_to(1 * S, 2 * S + 100 * MS);
    leave(101);
    enter(102, SW_CALL_PTHREAD_MUTEX_LOCK, 0x2000);
    slots[2].ep.first_ns = 0;
    sw_episodes_scan_begin(&E, 30 * S, 0, true);
    for (unsigned i = 0; i < NSLOTS; i++) {
        struct sw_obs o;
        if (w_look(NULL, i, &o))
            sw_episodes_look(&E, &slots[i].ep, &o, &slots[i].api);
    }
    struct sw_plan p;
    unsigned n = 0;
    while (sw_episodes_next(&E, &p)) {
        ck_assert_uint_eq(p.kind, SW_PLAN_RECOVERED);
        n++;
    }
    ck_assert_uint_eq(n, 1);
}
END_TEST

/* ---- the kernel fallback ----------------------------------------------------------------- */

/* Thread tid, outside every interposed call, blocked in system call nr. */
static struct fake_slot *blocked_in(pid_t tid, long nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
    struct fake_slot *f = enter(tid, SW_CALL_READ, 3);
    leave(tid);
    f->obj = 0;
    f->kernel = (struct sw_klook){.blocked = true, .state = 'S', .nr = nr, .args = {a0, a1, a2}};
    return f;
}

START_TEST(test_a_lock_wait_outside_every_call_is_seen_in_the_kernel)
{
    reset_world(lock_1s, 0);
    blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2)->owner = 102;
    enter(102, SW_CALL_NANOSLEEP, 0);
    scan_from_to(100 * MS, 1 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 0);
    scan_from_to(1100 * MS, 1300 * MS);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    const struct written *w = find_kind(SW_PLAN_STALL);
    ck_assert_int_eq(w->tids[0], 101);
    ck_assert_uint_eq(w->word & SW_CALL_MASK, SW_CALL_FUTEX);
    ck_assert_uint_eq(w->obj, 0x5000);
    ck_assert_int_eq(w->cls, SW_CLASS_LOCK);
    ck_assert(w->kernel);
    /* Timed from the first sample of its CPU time, one scan after its last call. */
    ck_assert_uint_ge(w->waited_ns, 1 * S);
    ck_assert_uint_le(w->waited_ns, 1100 * MS);
}
END_TEST

START_TEST(test_a_futex_wait_whose_word_names_no_holder_is_a_wait)
{
    reset_world(lock_1s, 0);
    blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2);
    scan_from_to(100 * MS, 5 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 0);
    const char *const wait_on[] = {"STALLWATCH_WAIT=1s", NULL};
    reset_world(wait_on, 0);
    blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2);
    scan_from_to(100 * MS, 5 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    ck_assert_int_eq(find_kind(SW_PLAN_STALL)->cls, SW_CLASS_WAIT);
}
END_TEST

START_TEST(test_a_thread_whose_cpu_time_moves_is_never_looked_at)
{
    reset_world(lock_1s, 0);
    struct fake_slot *f = blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2);
    f->owner = 102;
    for (uint64_t t = 100 * MS; t <= 10 * S; t += 100 * MS) {
        f->cpu_ns += 1000;
        scan_at(t);
    }
    ck_assert_uint_eq(kernel_looks, 0);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 0);
}
END_TEST

START_TEST(test_a_wait_in_a_class_that_is_off_is_looked_at_once)
{
    reset_world(lock_1s, 0);
    blocked_in(101, SYS_epoll_wait, 5, 0, 0); /* idle: off by default */
    scan_from_to(100 * MS, 20 * S);
    ck_assert_uint_eq(kernel_looks, 1);
    ck_assert_uint_eq(nplans, 0);
}
END_TEST

START_TEST(test_a_running_thread_is_looked_at_once_per_threshold_at_most)
{
    reset_world(lock_1s, 0);
    struct fake_slot *f = blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2);
    f->kernel.blocked = false; /* stopped, say: no CPU, no system call */
    scan_from_to(100 * MS, 10 * S);
    ck_assert_uint_ge(kernel_looks, 8);
    ck_assert_uint_le(kernel_looks, 11);
}
END_TEST

START_TEST(test_uninterruptible_sleep_is_a_disk_stall_whatever_the_call)
{
    const char *const env[] = {"STALLWATCH_DISK=1s", NULL};
    reset_world(env, 0);
    blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 0)->kernel.state = 'D';
    scan_from_to(100 * MS, 3 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    ck_assert_int_eq(find_kind(SW_PLAN_STALL)->cls, SW_CLASS_DISK);
}
END_TEST

START_TEST(test_a_kernel_stall_recovers_when_it_leaves_the_wait_not_when_signalled)
{
    reset_world(lock_1s, 0);
    struct fake_slot *f = blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2);
    f->owner = 102;
    scan_from_to(100 * MS, 2 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    /* Our capture signal ran its handler: CPU time moved, the thread is back in the wait
     * (as restart_syscall). */
    f->cpu_ns += 5000;
    f->kernel.nr = SYS_restart_syscall;
    scan_from_to(2100 * MS, 4 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_RECOVERED), 0);
    /* It got the lock and went on with its work (no interposed call since). */
    f->cpu_ns += 5000;
    f->kernel = (struct sw_klook){.blocked = false};
    scan_from_to(4100 * MS, 5 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_RECOVERED), 1);
    ck_assert(find_kind(SW_PLAN_RECOVERED)->kernel);
    /* And it can stall again in the same word, in a new wait. */
    f->kernel = (struct sw_klook){
        .blocked = true, .state = 'S', .nr = SYS_futex, .args = {0x6000, FUTEX_WAIT_PRIVATE, 2}};
    scan_from_to(5100 * MS, 8 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 2);
}
END_TEST

/* Found on stdio_lock (tests/progs): a wait seen in the kernel leaves the slot's word as it
 * was, and so does the thread's exit; the stall was never closed. */
START_TEST(test_a_kernel_stall_whose_thread_exits_at_once_is_recovered)
{
    reset_world(lock_1s, 0);
    struct fake_slot *f = blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2);
    f->owner = 102;
    scan_from_to(100 * MS, 2 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 1);
    thread_exits(101);
    scan_from_to(2100 * MS, 3 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_RECOVERED), 1);
    ck_assert(!slots[1].live);
}
END_TEST

START_TEST(test_the_fallback_is_off_with_stallwatch_kernel_0)
{
    const char *const env[] = {"STALLWATCH_LOCK=1s", "STALLWATCH_KERNEL=0", NULL};
    reset_world(env, 0);
    blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2)->owner = 102;
    scan_from_to(100 * MS, 5 * S);
    ck_assert_uint_eq(kernel_looks, 0);
    ck_assert_uint_eq(count_kind(SW_PLAN_STALL), 0);
}
END_TEST

START_TEST(test_heartbeat_threads_are_judged_by_their_promise_not_the_kernel)
{
    const char *const env[] = {"STALLWATCH_LOCK=1s", "STALLWATCH_HEARTBEAT=beater", NULL};
    reset_world(env, 0);
    struct fake_slot *f = blocked_in(101, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2);
    f->owner = 102;
    f->name = "beater";
    scan_from_to(100 * MS, 10 * S);
    ck_assert_uint_eq(kernel_looks, 0);
}
END_TEST

START_TEST(test_a_join_and_a_lock_seen_in_the_kernel_close_a_deadlock)
{
    const char *const env[] = {"STALLWATCH_DEADLOCK=1s", NULL};
    reset_world(env, 0);
    /* 101 joins 102; 102 waits in the kernel for a lock 101 holds. */
    enter(101, SW_CALL_PTHREAD_JOIN, 0x7000)->owner = 102;
    blocked_in(102, SYS_futex, 0x5000, FUTEX_WAIT_PRIVATE, 2)->owner = 101;
    scan_from_to(100 * MS, 8 * S);
    ck_assert_uint_eq(count_kind(SW_PLAN_DEADLOCK), 1);
    ck_assert_uint_eq(find_kind(SW_PLAN_DEADLOCK)->ntids, 2);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("episode");
    TCase *c = tcase_create("candidates");
    tcase_add_test(c, test_a_lock_wait_past_its_threshold_is_one_stall);
    tcase_add_test(c, test_half_the_threshold_plans_the_one_warm_up_of_the_process);
    tcase_add_test(c, test_a_call_left_before_the_threshold_is_no_stall);
    tcase_add_test(c, test_a_class_that_is_off_costs_no_name_reads);
    tcase_add_test(c, test_the_class_of_a_descriptor_is_decided_once_per_episode);
    tcase_add_test(c, test_ignored_threads_are_never_planned);
    tcase_add_test(c, test_a_stopped_process_is_forgiven_its_oversleep);
    tcase_add_test(c, test_busy_needs_ninety_percent_of_a_cpu);
    suite_add_tcase(s, c);
    c = tcase_create("life");
    tcase_add_test(c, test_a_stall_repeats_on_the_back_off_then_recovers_with_its_total_wait);
    tcase_add_test(c, test_a_subject_that_exits_at_once_is_still_recovered);
    tcase_add_test(c, test_only_open_subjects_are_held);
    tcase_add_test(c, test_threads_on_the_same_object_are_members_of_one_stall);
    tcase_add_test(c, test_an_ignored_thread_on_the_same_object_is_no_member);
    tcase_add_test(c, test_a_later_waiter_joins_the_open_stall_silently);
    tcase_add_test(c,
                   test_members_still_waiting_after_the_subject_recovers_get_a_stall_of_their_own);
    tcase_add_test(c, test_a_subject_that_moved_on_before_inspection_is_no_stall);
    tcase_add_test(c, test_calls_without_an_object_group_the_candidates_of_the_same_call);
    suite_add_tcase(s, c);
    c = tcase_create("grouping");
    tcase_add_test(c, test_members_with_different_stacks_make_groups);
    tcase_add_test(c, test_past_sixteen_stacks_the_rest_count_with_the_last);
    tcase_add_test(c, test_past_the_budget_members_on_the_object_count_with_the_first);
    tcase_add_test(c, test_past_the_budget_members_without_an_object_are_still_read);
    suite_add_tcase(s, c);
    c = tcase_create("deadlocks");
    tcase_add_test(c, test_a_cycle_stable_for_the_deadlock_time_is_one_deadlock);
    tcase_add_test(c, test_a_changing_owner_is_no_deadlock);
    tcase_add_test(c, test_a_cycle_whose_second_edge_is_younger_is_still_one_deadlock);
    tcase_add_test(c, test_an_edge_seen_once_does_not_close_a_deadlock);
    tcase_add_test(c, test_a_thread_waiting_for_a_lock_it_holds_is_a_cycle_of_one);
    tcase_add_test(c, test_deadlock_members_are_named_with_the_lock_class_off);
    tcase_add_test(c, test_a_cycle_through_an_ignored_thread_is_not_reported);
    suite_add_tcase(s, c);
    c = tcase_create("promises");
    tcase_add_test(c, test_a_missed_heartbeat_is_reported_then_closed_when_it_beats_again);
    tcase_add_test(c, test_a_scope_that_overruns_is_reported_then_closed_when_it_ends);
    tcase_add_test(c, test_a_reused_slot_does_not_inherit_the_last_owners_promise);
    suite_add_tcase(s, c);
    c = tcase_create("rate");
    tcase_add_test(c, test_withheld_reports_are_counted_and_summarized_later);
    tcase_add_test(c, test_the_last_look_before_exit_plans_recoveries_only);
    suite_add_tcase(s, c);
    c = tcase_create("kernel");
    tcase_add_test(c, test_a_lock_wait_outside_every_call_is_seen_in_the_kernel);
    tcase_add_test(c, test_a_futex_wait_whose_word_names_no_holder_is_a_wait);
    tcase_add_test(c, test_a_thread_whose_cpu_time_moves_is_never_looked_at);
    tcase_add_test(c, test_a_wait_in_a_class_that_is_off_is_looked_at_once);
    tcase_add_test(c, test_a_running_thread_is_looked_at_once_per_threshold_at_most);
    tcase_add_test(c, test_uninterruptible_sleep_is_a_disk_stall_whatever_the_call);
    tcase_add_test(c, test_a_kernel_stall_recovers_when_it_leaves_the_wait_not_when_signalled);
    tcase_add_test(c, test_a_kernel_stall_whose_thread_exits_at_once_is_recovered);
    tcase_add_test(c, test_the_fallback_is_off_with_stallwatch_kernel_0);
    tcase_add_test(c, test_heartbeat_threads_are_judged_by_their_promise_not_the_kernel);
    tcase_add_test(c, test_a_join_and_a_lock_seen_in_the_kernel_close_a_deadlock);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
