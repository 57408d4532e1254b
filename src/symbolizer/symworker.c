/* The symbolizer thread. All of libdw runs here (unwind.c, symbolize.c, debuginfo.c), with
 * descriptor tracking on (fdtrack.c), so nothing it opens survives a job, and so does the
 * dump of the Python stacks (pystack.c). The watchdog side of the handshake
 * (sw_symworker_snapshot, sw_symworker_run, sw_symworker_python) runs on the watchdog thread.
 *
 * Handshake: stage IDLE -> SUBMITTED (watchdog) -> UNWOUND -> DONE (worker) -> IDLE
 * (watchdog, once it has read the results). A watchdog that stops waiting leaves the job in
 * place; the worker finishes it, and the watchdog collects and drops it before the next. */
#include "symbolizer/symworker.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#define SW_DW_NO_MACROS /* only sw_dw_loaded: no libdw calls here */
#include "core/clock.h"
#include "symbolizer/dwload.h"
#include "hook/fdtrack.h"
#include "symbolizer/fdrelease.h"
#include "hook/ownthread.h"
#include "symbolizer/pystack.h"
#include "hook/real.h"
#include "hook/slot.h"
#include "symbolizer/symbolize.h"

enum { ST_NONE = 0, ST_IDLE, ST_SUBMITTED, ST_UNWOUND, ST_DONE };

#define PY_GRACE_NS   50000000u  /* after a Python job's deadline, for the worker to stop it */
#define LOAD_GRACE_NS 200000000u /* how long a report waits for a warm-up loading libdw */
#define LOAD_POLL_NS  5000000u   /* the load does not wake us: look again this often */

static const struct sw_config *cfg;
static _Atomic uint32_t stage; /* ST_NONE: no thread yet */

/* The job, owned by the worker from SUBMITTED to DONE. */
static struct sw_snapshot snap;
static unsigned job_max;
static bool job_new_report;
static bool job_warmup; /* nobody waits for this job: it only loads debuginfo ahead */
static bool job_python; /* the job is the Python stacks' dump, not a snapshot */
static bool synced;     /* the module map was re-read for this report (by its Python job) */
static uint64_t job_py_deadline_ns;
static enum sw_py_status job_py_status;
static const struct sw_py_dump *job_py_dump;
static const char *job_py_note;
static struct sw_pcs job_pcs;
static struct sw_frame job_frames[SW_FRAMES_MAX];
static unsigned job_nframes;
static const char *job_error;

