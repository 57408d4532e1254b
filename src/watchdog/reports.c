/* Report assembly: each plan of core/episode.c becomes a report. Its threads are inspected
 * (watchdog/inspect.c), a stall's members grouped by stack, the owners of what the last thread
 * waits for appended, then the report is numbered, rendered and written (watchdog/output.c),
 * and the decisions told the outcome. Watchdog thread only. */
#include "watchdog/reports.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/diagnose.h"
#include "core/large.h"
#include "core/launcher.h"
#include "hook/registry.h"
#include "watchdog/inspect.h"
#include "watchdog/jobdir.h"
#include "watchdog/output.h"
#include "watchdog/procinfo.h"
#include "watchdog/tidmap.h"

static const struct sw_config *cfg;
static pid_t my_pid;
/* The program's name as it was invoked, copied at start: program_invocation_short_name
 * points into argv, which programs rewrite for ps (postgres, nginx). */
SW_EARLY static char process[64];
/* The parallel job, read in the constructor (the environment is the program's to change);
 * the node name, when the watching starts. */
static char host[65];
static struct sw_job job;
static unsigned report_no;
static _Atomic bool reported_any;

void sw_reports_identify(void)
{
    size_t n = strnlen(program_invocation_short_name, sizeof process - 1);
    memcpy(process, program_invocation_short_name, n);
    process[n] = '\0';
    sw_job_from_env(environ, &job);
}

void sw_reports_init(const struct sw_config *c, pid_t pid)
{
    cfg = c;
    struct utsname u;
    if (host[0] == '\0' && uname(&u) == 0)
        memcpy(host, u.nodename, strnlen(u.nodename, sizeof host - 1));
    my_pid = pid;
    sw_jobdir_init(c, &job);
}

bool sw_reports_any(void)
{
    return atomic_load(&reported_any);
}

void sw_reports_after_fork_child(pid_t pid)
{
    my_pid = pid;
    report_no = 0;
    atomic_store(&reported_any, false);
}

/* Numbers, renders and writes the entries made since sw_inspect_begin; returns the number. */
static uint32_t write_report(const char *event, uint32_t stall_report, uint64_t fingerprint,
                             uint64_t detected_ns, unsigned suppressed)
{
    unsigned n;
    struct sw_thread_report *t = sw_inspect_entries(&n);
    char fp_hex[17], comm[16], title[256];
    bool have_comm = sw_proc_comm(my_pid, comm, sizeof comm) == 0 && strcmp(comm, process) != 0;
    bool have_title = sw_proc_cmdline(title, sizeof title) == 0 && title[0] != '\0';
    struct sw_report r = {
        .event = event,
        .number = ++report_no,
        .stall_report = stall_report,
        .pid = my_pid,
        .process = process[0] != '\0' ? process : NULL,
        .comm = have_comm ? comm : NULL,
        .title = have_title ? title : NULL,
        .time_ns = detected_ns,
        .host = host[0] != '\0' ? host : NULL,
        .job = job.job[0] != '\0' ? job.job : NULL,
        .ranked = job.ranked,
        .rank = job.rank,
        .size = job.size,
        .threads = t,
        .nthreads = n,
        .suppressed = suppressed,
    };
    if (fingerprint != 0) {
        sw_fingerprint_hex(fingerprint, fp_hex);
        r.fingerprint = fp_hex;
    }
    sw_output_report(&r);
    atomic_store(&reported_any, true);
    return r.number;
}

/* STALLWATCH_ACTION=abort: after the first stall-like report, a core dump for post-mortem. */
static void maybe_abort(uint32_t number)
{
    if (number != 0 && cfg->action_abort) {
        sw_output_stderr_line("stallwatch: STALLWATCH_ACTION=abort: aborting after the report");
        abort();
    }
}

/* Appends the threads holding what the last entry waits for, then their owners, each once. */
static void add_owner_chain(struct sw_episodes *E)
{
    for (unsigned depth = 0; depth < SW_CHAIN_MAX; depth++) {
        unsigned n, idx;
        struct sw_thread_report *all = sw_inspect_entries(&n);
        pid_t owner = all[n - 1].owner_tid;
        if (owner == 0)
            return;
        for (unsigned i = 0; i < n; i++)
            if (all[i].tid == owner)
                return;
        struct sw_subject su;
        if (!sw_tidmap_find(owner, &idx) || !sw_episodes_subject_at(E, idx, &su))
            return;
        struct sw_thread_report *t = sw_inspect_thread(&su, true, false);
        if (t == NULL)
            return;
        t->role = "owner";
    }
}

