/* The watchdog thread's life: every scan period it looks at each live slot (world.c), lets
 * the decisions (core/episode.c) plan the reports that are due, and has each one carried out
 * (reports.c); at exit it takes one last look for recoveries; in a fork child it starts again;
 * it steps aside for a program's set*id call. Runs on the watchdog thread (sw_watchdog_start,
 * the destructor's sw_watchdog_quiesce, the fork child's handler and the stepping aside
 * excepted). Its sw_self is the internal slot, so any wrapper it reaches costs nothing and
 * reports nothing. */
#include "watchdog/watchdog.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/episode.h"
#include "core/large.h"
#include "core/watch.h"
#include "hook/api.h"
#include "hook/ownthread.h"
#include "hook/real.h"
#include "hook/slot.h"
#include "watchdog/inspect.h"
#include "watchdog/jobdir.h"
#include "watchdog/reports.h"
#include "watchdog/tidmap.h"
#include "watchdog/world.h"

#define MS 1000000ull

static const struct sw_config *cfg;
static uint64_t period_ns, base_period_ns;
/* The decisions' state: large, and used by the one watchdog thread only. */
SW_LARGE static struct sw_episodes episodes;
static _Atomic bool quiescing;
static _Atomic bool reporting;
static _Atomic bool running; /* this process has a watchdog thread */
/* The destructor's last request: one more look, reporting only recoveries. The watchdog
 * sleeps on wake_word so the request does not wait out a scan period. */
static _Atomic uint32_t wake_word;
static _Atomic bool final_requested;
static _Atomic uint32_t final_done; /* futex word: 1 once the final look is over */
/* The thread (joinable, so that it can step aside and be waited for) and the process it runs
 * in: a fork child has none until its own start. */
static pthread_t thread;
static pid_t thread_pid;
/* Stepping aside (sw_watchdog_step_aside): asked by a program thread, taken by the watchdog
 * between two looks (it exits). Nested and concurrent set*id calls share one absence:
 * aside_depth under aside_lock, a real mutex held only by program threads inside those
 * calls. */
enum { ASIDE_NO, ASIDE_ASKED, ASIDE_GONE };
static _Atomic int aside;
static pthread_mutex_t aside_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned aside_depth;
static bool aside_stopped;
static _Atomic bool aside_broken;
/* How long a set*id call waits for the watchdog to finish a report in progress before it
 * goes ahead with the watchdog still there. */
#define ASIDE_WAIT_NS (5000 * MS)

static struct timespec abs_ts(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u),
                             .tv_nsec = (long)(ns % 1000000000u)};
}

/* The scan period: from the settings, shortened when a stallwatch_heartbeat or
 * stallwatch_scope_begin promise is tighter than the thresholds. */
static void pace(void)
{
    uint32_t ms = sw_api_min_timeout_ms();
    uint64_t p = ms != 0 ? sw_watch_period_ns((uint64_t)ms * MS) : base_period_ns;
    period_ns = p < base_period_ns ? p : base_period_ns;
}

/* One scan: a look at every slot, then every report it makes due. */
static void scan(uint64_t now, uint64_t excess, bool final)
{
    struct sw_episodes *E = &episodes;
    sw_episodes_scan_begin(E, now, excess, final);
    sw_world_scan(E);
    atomic_store(&reporting, true);
    /* Lock owners are checked against our threads: an index, rebuilt when it may be asked. */
    if (E->nwaiters > 0 || E->ncands > 0)
        sw_tidmap_rebuild();
    struct sw_plan plan;
    while (!atomic_load(&quiescing) && sw_episodes_next(E, &plan))
        sw_reports_carry_out(E, &plan);
    char request[256];
    if (!final && !atomic_load(&quiescing) && sw_jobdir_poll(now, request, sizeof request))
        sw_reports_dump(E, request);
    atomic_store(&reporting, false);
}

