/* The watchdog thread: every scan period it looks at each live slot, applies the stall rule
 * (watch.c) and, for a thread past its threshold, captures its stack, symbolizes it and writes
 * the report. Runs on the watchdog thread only (sw_watchdog_start and the fork/destructor
 * hooks excepted), which is the only thread that reads /proc, calls libdw or writes reports.
 * Its sw_self is the internal slot, so any wrapper it reaches costs nothing and reports
 * nothing. */
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "procinfo.h"
#include "real.h"
#include "registry.h"
#include "report.h"
#include "output.h"
#include "symbolize.h"
#include "unwind.h"
#include "watch.h"

#define MS                 1000000ull
#define CAPTURE_TIMEOUT_NS (250 * MS)

static const struct sw_config *cfg;
static uint64_t period_ns, min_threshold_ns;
static pid_t my_pid;
static unsigned report_no;
static _Atomic bool quiescing;
static _Atomic bool reporting;

/* Large, and only ever used by the one watchdog thread: static, not on its stack. */
static struct sw_snapshot snap;
static struct sw_pcs pcs;
static struct sw_frame frames[SW_FRAMES_MAX];

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t real_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

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

/* Settles, once per episode, the class and threshold that apply to the thread. */
static void decide(struct sw_slot *s, pid_t tid, uint64_t word, uintptr_t obj)
{
    struct sw_watch *w = &s->watch;
    enum sw_class cls = class_of((enum sw_call)(word & SW_CALL_MASK), obj);
    if (sw_proc_comm(tid, w->name, sizeof w->name) != 0)
        w->name[0] = '\0';
    bool is_main = tid == my_pid;
    bool heartbeat = sw_globs_match(&cfg->heartbeat, w->name, is_main);
    bool watched = (cfg->watch.n == 0 || sw_globs_match(&cfg->watch, w->name, is_main)) &&
                   !sw_globs_match(&cfg->ignore, w->name, is_main);
    w->cls = (uint8_t)cls;
    w->threshold_ns = sw_watch_threshold_ns(cfg, cls, heartbeat, watched);
    w->decided = 1;
}

/* Stack from /proc: the stack and program counters of a thread blocked in a system call,
 * without running anything on it. Only SP and PC are known, so unwinding may stop early. */
static bool capture_from_proc(pid_t tid, struct sw_snapshot *out)
{
    long nr;
    uint64_t sp, pc;
    if (sw_proc_syscall(tid, &nr, &sp, &pc) != 0)
        return false;
    memset(out->regs, 0, sizeof out->regs);
    out->tid = tid;
    out->full_regs = false;
    out->regs[SW_DWARF_SP] = sp;
    out->regs[SW_DWARF_PC] = pc;
    ssize_t n = sw_proc_read_mem((uintptr_t)sp, out->stack, sizeof out->stack);
    out->stack_len = n > 0 ? (size_t)n : 0;
    return true;
}

struct capture_result {
    const char *how;  /* "signal", "proc", or NULL: no stack */
    const char *note; /* why the capture was degraded */
};

static struct capture_result capture(struct sw_slot *s, uint32_t gen, pid_t tid, enum sw_call call,
                                     char state, bool *gone)
{
    struct capture_result r = {NULL, NULL};
    *gone = false;
    if (sw_calls[call].intr == SW_INTR_NEVER)
        r.note = "this call cannot be resumed after a signal; stack read from /proc";
    else if (state == 'D')
        r.note = "the thread is in uninterruptible sleep; stack read from /proc";
    else if (!sw_capture_signal_ok(tid))
        r.note = "the thread blocks the capture signal or the program took it over; stack read "
                 "from /proc";
    else {
        switch (sw_capture_signal(s, gen, tid, &snap, CAPTURE_TIMEOUT_NS)) {
        case SW_CAPTURE_OK:
            r.how = "signal";
            return r;
        case SW_CAPTURE_GONE:
            *gone = true;
            return r;
        case SW_CAPTURE_TIMEOUT:
            r.note = "the thread did not run the capture signal handler within 250 ms; stack "
                     "read from /proc";
            break;
        case SW_CAPTURE_FAILED:
            r.note = "the capture signal could not be sent; stack read from /proc";
            break;
        }
    }
    if (capture_from_proc(tid, &snap))
        r.how = "proc";
    else
        r.note = "the thread was not blocked in a system call; no stack";
    return r;
}