static void wake(void)
{
    sw_real.syscall(SYS_futex, &stage, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Waits while stage == val, until the absolute CLOCK_MONOTONIC deadline (0: forever). */
static void wait_while(uint32_t val, uint64_t deadline_ns)
{
    struct timespec ts = {.tv_sec = (time_t)(deadline_ns / 1000000000u),
                          .tv_nsec = (long)(deadline_ns % 1000000000u)};
    sw_real.syscall(SYS_futex, &stage, FUTEX_WAIT_BITSET_PRIVATE, val,
                    deadline_ns != 0 ? &ts : NULL, NULL, FUTEX_BITSET_MATCH_ANY);
}

static void *run(void *arg)
{
    (void)arg;
    sw_self = &sw_slot_internal;
    sw_fdtrack_on = true;
    pthread_setname_np(pthread_self(), "stallwatch-sym");
    for (;;) {
        uint32_t st = atomic_load(&stage);
        if (st != ST_SUBMITTED) {
            wait_while(st, 0);
            continue;
        }
        job_error = NULL;
        if (job_python) {
            /* The first job of a report: the module map it reads is the report's. */
            if (sw_unwind_open(cfg->debuginfod) == 0)
                sw_unwind_sync();
            synced = true;
            job_py_status =
                sw_pystack_dump(sw_unwind_modmap(), job_py_deadline_ns, &job_py_dump, &job_py_note);
            sw_fdtrack_release(sw_unwind_dwfl());
            atomic_store(&stage, ST_DONE);
            wake();
            continue;
        }
        if (sw_unwind_open(cfg->debuginfod) != 0)
            job_error = sw_unwind_error();
        else if (job_new_report && !synced)
            sw_unwind_sync();
        if (job_new_report)
            sw_symbolize_reset();
        synced = false;
        unsigned depth = job_max + 8 < SW_FRAMES_MAX ? job_max + 8 : SW_FRAMES_MAX;
        sw_unwind_snapshot(&snap, depth, &job_pcs);
        atomic_store(&stage, ST_UNWOUND);
        wake();
        job_nframes = sw_symbolize(&job_pcs, job_frames, job_max);
        sw_fdtrack_release(sw_unwind_dwfl());
        atomic_store(&stage, ST_DONE);
        wake();
    }
    return NULL;
}

void sw_symworker_init(const struct sw_config *c)
{
    cfg = c;
}

static bool start(void)
{
    atomic_store(&stage, ST_IDLE);
    int r = sw_own_thread_start(run);
    if (r != 0)
        atomic_store(&stage, ST_NONE);
    return r == 0;
}

/* Waits for the worker to be free for a new job (see sw_symworker_snapshot). */
static bool acquire(uint64_t deadline_ns)
{
    uint32_t st = atomic_load(&stage);
    if (st == ST_NONE && !start())
        return false;
    /* A warm-up job is worth waiting for (within the report's budget): it is loading what
     * this report needs. A job we gave up on is not: it may be stuck. Nor, for more than
     * LOAD_GRACE_NS, is a first job still loading libdw (a few milliseconds when the dynamic
     * loader is free): the loader's lock it needs may be held by the very thread being
     * reported (see dwload.c); this report then has raw frames. */
    uint64_t load_deadline = sw_mono_ns() + LOAD_GRACE_NS;
    if (deadline_ns != 0 && deadline_ns < load_deadline)
        load_deadline = deadline_ns;
    while (job_warmup && (st == ST_SUBMITTED || st == ST_UNWOUND)) {
        uint64_t now = sw_mono_ns();
        bool loaded = sw_dw_loaded();
        uint64_t until = loaded ? deadline_ns : load_deadline;
        if (until != 0 && now >= until)
            return false;
        /* The end of the load changes no stage: while it lasts, look again every poll. */
        uint64_t wake = until;
        if (!loaded && now + LOAD_POLL_NS < until)
            wake = now + LOAD_POLL_NS;
        wait_while(st, wake);
        st = atomic_load(&stage);
    }
    if (st == ST_DONE) /* a job nobody waits for any more has finished: drop its results */
        atomic_store(&stage, st = ST_IDLE);
    return atomic_load(&stage) == ST_IDLE;
}

struct sw_snapshot *sw_symworker_snapshot(uint64_t deadline_ns)
{
    return acquire(deadline_ns) ? &snap : NULL;
}

void sw_symworker_warm(unsigned max)
{
    job_max = max < SW_FRAMES_MAX ? max : SW_FRAMES_MAX;
    job_new_report = true;
    job_warmup = true;
    job_python = false;
    synced = false;
    atomic_store(&stage, ST_SUBMITTED);
    wake();
}

enum sw_sym_result sw_symworker_run(unsigned max, bool new_report, uint64_t deadline_ns,
                                    struct sw_frame *frames, unsigned *n, struct sw_pcs *pcs,
                                    const char **note)
{
    job_max = max < SW_FRAMES_MAX ? max : SW_FRAMES_MAX;
    job_new_report = new_report;
    job_warmup = false;
    job_python = false;
    atomic_store(&stage, ST_SUBMITTED);
    wake();
    for (;;) {
        uint32_t st = atomic_load(&stage);
        if (st == ST_DONE) {
            memcpy(frames, job_frames, job_nframes * sizeof *frames);
            *n = job_nframes;
            *note = job_error;
            atomic_store(&stage, ST_IDLE);
            return SW_SYM_DONE;
        }
        if (deadline_ns != 0 && sw_mono_ns() >= deadline_ns) {
            if (st == ST_UNWOUND) {
                *pcs = job_pcs;
                return SW_SYM_UNWOUND;
            }
            return SW_SYM_NOTHING;
        }
        wait_while(st, deadline_ns);
    }
}

enum sw_sym_result sw_symworker_python(uint64_t deadline_ns, enum sw_py_status *status,
                                       const struct sw_py_dump **dump, const char **note)
{
    if (!acquire(deadline_ns))
        return SW_SYM_NOTHING;
    job_warmup = false;
    job_python = true;
    job_py_deadline_ns = deadline_ns;
    synced = false;
    atomic_store(&stage, ST_SUBMITTED);
    wake();
    /* The worker stops the dump at the deadline itself: a moment more for it to say so. */
    uint64_t wait_until = deadline_ns != 0 ? deadline_ns + PY_GRACE_NS : 0;
    for (;;) {
        uint32_t st = atomic_load(&stage);
        if (st == ST_DONE) {
            *status = job_py_status;
            *dump = job_py_dump;
            *note = job_py_note;
            atomic_store(&stage, ST_IDLE);
            return SW_SYM_DONE;
        }
        if (wait_until != 0 && sw_mono_ns() >= wait_until)
            return SW_SYM_NOTHING;
        wait_while(st, wait_until);
    }
}

void sw_symworker_after_fork_child(void)
{
    atomic_store(&stage, ST_NONE);
    job_warmup = false;
}