static void *run(void *arg)
{
    (void)arg;
    sw_self = &sw_slot_internal;
    pthread_setname_np(pthread_self(), "stallwatch");
    uint64_t last = sw_mono_ns();
    for (;;) {
        uint64_t wake = last + period_ns;
        struct timespec ts = abs_ts(wake);
        /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
        uint32_t seen = atomic_load(&wake_word);
        while (sw_mono_ns() < wake && !atomic_load(&final_requested) &&
               atomic_load(&aside) != ASIDE_ASKED)
            sw_real.syscall(SYS_futex, &wake_word, FUTEX_WAIT_BITSET_PRIVATE, seen, &ts, NULL,
                            FUTEX_BITSET_MATCH_ANY);
        int asked = ASIDE_ASKED;
        if (!atomic_load(&final_requested) &&
            atomic_compare_exchange_strong(&aside, &asked, ASIDE_GONE))
            return NULL; /* the program's set*id call: started again after it */
        uint64_t now = sw_mono_ns();
        uint64_t excess = sw_watch_excess_ns(period_ns, now - last);
        last = now;
        pace();
        bool final = atomic_load(&final_requested);
        scan(now, excess, final);
        if (final) {
            atomic_store(&final_done, 1);
            sw_real.syscall(SYS_futex, &final_done, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
            return NULL;
        }
    }
}

static int start_thread(void)
{
    int r = sw_own_thread_start(run, &thread);
    thread_pid = getpid();
    atomic_store(&running, r == 0);
    return r;
}

static void wake(void)
{
    atomic_fetch_add(&wake_word, 1);
    sw_real.syscall(SYS_futex, &wake_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int sw_watchdog_start(const struct sw_config *c)
{
    cfg = c;
    sw_inspect_init(c);
    sw_reports_init(c, getpid());
    sw_episodes_init(&episodes, c, sw_world(), getpid(), sw_mono_ns());
    base_period_ns = period_ns = sw_episodes_base_period_ns(&episodes);
    return -start_thread();
}

void sw_watchdog_quiesce(void)
{
    /* One last look reports the stalls that ended just before exit as recovered; then no
     * more reports, and none in progress when our dependencies are finalized. A process that
     * never reported has nothing to recover and exits without waiting for anyone. */
    if (atomic_load(&running) && sw_reports_any()) {
        atomic_store(&final_requested, true);
        wake();
        uint64_t deadline = sw_mono_ns() + 500 * MS;
        struct timespec ts = abs_ts(deadline);
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

/* Stops the thread between two looks; false if there is none here or it stays (a report
 * in progress past ASIDE_WAIT_NS: it cannot be stopped, only waited for). */
static bool stop_thread(void)
{
    if (!atomic_load(&running) || thread_pid != getpid() || atomic_load(&quiescing) ||
        atomic_load(&final_requested))
        return false;
    atomic_store(&aside, ASIDE_ASKED);
    wake();
    struct timespec ts = abs_ts(sw_mono_ns() + ASIDE_WAIT_NS);
    if (sw_real.pthread_clockjoin_np(thread, NULL, CLOCK_MONOTONIC, &ts) != 0) {
        int asked = ASIDE_ASKED;
        if (atomic_compare_exchange_strong(&aside, &asked, ASIDE_NO))
            return false;
        sw_real.pthread_join(thread, NULL); /* it is leaving now */
    }
    atomic_store(&running, false);
    return true;
}

/* aside_lock, taken with a bound: a program handler that longjmps out of a set*id call (an
 * async-signal-safe call, which a handler may interrupt and leave) while its thread holds
 * the lock would otherwise hang every later call. Past the bound a step_aside caller goes
 * ahead with the watchdog there, and the stepping aside is off for good (aside_broken). */
static bool lock_aside(uint64_t bound_ns)
{
    struct timespec ts = abs_ts(sw_mono_ns() + bound_ns);
    return sw_real.pthread_mutex_clocklock(&aside_lock, CLOCK_MONOTONIC, &ts) == 0;
}

bool sw_watchdog_step_aside(void)
{
    /* Callers queued behind one waiting out a report give up after a second more (and the
     * stepping aside is off from then: see lock_aside). */
    if (atomic_load(&aside_broken))
        return false;
    if (!lock_aside(ASIDE_WAIT_NS + 1000 * MS)) {
        atomic_store(&aside_broken, true);
        return false;
    }
    if (aside_depth == 0)
        aside_stopped = stop_thread();
    /* Only an absence is counted: a caller told "no" calls no come_back. */
    bool away = aside_stopped;
    if (away)
        aside_depth++;
    pthread_mutex_unlock(&aside_lock);
    return away;
}

int sw_watchdog_come_back(void)
{
    int r = 0;
    /* A caller whose absence was counted waits longer: the lock is only ever held for one
     * bounded stop, unless a thread left it held (lock_aside). */
    if (!lock_aside(6 * ASIDE_WAIT_NS))
        return -EDEADLK;
    if (--aside_depth == 0 && aside_stopped) {
        aside_stopped = false;
        atomic_store(&aside, ASIDE_NO);
        /* Not during exit: the destructor found no thread to take a last look. */
        if (!atomic_load(&quiescing))
            r = start_thread();
    }
    pthread_mutex_unlock(&aside_lock);
    return -r;
}

void sw_watchdog_after_fork_child(void)
{
    /* A fork while another thread stood aside: the child has neither that thread nor its
     * lock. */
    pthread_mutex_init(&aside_lock, NULL);
    atomic_store(&aside_broken, false);
    aside_depth = 0;
    aside_stopped = false;
    atomic_store(&aside, ASIDE_NO);
    atomic_store(&running, false);
    atomic_store(&final_requested, false);
    atomic_store(&final_done, 0);
    atomic_store(&reporting, false);
    sw_reports_after_fork_child(0);
}

bool sw_watchdog_configured(void)
{
    return cfg != NULL;
}

void sw_watchdog_start_in_child(void)
{
    if (cfg == NULL || atomic_load(&quiescing) || atomic_load(&running))
        return;
    /* Only the forking thread exists here: the decisions start afresh under the child's pid
     * (the slots' episodes start again with their new generations). */
    pid_t pid = getpid();
    sw_reports_after_fork_child(pid);
    sw_episodes_init(&episodes, cfg, sw_world(), pid, sw_mono_ns());
    start_thread();
}