static void report_stall(struct sw_slot *s, uint32_t gen, pid_t tid, uint64_t word, uintptr_t obj,
                         uint64_t waited_ns)
{
    uint64_t detected_ns = real_ns();
    enum sw_call call = (enum sw_call)(word & SW_CALL_MASK);
    const struct sw_call_info *info = &sw_calls[call];
    char state = 0;
    sw_proc_state(tid, &state);
    bool gone;
    struct capture_result cap = capture(s, gen, tid, call, state, &gone);
    /* The thread left the call while we looked: that is progress, not a stall. */
    if (gone || atomic_load(&s->word) != word || atomic_load(&s->gen) != gen)
        return;

    unsigned nframes = 0;
    if (cap.how != NULL) {
        if (sw_unwind_open(cfg->debuginfod) != 0 && cap.note == NULL)
            cap.note = sw_unwind_error();
        unsigned want = cfg->frames + 8 < SW_FRAMES_MAX ? cfg->frames + 8 : SW_FRAMES_MAX;
        sw_unwind_snapshot(&snap, want, &pcs);
        nframes = sw_symbolize(&pcs, frames, cfg->frames);
    }

    char fd_target[512], path[1024], wchan[64];
    struct sw_thread_report t = {
        .tid = tid,
        .name = s->watch.name[0] != '\0' ? s->watch.name : NULL,
        .call = info->name,
        .cls = (enum sw_class)s->watch.cls,
        .waited_ms = waited_ns / MS,
        .objkind = (enum sw_objkind)info->objkind,
        .state = state,
        .wchan = sw_proc_wchan(tid, wchan, sizeof wchan) == 0 ? wchan : NULL,
        .capture = cap.how,
        .note = cap.note,
        .frames = frames,
        .nframes = nframes,
    };
    switch (t.objkind) {
    case SW_OBJ_ADDR:
    case SW_OBJ_THREAD:
        t.object = obj;
        break;
    case SW_OBJ_PID:
        t.object = (uint64_t)(int64_t)(intptr_t)obj;
        break;
    case SW_OBJ_FD:
        t.fd = (int)obj;
        t.fd_target = sw_proc_fd_target(t.fd, fd_target, sizeof fd_target) == 0 ? fd_target : NULL;
        break;
    case SW_OBJ_PATH:
        t.path = sw_proc_read_string(obj, path, sizeof path) >= 0 ? path : NULL;
        break;
    case SW_OBJ_NONE:
        break;
    }
    struct sw_report r = {
        .event = "stall",
        .number = ++report_no,
        .pid = my_pid,
        .process = program_invocation_short_name,
        .time_ns = detected_ns,
        .threads = &t,
        .nthreads = 1,
    };
    sw_output_report(&r);
}

static void scan(uint64_t now, uint64_t excess_ns)
{
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
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
        if (excess_ns != 0)
            sw_watch_forgive(&s->watch, excess_ns);
        uint64_t waited = sw_watch_observe(&s->watch, gen, word, now);
        if (waited < min_threshold_ns || s->watch.reported)
            continue;
        if (!s->watch.decided)
            decide(s, tid, word, obj);
        if (s->watch.threshold_ns == 0 || waited < s->watch.threshold_ns)
            continue;
        s->watch.reported = 1;
        atomic_store(&reporting, true);
        if (!atomic_load(&quiescing))
            report_stall(s, gen, tid, word, obj, waited);
        atomic_store(&reporting, false);
    }
}

static void *run(void *arg)
{
    (void)arg;
    sw_self = &sw_slot_internal;
    pthread_setname_np(pthread_self(), "stallwatch");
    uint64_t last = mono_ns();
    for (;;) {
        uint64_t wake = last + period_ns;
        struct timespec ts = {.tv_sec = (time_t)(wake / 1000000000u),
                              .tv_nsec = (long)(wake % 1000000000u)};
        while (sw_real.clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        uint64_t now = mono_ns();
        uint64_t excess = sw_watch_excess_ns(period_ns, now - last);
        last = now;
        scan(now, excess);
    }
    return NULL;
}

static int start_thread(void)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Process-directed signals must never be delivered to our thread: block them all. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int r = sw_real.pthread_create(&t, &attr, run, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return -r;
}

int sw_watchdog_start(const struct sw_config *c)
{
    cfg = c;
    my_pid = getpid();
    min_threshold_ns = sw_watch_min_threshold_ns(c);
    if (min_threshold_ns == 0)
        return 0; /* every threshold is off: nothing to watch */
    period_ns = sw_watch_period_ns(min_threshold_ns);
    return start_thread();
}

void sw_watchdog_quiesce(void)
{
    atomic_store(&quiescing, true);
    for (int i = 0; i < 2000 && atomic_load(&reporting); i++) {
        struct timespec ts = {0, 1000000};
        sw_real.nanosleep(&ts, NULL);
    }
}

void sw_watchdog_after_fork_child(void)
{
    my_pid = getpid();
    report_no = 0;
    atomic_store(&reporting, false);
    if (cfg != NULL && min_threshold_ns != 0 && !atomic_load(&quiescing))
        start_thread();
}
