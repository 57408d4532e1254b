/* The watchdog thread's life: every scan period it looks at each live slot (world.c), lets
 * the decisions (core/episode.c) plan the reports that are due, and has each one carried out
 * (reports.c); at exit it takes one last look for recoveries; in a fork child it starts again.
 * Runs on the watchdog thread (sw_watchdog_start, the destructor's sw_watchdog_quiesce and
 * the fork child's handler excepted). Its sw_self is the internal slot, so any wrapper it
 * reaches costs nothing and reports nothing. */
#include "watchdog/watchdog.h"

#include <linux/futex.h>
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
        while (sw_mono_ns() < wake && !atomic_load(&final_requested))
            sw_real.syscall(SYS_futex, &wake_word, FUTEX_WAIT_BITSET_PRIVATE, seen, &ts, NULL,
                            FUTEX_BITSET_MATCH_ANY);
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

int sw_watchdog_start(const struct sw_config *c)
{
    cfg = c;
    sw_inspect_init(c);
    sw_reports_init(c, getpid());
    sw_episodes_init(&episodes, c, sw_world(), getpid(), sw_mono_ns());
    base_period_ns = period_ns = sw_episodes_base_period_ns(&episodes);
    int r = -sw_own_thread_start(run);
    atomic_store(&running, r == 0);
    return r;
}

void sw_watchdog_quiesce(void)
{
    /* One last look reports the stalls that ended just before exit as recovered; then no
     * more reports, and none in progress when our dependencies are finalized. A process that
     * never reported has nothing to recover and exits without waiting for anyone. */
    if (atomic_load(&running) && sw_reports_any()) {
        atomic_store(&final_requested, true);
        atomic_fetch_add(&wake_word, 1);
        sw_real.syscall(SYS_futex, &wake_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
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

void sw_watchdog_after_fork_child(void)
{
    atomic_store(&running, false);
    atomic_store(&final_requested, false);
    atomic_store(&final_done, 0);
    atomic_store(&reporting, false);
    sw_reports_after_fork_child(0);
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
    atomic_store(&running, sw_own_thread_start(run) == 0);
}
