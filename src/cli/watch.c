/* stallwatch watch PID: the watchdog from outside, for a process that was not started with the
 * shim, looking at each thread without stopping the process: one pread of its /proc schedstat
 * (the count of times the thread ran, kept open), and, when that moved, its stat and syscall
 * files. A thread that has not run since it was first seen blocked in a system call is in one
 * wait. Threads in a wait of a class that is on (a lock, a read of a peer...) are looked at
 * every period; the rest (idle threads, waits of classes that are off) and the list of
 * threads every half of the smallest threshold, which is what keeps a process of a thousand
 * idle threads cheap to watch: a wait that begins between two such looks is timed from the
 * look that saw it, so it is reported late by at most that half, never early. Past its class's
 * threshold the process is captured (snapshot.c: seize, copy, detach) and the wait is
 * reported as `stall` (or `deadlock` when its owners lead back to it), then `still-stalled` as
 * the shim repeats them and `recovered` when the thread runs again, exits, or the process
 * ends. Ends with 0 when the process exits or on SIGINT or SIGTERM (then without closing the
 * stalls still open: they are not over). The command's own thread. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/emit.h"
#include "cli/snapshot.h"
#include "core/clock.h"
#include "core/diagnose.h"
#include "core/policy.h"
#include "core/watch.h"

#define MS         1000000ull
#define OWNERS_MAX 16
#define CYCLE_MAX  64

struct watched {
    pid_t tid;
    int fd;              /* /proc/PID/task/TID/schedstat, kept open; -1 none */
    uint64_t runs;       /* times the thread ran (schedstat's third field) */
    bool seen;           /* still listed in this period */
    bool blocked;        /* the wait being timed is a system call */
    struct sw_tlook look;
    enum sw_class cls;
    uint64_t since_ns;   /* the first look that saw this wait */
    unsigned report;     /* the stall report of this wait; 0 none */
    char fp[17];
    char call[32], name[17];
    bool kernel;         /* the call was named from the system call alone */
    bool member;         /* another thread's report stands for this wait (a deadlock's member,
                          * or a waiter in the same call on the same object) */
    uintptr_t obj;       /* the blocked call's object (from its arguments) */
    bool has_obj;        /* the call has an object (a lock word, a descriptor...) */
    unsigned repeats;
    uint64_t next_ns;    /* the next still-stalled report */
};

static volatile sig_atomic_t stop_requested;
static char said[512]; /* the reason a capture failed, said once on stderr */
static struct sw_snap names; /* the process's names, for reports without a capture */
static struct watched *ws;
static unsigned nws, capws;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The number of times tid ran, from its schedstat, into *runs; false if the thread is gone. */
static bool read_count(pid_t pid, struct watched *w, uint64_t *runs)
{
    if (w->fd < 0) {
        char path[96];
        snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)pid, (int)w->tid);
        w->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (w->fd < 0)
            return false;
    }
    char buf[128];
    ssize_t n = pread(w->fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    unsigned long long run, wait, slices;
    if (sscanf(buf, "%llu %llu %llu", &run, &wait, &slices) != 3)
        return false;
    *runs = slices;
    return true;
}

static bool read_runs(pid_t pid, struct watched *w)
{
    return read_count(pid, w, &w->runs);
}

/* ws[0..nsorted) is in tid order (sorted again after each period's additions, which go at
 * the end, and removals). */
static unsigned nsorted;