/* STALLWATCH_ALL_THREADS: every other watched thread, with its state and stack. */
static void add_all_threads(struct sw_episodes *E)
{
    if (!cfg->all_threads)
        return;
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap && !sw_inspect_full(); i++) {
        struct sw_subject su;
        if (!sw_episodes_subject_at(E, i, &su))
            continue;
        unsigned n;
        struct sw_thread_report *all = sw_inspect_entries(&n);
        bool present = false;
        for (unsigned k = 0; k < n && !present; k++)
            present = all[k].tid == su.tid;
        if (present || sw_episodes_unwatched_name(E, su.name != NULL ? su.name : "", su.tid))
            continue;
        struct sw_thread_report *t = sw_inspect_thread(&su, true, false);
        if (t != NULL) /* else it exited while we looked */
            t->role = "other";
    }
}

static void carry_out_recovered(struct sw_episodes *E, const struct sw_plan *p)
{
    uint32_t number = 0;
    sw_inspect_begin();
    struct sw_thread_report *t = p->allowed ? sw_inspect_thread(&p->members[0], false, false)
                                            : NULL;
    if (t != NULL) {
        /* What the thread does now is another story: only the finished wait is reported. */
        t->state = 0;
        t->wchan = NULL;
        t->owner_tid = 0;
        number = write_report("recovered", p->stall_report, p->fingerprint, sw_real_ns(), 0);
    }
    sw_episodes_done(E, p, number, p->fingerprint, NULL);
}

static void carry_out_deadlock(struct sw_episodes *E, const struct sw_plan *p)
{
    uint64_t detected = sw_real_ns();
    uint64_t fps[SW_CYCLE_MAX];
    unsigned nfp = 0;
    uint32_t number = 0;
    sw_inspect_begin();
    for (unsigned k = 0; k < p->nmembers && p->allowed; k++) {
        struct sw_thread_report *t = sw_inspect_thread(&p->members[k], true, false);
        if (t == NULL)
            continue;
        t->role = "cycle";
        t->owner_tid = p->owners[k];
        fps[nfp++] = sw_fingerprint_thread(t);
    }
    uint64_t fp = sw_fingerprint_combine(fps, nfp);
    if (p->allowed) {
        unsigned n;
        struct sw_thread_report *all = sw_inspect_entries(&n);
        if (n > 0)
            all[0].role = NULL; /* the report's subject */
        add_all_threads(E);
        number = write_report("deadlock", 0, fp, detected, 0);
    }
    sw_episodes_done(E, p, number, fp, NULL);
    maybe_abort(number);
}

/* Inspects the members of a stall and groups them by stack; member_ok[i] says whether member
 * i was still waiting. false when the subject itself moved on: no stall after all. */
static bool inspect_members(const struct sw_plan *p, struct sw_grouping *g, bool *member_ok)
{
    sw_grouping_init(g);
    for (unsigned i = 0; i < p->nmembers; i++) {
        const struct sw_subject *su = &p->members[i];
        member_ok[i] = true;
        if (sw_grouping_skip(g, p->by_object, i, sw_inspect_budget_spent())) {
            sw_grouping_count_unread(g, su->tid);
            continue;
        }
        struct sw_thread_report *t = sw_inspect_thread(su, true, true);
        if (t == NULL) {
            member_ok[i] = false;
            if (i == 0)
                return false;
            continue;
        }
        unsigned n;
        sw_inspect_entries(&n);
        if (!sw_grouping_add(g, sw_fingerprint_thread(t), su->tid, n - 1))
            sw_inspect_drop_last();
        else if (i != 0)
            t->role = "waiter";
    }
    return true;
}

/* Each group's entry says how many threads it stands for; the first says how many were
 * counted without reading their stacks. */
static void apply_groups(const struct sw_grouping *g)
{
    unsigned n;
    struct sw_thread_report *all = sw_inspect_entries(&n);
    for (unsigned k = 0; k < g->ngroups; k++) {
        struct sw_thread_report *t = &all[g->groups[k].entry];
        unsigned count = g->groups[k].count;
        if (count > 1) {
            t->count = count;
            t->tids = g->groups[k].tids;
            t->ntids = count < SW_REPORT_TIDS_MAX ? count : SW_REPORT_TIDS_MAX;
        }
    }
    if (g->unread == 0)
        return;
    struct sw_thread_report *t = &all[g->groups[0].entry];
    char note[512];
    struct sw_buf b;
    sw_buf_init(&b, note, sizeof note);
    if (t->note != NULL) {
        sw_buf_puts(&b, t->note);
        sw_buf_puts(&b, "; ");
    }
    sw_buf_put_u64(&b, g->unread);
    sw_buf_puts(&b, " of these threads, waiting in the same call on the same object, were "
                    "counted without reading their stacks (STALLWATCH_SYMBOLIZE_TIMEOUT spent)");
    const char *both = sw_inspect_strdup(note);
    if (both != NULL)
        t->note = both;
}

/* A new stall: the subject and the members waiting with it, grouped by stack; then the owner
 * chain (every entry waits on the same object: the chain from the last one is the chain). */
