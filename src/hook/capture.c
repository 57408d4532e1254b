/* Capture of a thread's registers and stack by a real-time signal.
 *
 * Request side: watchdog thread only. Handler: signal context of the target thread; it copies
 * registers from the ucontext and a bounded slice of stack with process_vm_readv (which stops
 * at an unmapped page instead of faulting) and returns. It allocates nothing, takes no lock,
 * calls nothing of the dynamic loader, and leaves errno as it found it.
 *
 * Handshake: one request at a time. state = (id << 2) | phase. The watchdog publishes
 * REQUESTED and sends the signal carrying id; the handler moves REQUESTED -> WRITING -> DONE
 * (or WRONG when the thread is no longer the slot's owner). A watchdog that gives up moves
 * REQUESTED -> IDLE, so a late handler finds nothing to do; if the handler already started
 * writing, the watchdog waits for it to finish before reusing the buffer. */
#include "hook/capture.h"

#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "hook/real.h"

enum { PH_IDLE = 0, PH_REQUESTED = 1, PH_WRITING = 2, PH_DONE = 3 };
#define PH_MASK 3u
/* A DONE with this flag: the handler ran but the thread is not the slot's owner. */
#define WRONG_ID 0x3fffffffu
/* A DONE with this flag: a signal wait took the signal instead of the handler. */
#define TAKEN_ID 0x3ffffffeu

static int signo;
static pid_t my_pid;
/* The high half of every request's si_value: tells our requests from a sigqueue of the
 * program's own on the same signal. Random per process (from AT_RANDOM, no system call). */
static uint32_t cookie;
static _Atomic uint32_t state;
static uint32_t next_id;
static struct sw_slot *req_slot;
static uint32_t req_gen;
static struct sw_snapshot *req_out;

static void futex_wake(_Atomic uint32_t *addr)
{
    sw_real.syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void futex_wait(_Atomic uint32_t *addr, uint32_t val, uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                          .tv_nsec = (long)(ns % 1000000000u)};
    sw_real.syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

/* Whether si is one of our requests; its id into *id. */
static bool ours(const siginfo_t *si, uint32_t *id)
{
    uint64_t v = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
    *id = (uint32_t)v;
    return si->si_code == SI_QUEUE && si->si_pid == my_pid && (uint32_t)(v >> 32) == cookie;
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
    int saved_errno = errno;
    uint32_t id;
    if (!ours(si, &id)) {
        /* Not ours. The program never asked for this signal, so without us its default
         * action (terminate) would have happened: restore it and let it happen. */
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigemptyset(&dfl.sa_mask);
        sw_real.sigaction(sig, &dfl, NULL);
        raise(sig);
        errno = saved_errno;
        return;
    }
    struct sw_slot *me = sw_self;
    /* Any EINTR this thread sees from now on may be ours: let its wrapper resume. */
    if (me != &sw_slot_lazy)
        atomic_fetch_add_explicit(&me->captures, 1, memory_order_relaxed);

    uint32_t expected = (id << 2) | PH_REQUESTED;
    if (!atomic_compare_exchange_strong(&state, &expected, (id << 2) | PH_WRITING))
        goto out;
    if (me != req_slot || atomic_load_explicit(&me->gen, memory_order_relaxed) != req_gen) {
        atomic_store(&state, (WRONG_ID << 2) | PH_DONE);
        futex_wake(&state);
        goto out;
    }
    struct sw_snapshot *snap = req_out;
    snap->tid = atomic_load_explicit(&me->tid, memory_order_relaxed);
    snap->full_regs = true;
    sw_arch_regs((const ucontext_t *)ucv, snap->regs);
    struct iovec local = {snap->stack, sizeof snap->stack};
    struct iovec remote = {(void *)(uintptr_t)snap->regs[SW_DWARF_SP], sizeof snap->stack};
    ssize_t n = process_vm_readv(my_pid, &local, 1, &remote, 1, 0);
    snap->stack_len = n > 0 ? (size_t)n : 0;
    atomic_store(&state, (id << 2) | PH_DONE);
    futex_wake(&state);
out:
    errno = saved_errno;
}

bool sw_capture_taken(int sig, const siginfo_t *si)
{
    uint32_t id;
    if (signo == 0 || sig != signo || !ours(si, &id))
        return false;
    uint32_t expected = (id << 2) | PH_REQUESTED;
    if (atomic_compare_exchange_strong(&state, &expected, (TAKEN_ID << 2) | PH_DONE))
        futex_wake(&state);
    return true;
}

int sw_capture_init(void)
{
    const uint8_t *rnd = (const uint8_t *)getauxval(AT_RANDOM);
    if (rnd != NULL)
        memcpy(&cookie, rnd + 8, sizeof cookie);
    cookie ^= 0x5357u;
    for (int s = SIGRTMAX; s >= SIGRTMIN; s--) {
        struct sigaction cur;
        if (sw_real.sigaction(s, NULL, &cur) != 0 || (cur.sa_flags & SA_SIGINFO) ||
            cur.sa_handler != SIG_DFL)
            continue;
        struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO | SA_RESTART};
        sigfillset(&sa.sa_mask);
        if (sw_real.sigaction(s, &sa, NULL) != 0)
            return -errno;
        signo = s;
        return 0;
    }
    return -EBUSY;
}

int sw_capture_signo(void)
{
    return signo;
}

bool sw_capture_installed(void)
{
    if (signo == 0)
        return false;
    struct sigaction cur;
    return sw_real.sigaction(signo, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
           cur.sa_sigaction == handler;
}

enum sw_capture_status sw_capture_signal(struct sw_slot *s, uint32_t gen, pid_t tid,
                                         struct sw_snapshot *out, uint64_t timeout_ns)
{
    uint32_t id = ++next_id & WRONG_ID;
    if (id == 0 || id == WRONG_ID)
        id = next_id = 1;
    req_slot = s;
    req_gen = gen;
    req_out = out;
    out->stack_len = 0;
    atomic_store(&state, (id << 2) | PH_REQUESTED);

    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = signo;
    si.si_code = SI_QUEUE;
    si.si_pid = my_pid;
    si.si_uid = getuid();
    si.si_value.sival_ptr = (void *)(uintptr_t)((uint64_t)cookie << 32 | id);
    if (sw_real.syscall(SYS_rt_tgsigqueueinfo, my_pid, tid, signo, &si) != 0) {
        atomic_store(&state, PH_IDLE);
        return errno == ESRCH ? SW_CAPTURE_GONE : SW_CAPTURE_FAILED;
    }

    uint64_t deadline = sw_mono_ns() + timeout_ns;
    for (;;) {
        uint32_t v = atomic_load(&state);
        if ((v & PH_MASK) == PH_DONE)
            return (v >> 2) == id         ? SW_CAPTURE_OK
                   : (v >> 2) == TAKEN_ID ? SW_CAPTURE_TAKEN
                                          : SW_CAPTURE_GONE;
        uint64_t now = sw_mono_ns();
        if (now >= deadline && (v & PH_MASK) == PH_REQUESTED) {
            uint32_t expected = v;
            if (atomic_compare_exchange_strong(&state, &expected, PH_IDLE))
                return SW_CAPTURE_TIMEOUT;
            continue; /* the handler started just now: let it finish */
        }
        /* WRITING past the deadline: the handler is copying and will be done shortly. */
        futex_wait(&state, v, now < deadline ? deadline - now : 1000000u);
    }
}

void sw_capture_start(void)
{
    my_pid = getpid();
    atomic_store(&state, PH_IDLE);
}