static struct watched *find(pid_t tid)
{
    unsigned lo = 0, hi = nsorted;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (ws[mid].tid == tid)
            return &ws[mid];
        if (ws[mid].tid < tid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int by_tid(const void *a, const void *b)
{
    pid_t x = ((const struct watched *)a)->tid, y = ((const struct watched *)b)->tid;
    return (x > y) - (x < y);
}

static struct watched *add(pid_t tid)
{
    if (nws == capws) {
        unsigned cap = capws != 0 ? capws * 2 : 64;
        struct watched *n = realloc(ws, cap * sizeof *n);
        if (n == NULL)
            return NULL;
        ws = n;
        capws = cap;
    }
    struct watched *w = &ws[nws++];
    memset(w, 0, sizeof *w);
    w->tid = tid;
    w->fd = -1;
    return w;
}

/* A report of one thread entry, without a capture: still-stalled and recovered. */
static void write_short(pid_t pid, const char *event, const struct watched *w, uint64_t now)
{
    (void)pid;
    struct sw_thread_report t = {.tid = w->tid, .name = w->name, .call = w->call,
                                 .cls = w->cls, .waited_ms = (now - w->since_ns) / MS,
                                 .kernel = w->kernel};
    struct sw_report r;
    sw_cli_report_base(&names, event, &r);
    r.stall_report = w->report;
    r.fingerprint = w->fp;
    r.threads = &t;
    r.nthreads = 1;
    sw_emit(&r);
}

/* Whether a and b wait in the same system call on the same object, each in a class that is
 * on (calls without an object, poll or sleep, are never the same wait). */
static bool same_wait(const struct watched *a, const struct watched *b)
{
    return a->blocked && b->blocked && a->has_obj && b->has_obj && a->cls != SW_CLASS_NONE &&
           b->cls != SW_CLASS_NONE && a->look.k.nr == b->look.k.nr && a->obj == b->obj;
}

static bool due(const struct sw_config *cfg, const struct watched *w, uint64_t now)
{
    uint64_t limit = w->cls != SW_CLASS_NONE ? cfg->class_ns[w->cls] : 0;
    return limit != 0 && w->report == 0 && now - w->since_ns >= limit;
}

/* o becomes a member of w's report: that report stands for its wait. */
static void join(struct watched *o, const struct watched *w, const char *call, bool kernel)
{
    o->report = w->report;
    o->member = true;
    memcpy(o->fp, w->fp, sizeof o->fp);
    char named[sizeof o->call];
    snprintf(named, sizeof named, "%s", call != NULL ? call : "??");
    memcpy(o->call, named, sizeof named);
    snprintf(o->name, sizeof o->name, "%s", o->look.name);
    o->kernel = kernel;
}

/* The stall's entries: the subject, one entry per other stack among the threads waiting with
 * it (role waiter; each with count and tids), the chain of owners it waits for, and with
 * all_threads everyone else. */
struct group {
    uint64_t fp;
    unsigned entry, count;
    pid_t tids[SW_REPORT_TIDS_MAX];
};

static unsigned stall_entries(const struct sw_snap *s, const int *members, unsigned nmembers,
                              struct sw_thread_report *out, bool all_threads)
{
    static struct group groups[16];
    unsigned n = 0, ngroups = 0;
    bool *in = calloc(s->n, sizeof *in);
    if (in == NULL)
        return 0;
    for (unsigned m = 0; m < nmembers; m++) {
        const struct sw_thread_report *t = &s->threads[members[m]];
        uint64_t fp = sw_fingerprint_thread(t);
        unsigned g = 0;
        while (g < ngroups && groups[g].fp != fp)
            g++;
        if (g == ngroups && ngroups < sizeof groups / sizeof groups[0]) {
            groups[ngroups++] = (struct group){.fp = fp, .entry = n};
            out[n] = *t;
            out[n].role = n == 0 ? NULL : "waiter";
            n++;
        } else if (g == ngroups) {
            g = ngroups - 1; /* more stacks than entries: counted with the last */
        }
        if (groups[g].count < SW_REPORT_TIDS_MAX)
            groups[g].tids[groups[g].count] = t->tid;
        groups[g].count++;
        in[members[m]] = true;
    }
    for (unsigned g = 0; g < ngroups; g++) {
        if (groups[g].count > 1) {
            out[groups[g].entry].count = groups[g].count;
            out[groups[g].entry].tids = groups[g].tids;
            out[groups[g].entry].ntids =
                groups[g].count < SW_REPORT_TIDS_MAX ? groups[g].count : SW_REPORT_TIDS_MAX;
        }
    }
    for (int k = s->threads[members[0]].owner_tid != 0
                     ? sw_snap_find(s, s->threads[members[0]].owner_tid)
                     : -1;
         k >= 0 && n < nmembers + OWNERS_MAX && !in[k];
         k = s->threads[k].owner_tid != 0 ? sw_snap_find(s, s->threads[k].owner_tid) : -1) {
        in[k] = true;
        out[n] = s->threads[k];
        out[n++].role = "owner";
    }
    for (unsigned k = 0; all_threads && k < s->n; k++) {
        if (!in[k]) {
            out[n] = s->threads[k];
            out[n++].role = "other";
        }
    }
    free(in);
    return n;
}

/* Reports w's wait from snapshot s: a deadlock when its owners lead back to it, else a stall
 * standing for every thread waiting in the same call on the same object that no report
 * stands for yet. */
static void report_from(const struct sw_snap *s, const struct sw_config *cfg, struct watched *w,
                        uint64_t now)
{
    int i = sw_snap_find(s, w->tid);
    if (i < 0)
        return; /* gone since: its stall ends unreported */
    int *members = calloc(s->n, sizeof *members);
    bool *reported = calloc(s->n, sizeof *reported);
    struct sw_thread_report *entries = calloc(s->n + OWNERS_MAX, sizeof *entries);
    if (members == NULL || reported == NULL || entries == NULL)
        goto out;
    unsigned nmembers = 0;
    members[nmembers++] = i;
    s->threads[i].waited_ms = (now - w->since_ns) / MS;
    for (unsigned k = 0; k < nws; k++) {
        int j;
        if (&ws[k] != w && ws[k].report == 0 && same_wait(&ws[k], w) &&
            (j = sw_snap_find(s, ws[k].tid)) >= 0) {
            members[nmembers++] = j;
            s->threads[j].waited_ms = (now - ws[k].since_ns) / MS;
        }
    }
    snprintf(w->call, sizeof w->call, "%s", s->threads[i].call ? s->threads[i].call : "??");
    snprintf(w->name, sizeof w->name, "%s", w->look.name);
    w->kernel = s->threads[i].kernel;
    struct sw_report r;
    unsigned n = sw_cli_deadlock(s, (unsigned)i, reported, entries, w->fp);
    bool deadlock = n > 0;
    if (deadlock) {
        sw_cli_report_base(s, "deadlock", &r);
        nmembers = 1; /* the cycle's members are its entries */
    } else {
        n = stall_entries(s, members, nmembers, entries, cfg->all_threads);
        sw_fingerprint_hex(sw_fingerprint_thread(&entries[0]), w->fp);
        sw_cli_report_base(s, "stall", &r);
    }
    r.fingerprint = w->fp;
    r.threads = entries;
    r.nthreads = n;
    if (n == 0)
        goto out;
    sw_emit(&r);
    w->report = r.number;
    w->next_ns = cfg->repeat_ns != 0 ? now + cfg->repeat_ns : 0;
    /* The other members of a cycle, and the threads waiting with a stall, are the same hang:
     * not reported again. */
    for (unsigned k = 1; deadlock && k < n; k++) {
        struct watched *o = find(entries[k].tid);
        if (o != NULL && o->report == 0)
            join(o, w, entries[k].call, entries[k].kernel);
    }
    for (unsigned m = 1; m < nmembers; m++) {
        const struct sw_thread_report *t = &s->threads[members[m]];
        struct watched *o = find(t->tid);
        if (o != NULL && o->report == 0)
            join(o, w, t->call, t->kernel);
    }
out:
    free(members);
    free(reported);
    free(entries);
}

/* Without a capture (ptrace refused, the process going): each due wait is reported from its
 * look alone, with the reason as its note, together with the threads waiting with it. The
 * reason goes to stderr once for as long as it stays the same. */
static void report_uncaptured(pid_t pid, const struct sw_config *cfg, const char *why,
                              uint64_t now)
{
    if (strcmp(said, why) != 0) {
        fprintf(stderr, "stallwatch: cannot capture process %d: %s; stalls are reported "
                        "without stacks\n",
                (int)pid, why);
        snprintf(said, sizeof said, "%s", why);
    }
    char note[600];
    snprintf(note, sizeof note, "not captured: %s", why);
    for (unsigned i = 0; i < nws; i++) {
        struct watched *w = &ws[i];
        if (!due(cfg, w, now))
            continue;
        struct sw_kcall kc;
        bool named = sw_kernel_call(&w->look.k, &kc);
        snprintf(w->call, sizeof w->call, "%s", named ? sw_call_name(kc.call) : "??");
        snprintf(w->name, sizeof w->name, "%s", w->look.name);
        w->kernel = true;
        static pid_t tids[SW_REPORT_TIDS_MAX];
        unsigned count = 1;
        tids[0] = w->tid;
        for (unsigned k = 0; k < nws; k++) {
            if (&ws[k] != w && ws[k].report == 0 && same_wait(&ws[k], w)) {
                if (count < SW_REPORT_TIDS_MAX)
                    tids[count] = ws[k].tid;
                count++;
            }
        }
        struct sw_thread_report t = {
            .tid = w->tid, .name = w->name, .call = w->call, .cls = w->cls,
            .waited_ms = (now - w->since_ns) / MS, .kernel = true, .state = w->look.state,
            .wchan = w->look.wchan[0] != '\0' ? w->look.wchan : NULL, .note = note,
            .objkind = named ? (enum sw_objkind)sw_calls[kc.call].objkind : SW_OBJ_NONE,
            .object = w->obj, .fd = named && sw_calls[kc.call].objkind == SW_OBJ_FD ? (int)w->obj : -1,
            .count = count > 1 ? count : 0, .tids = tids,
            .ntids = count > 1 ? (count < SW_REPORT_TIDS_MAX ? count : SW_REPORT_TIDS_MAX) : 0};
        struct sw_report r;
        sw_cli_report_base(&names, "stall", &r);
        sw_fingerprint_hex(sw_fingerprint_thread(&t), w->fp);
        r.fingerprint = w->fp;
        r.threads = &t;
        r.nthreads = 1;
        sw_emit(&r);
        w->report = r.number;
        w->next_ns = cfg->repeat_ns != 0 ? now + cfg->repeat_ns : 0;
        for (unsigned k = 0; k < nws; k++)
            if (&ws[k] != w && ws[k].report == 0 && same_wait(&ws[k], w))
                join(&ws[k], w, w->call, true);
    }
}

struct released {
    pid_t pid;
    const struct sw_snap *s;
    uint64_t *before; /* each watched thread's count just before the capture; ~0: unread */
};

/* Right after the capture lets the process go: our interrupts made each stopped thread run,
 * which is not progress. Once each is back asleep in its call (at most 50 ms in all: one
 * that stays running is making progress of its own), what it ran since just before the
 * capture is added to its count, and only that: a run before the capture (a thread that
 * left its wait and began another) is still seen at the next look, and so is one while the
 * stacks are named. */
static void recount_runs(void *arg)
{
    const struct released *rel = arg;
    uint64_t until = sw_mono_ns() + 50 * MS;
    for (unsigned i = 0; i < rel->s->n; i++) {
        const struct sw_tcap *c = &rel->s->caps[i];
        if (!c->ok || !c->full_regs)
            continue;
        for (char st; (st = sw_target_state(rel->pid, c->tid)) == 'R' || st == 't' || st == 'T';) {
            if (sw_mono_ns() >= until)
                break;
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
        struct watched *w = find(c->tid);
        uint64_t after;
        if (w != NULL && rel->before[w - ws] != ~0ull && read_count(rel->pid, w, &after) &&
            after >= rel->before[w - ws])
            w->runs += after - rel->before[w - ws];
    }
}

/* One capture of the process for every wait due now, then their reports in tid order. */
static void report_due(pid_t pid, const struct sw_config *cfg, uint64_t now)
{
    static struct sw_snap s;
    char why[512];
    uint64_t *before = malloc((nws + 1) * sizeof *before);
    for (unsigned k = 0; before != NULL && k < nws; k++)
        if (!read_count(pid, &ws[k], &before[k]))
            before[k] = ~0ull;
    struct released rel = {pid, &s, before};
    int failed = sw_snap_take(pid, cfg, &s, why, sizeof why, before != NULL ? recount_runs : NULL,
                              &rel);
    free(before);
    if (failed) {
        if (sw_target_alive(pid))
            report_uncaptured(pid, cfg, why, now);
        sw_snap_free(&s);
        return;
    }
    said[0] = '\0'; /* captured again: a refusal later is said again */
    memcpy(names.exe, s.exe, sizeof names.exe);
    memcpy(names.comm, s.comm, sizeof names.comm);
    memcpy(names.title, s.title, sizeof names.title);
    memcpy(names.host, s.host, sizeof names.host);
    names.job = s.job;
    for (unsigned i = 0; i < nws; i++)
        if (due(cfg, &ws[i], now))
            report_from(&s, cfg, &ws[i], now);
    sw_snap_free(&s);
}

/* w's wait ends (it ran, or it is gone): its report, if it is the subject, is recovered, and
 * the threads that joined it stand alone again (still waiting: due at once, reported anew). */
static void end_wait(pid_t pid, struct watched *w, uint64_t now)
{
    if (w->report == 0 || w->member)
        return;
    write_short(pid, "recovered", w, now);
    for (unsigned k = 0; k < nws; k++) {
        if (ws[k].member && ws[k].report == w->report) {
            ws[k].member = false;
            ws[k].report = 0;
        }
    }
}

/* Whether a blocked call, interrupted by a stop, resumes as restart_syscall (the kernel's
 * -ERESTART_RESTARTBLOCK): futex waits with a timeout, the sleeps, poll with a timeout. */
static bool resumes_by_restart_block(const struct sw_klook *k)
{
    switch (k->nr) {
    case SYS_futex:
        return k->args[3] != 0;
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
        return true;
    case SYS_poll:
        return (int)k->args[2] >= 0;
    default:
        return false;
    }
}

/* A new wait for w (or none): its look, class and start. */
static void begin_wait(pid_t pid, const struct sw_config *cfg, struct watched *w, uint64_t now)
{
    w->since_ns = now;
    w->report = 0;
    w->member = false;
    w->repeats = 0;
    w->next_ns = 0;
    w->obj = 0;
    w->has_obj = false;
    struct sw_klook before = w->look.k;
    w->blocked = sw_target_look(pid, w->tid, &w->look) && w->look.k.blocked;
    /* A timed wait resumed after a stop (another tool's: our own captures are not counted as
     * runs) shows as restart_syscall, with no arguments: it is the call the last look saw,
     * when that call is one the kernel resumes so (a timed futex wait, a sleep, a poll with a
     * timeout). */
    if (w->blocked && w->look.k.nr == SYS_restart_syscall && before.blocked &&
        resumes_by_restart_block(&before)) {
        w->look.k.nr = before.nr;
        memcpy(w->look.k.args, before.args, sizeof before.args);
    }
    struct sw_kcall kc;
    if (!w->blocked || !sw_kernel_call(&w->look.k, &kc)) {
        w->cls = SW_CLASS_NONE;
        return;
    }
    w->obj = kc.obj;
    w->has_obj = sw_calls[kc.call].objkind != SW_OBJ_NONE;
    enum sw_class cls = kc.cls;
    /* A restart_syscall the last look cannot name (the thread's first look): no arguments
     * and no telling wait channel, judged as a wait (design.md). */
    if (cls == SW_CLASS_FD)
        cls = sw_target_fd_class(pid, (int)kc.obj);
    if (cls == SW_CLASS_PATH)
        cls = SW_CLASS_DISK;
    w->cls = sw_kernel_class(cls, w->look.state);
    bool main_thread = w->tid == pid;
    bool watched = (cfg->watch.n == 0 || sw_globs_match(&cfg->watch, w->look.name, main_thread)) &&
                   !sw_globs_match(&cfg->ignore, w->look.name, main_thread);
    if (sw_watch_threshold_ns(cfg, w->cls, false, watched) == 0)
        w->cls = SW_CLASS_NONE;
}

/* One thread's look: has it run since the last? Then its wait, if any, begins now. */
static void look_one(pid_t pid, const struct sw_config *cfg, struct watched *w, bool fresh,
                     uint64_t now)
{
    uint64_t before = w->runs;
    if (!read_runs(pid, w)) {
        w->seen = false; /* gone: its stall, if any, ends */
        return;
    }
    w->seen = true;
    if (!fresh && w->runs == before)
        return; /* has not run: the same wait goes on */
    end_wait(pid, w, now);
    begin_wait(pid, cfg, w, now);
}

/* The threads in a wait of a class that is on (or reported), looked at every period. */
static bool settle(pid_t pid, const struct sw_config *cfg, uint64_t now);

static bool hot(const struct watched *w)
{
    return w->cls != SW_CLASS_NONE || w->report != 0;
}

/* One period: the hot threads looked at, or with full every thread (and the list of threads
 * read again); stalls, repeats and recoveries written. false when the process is gone. */
static bool look_all(pid_t pid, const struct sw_config *cfg, uint64_t now, bool full)
{
    static pid_t tids[65536];
    if (!sw_target_alive(pid))
        return false;
    if (!full) {
        for (unsigned i = 0; i < nws; i++) {
            ws[i].seen = true;
            if (hot(&ws[i]))
                look_one(pid, cfg, &ws[i], false, now);
        }
        return settle(pid, cfg, now);
    }
    int n = sw_target_tids(pid, tids, sizeof tids / sizeof tids[0]);
    if (n <= 0)
        return false;
    for (unsigned i = 0; i < nws; i++)
        ws[i].seen = false;
    for (int i = 0; i < n; i++) {
        struct watched *w = find(tids[i]);
        bool fresh = w == NULL;
        if (fresh && (w = add(tids[i])) == NULL)
            continue;
        look_one(pid, cfg, w, fresh, now);
    }
    return settle(pid, cfg, now);
}

/* After the looks: threads gone are closed and dropped, the rest judged against their
 * thresholds. */
static bool settle(pid_t pid, const struct sw_config *cfg, uint64_t now)
{
    for (unsigned i = 0; i < nws;) {
        struct watched *w = &ws[i];
        if (w->seen) {
            i++;
            continue;
        }
        end_wait(pid, w, now);
        if (w->fd >= 0)
            close(w->fd);
        *w = ws[--nws];
    }
    qsort(ws, nws, sizeof *ws, by_tid);
    nsorted = nws;
    bool any_due = false;
    for (unsigned i = 0; i < nws; i++) {
        struct watched *w = &ws[i];
        if (due(cfg, w, now)) {
            /* In the same call on the same object as an open stall: it joins it, silently. */
            struct watched *open = NULL;
            for (unsigned k = 0; k < nws && open == NULL; k++)
                if (ws[k].report != 0 && !ws[k].member && same_wait(&ws[k], w))
                    open = &ws[k];
            if (open != NULL)
                join(w, open, open->call, open->kernel);
            else
                any_due = true;
        } else if (w->report != 0 && !w->member && w->next_ns != 0 && now >= w->next_ns) {
            write_short(pid, "still-stalled", w, now);
            w->next_ns = now + sw_policy_repeat_delay_ns(cfg->repeat_ns, ++w->repeats);
        }
    }
    if (any_due)
        report_due(pid, cfg, now);
    sw_seize_reap();
    return true;
}

int sw_cli_watch(pid_t pid, const struct sw_config *cfg, bool explicit_outputs)
{
    if (!sw_target_alive(pid)) {
        fprintf(stderr, "stallwatch: no process %d\n", (int)pid);
        return 1;
    }
    sw_emit_init(cfg, explicit_outputs);
    names.pid = pid;
    sw_target_names(pid, names.exe, sizeof names.exe, names.comm, sizeof names.comm,
                    names.title, sizeof names.title);
    sw_target_job(pid, names.host, sizeof names.host, &names.job);
    /* One descriptor per thread of the process: raise the soft limit as far as allowed. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    uint64_t min = sw_watch_min_threshold_ns(cfg);
    uint64_t period = min / 10;
    if (period < 100 * MS)
        period = 100 * MS;
    if (period > 1000 * MS)
        period = 1000 * MS;
    uint64_t full_every = min / 2 > period ? min / 2 : period, next_full = 0;
    bool gone = false;
    for (;;) {
        uint64_t now = sw_mono_ns();
        bool full = now >= next_full;
        if (full)
            next_full = now + full_every;
        if (stop_requested || (gone = !look_all(pid, cfg, now, full)))
            break;
        struct timespec ts = {(time_t)(period / 1000000000u), (long)(period % 1000000000u)};
        nanosleep(&ts, NULL);
    }
    /* The process ended: its open stalls are over. (Asked to stop, the watcher only stops
     * watching: the stalls it leaves are not over, and no report says they are.) */
    uint64_t now = sw_mono_ns();
    for (unsigned i = 0; i < nws; i++) {
        if (gone && ws[i].report != 0 && !ws[i].member)
            write_short(pid, "recovered", &ws[i], now);
        if (ws[i].fd >= 0)
            close(ws[i].fd);
    }
    free(ws);
    return 0;
}