static void carry_out_stall(struct sw_episodes *E, const struct sw_plan *p)
{
    static struct sw_grouping g;
    static bool member_ok[SW_CANDS_MAX];
    uint64_t detected = sw_real_ns();
    if (!p->allowed) {
        sw_episodes_done(E, p, 0, 0, NULL);
        return;
    }
    sw_inspect_begin();
    if (!inspect_members(p, &g, member_ok)) {
        sw_episodes_done(E, p, 0, 0, member_ok);
        return;
    }
    apply_groups(&g);
    add_owner_chain(E);
    add_all_threads(E);
    uint64_t fp = g.groups[0].fingerprint;
    uint32_t number = write_report("stall", 0, fp, detected, 0);
    if (p->members[0].cls == SW_CLASS_COLLECTIVE) {
        unsigned n;
        sw_jobdir_request(&sw_inspect_entries(&n)[0]);
    }
    sw_episodes_done(E, p, number, fp, member_ok);
    maybe_abort(number);
}

static void carry_out_repeat(struct sw_episodes *E, const struct sw_plan *p)
{
    if (!p->allowed)
        return;
    uint64_t detected = sw_real_ns();
    sw_inspect_begin();
    struct sw_thread_report *t = sw_inspect_thread(&p->members[0], true, true);
    if (t == NULL)
        return;
    /* The threads still waiting with it. */
    if (p->count > 1) {
        t->count = p->count;
        t->tids = p->tids;
        t->ntids = p->ntids;
    }
    add_owner_chain(E);
    add_all_threads(E);
    write_report("still-stalled", p->stall_report, p->fingerprint, detected, 0);
}

static void carry_out_promise(struct sw_episodes *E, const struct sw_plan *p)
{
    bool back = p->kind == SW_PLAN_HB_BACK || p->kind == SW_PLAN_SCOPE_DONE;
    if (!p->allowed)
        return;
    uint64_t detected = sw_real_ns();
    sw_inspect_begin();
    struct sw_thread_report *t = sw_inspect_thread(&p->members[0], !back, false);
    if (t == NULL)
        return;
    if (back) {
        t->state = 0;
        t->wchan = NULL;
        t->owner_tid = 0;
    }
    if (p->kind == SW_PLAN_SCOPE || p->kind == SW_PLAN_SCOPE_DONE) {
        char what[256];
        const struct sw_scope *sc = &sw_registry_at(p->members[0].idx)->scope[p->scope];
        if (sw_proc_read_string((uintptr_t)sc->what, what, sizeof what) >= 0)
            t->scope = sw_inspect_strdup(what);
    }
    if (!back)
        add_all_threads(E);
    uint64_t fp = back ? 0 : sw_fingerprint_thread(t);
    uint32_t number = write_report(back ? "recovered" : "stall", back ? p->stall_report : 0, fp,
                                   detected, 0);
    sw_episodes_done(E, p, number, fp, NULL);
    if (!back)
        maybe_abort(number);
}

void sw_reports_dump(struct sw_episodes *E, const char *request)
{
    uint64_t detected = sw_real_ns();
    sw_inspect_begin();
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap && !sw_inspect_full(); i++) {
        struct sw_subject su;
        if (sw_episodes_subject_at(E, i, &su))
            sw_inspect_thread(&su, true, false);
    }
    unsigned n;
    struct sw_thread_report *all = sw_inspect_entries(&n);
    if (n > 0) {
        char note[1024];
        struct sw_buf b;
        sw_buf_init(&b, note, sizeof note - 1);
        if (all[0].note != NULL) {
            sw_buf_puts(&b, all[0].note);
            sw_buf_puts(&b, "; ");
        }
        sw_buf_puts(&b, "job-wide dump asked by ");
        sw_buf_puts(&b, request);
        note[b.len] = '\0';
        all[0].note = sw_inspect_strdup(note);
    }
    if (n > 0)
        write_report("dump", 0, 0, detected, 0);
    sw_inspect_end();
}

void sw_reports_carry_out(struct sw_episodes *E, const struct sw_plan *p)
{
    switch (p->kind) {
    case SW_PLAN_WARM:
        sw_inspect_warm(&p->members[0]);
        break;
    case SW_PLAN_RECOVERED:
        carry_out_recovered(E, p);
        break;
    case SW_PLAN_DEADLOCK:
        carry_out_deadlock(E, p);
        break;
    case SW_PLAN_STALL:
        carry_out_stall(E, p);
        break;
    case SW_PLAN_REPEAT:
        carry_out_repeat(E, p);
        break;
    case SW_PLAN_HEARTBEAT:
    case SW_PLAN_HB_BACK:
    case SW_PLAN_SCOPE:
    case SW_PLAN_SCOPE_DONE:
        carry_out_promise(E, p);
        break;
    case SW_PLAN_SUPPRESSED:
        sw_inspect_begin();
        write_report("suppressed", 0, 0, sw_real_ns(), p->suppressed);
        break;
    }
    /* Nothing of a report stays open after it: the symbolizer serves the next process, and
     * tools that list the program's descriptors see none of ours. */
    sw_inspect_end();
}
