/* Exported wrappers for installing signal handlers: sigaction, signal, bsd_signal,
 * sysv_signal, sigset. Any thread; the trampoline runs in signal context.
 *
 * Why: a wrapper that resumes a call after our capture signal must not also swallow an EINTR
 * the program's own handler caused. So every handler the program installs runs behind a
 * trampoline that first counts the signal in the thread's slot (prog_signals, beside our
 * captures count) and then calls the program's handler with the same arguments. Nothing
 * else changes: the program's mask and flags are installed as given (plus SA_SIGINFO, which
 * only makes the kernel pass the siginfo and context it already puts in the frame; a
 * handler written for one argument ignores the other two, as the kernel's own calling
 * convention allows), and every query answers with the program's handler and flags, never
 * the trampoline. SIG_DFL and SIG_IGN are installed as they are.
 *
 * glibc's signal() and its relatives install through an internal sigaction we cannot see:
 * their wrappers call the real one and then put the trampoline in front of what it set. A
 * handler installed with a raw rt_sigaction system call is not seen at all; the wrappers then
 * cannot tell its EINTR from ours (docs/design.md, "Signals"). */
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "hook/interpose.h"

#define SW_NSIG 65 /* 1..64 */

/* Declared by <signal.h> only for older standards; glibc exports it in every mode. */
__sighandler_t bsd_signal(int sig, __sighandler_t h);

/* The program's handler per signal (sa_handler or sa_sigaction as given), 0 when the kernel
 * holds no trampoline for it; and whether the program asked for SA_SIGINFO. */
static _Atomic uintptr_t handlers[SW_NSIG];
static _Atomic bool siginfo_flag[SW_NSIG];
/* SA_SIGINFO is ours in the kernel's flags: it stays there after SA_RESETHAND has put
 * SIG_DFL back, and is hidden from queries then too. */
static _Atomic bool added_siginfo[SW_NSIG];

typedef void (*sw_sigaction_fn)(int, siginfo_t *, void *);

static void trampoline(int sig, siginfo_t *si, void *uc)
{
    struct sw_slot *me = sw_self;
    if (me != &sw_slot_lazy)
        atomic_fetch_add_explicit(&me->prog_signals, 1, memory_order_relaxed);
    uintptr_t h = sig > 0 && sig < SW_NSIG ? atomic_load(&handlers[sig]) : 0;
    /* Counted as inside a handler (slot.h), with the outermost trampoline's frame: a count
     * left by a handler that jumped out is dropped. The frame is stored again once counted,
     * in case a handler nested before the count replaced it; the count is put back as it was,
     * not decremented, so that a count dropped meanwhile stays dropped. */
    uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
    unsigned depth = sw_handler_depth_at(frame);
    if (depth == 0) {
        sw_in_handler_frame = frame;
        sw_in_handler_pid = getpid(); /* not syscall(): ours, a wrapper */
    }
    atomic_signal_fence(memory_order_seq_cst);
    sw_in_handler = depth + 1;
    atomic_signal_fence(memory_order_seq_cst);
    if (depth == 0)
        sw_in_handler_frame = frame;
    if (h > 2 && h != (uintptr_t)SIG_ERR)
        ((sw_sigaction_fn)h)(sig, si, uc);
    sw_in_handler = depth;
}

/* A handler function, not SIG_DFL (0), SIG_IGN (1), SIG_HOLD (2) or SIG_ERR (-1). */
static bool wrappable(int sig, uintptr_t h)
{
    return sig > 0 && sig < SW_NSIG && h > 2 && h != (uintptr_t)SIG_ERR &&
           h != (uintptr_t)trampoline;
}

/* Turns what the kernel holds into what the program installed. */
static void unwrap(int sig, struct sigaction *old)
{
    if (old == NULL || sig <= 0 || sig >= SW_NSIG)
        return;
    if (old->sa_sigaction != trampoline) {
        if ((old->sa_flags & SA_RESETHAND) && atomic_load(&added_siginfo[sig]))
            old->sa_flags &= ~SA_SIGINFO;
        return;
    }
    uintptr_t h = atomic_load(&handlers[sig]);
    if (!atomic_load(&siginfo_flag[sig]))
        old->sa_flags &= ~SA_SIGINFO;
    old->sa_sigaction = (sw_sigaction_fn)h;
}

SW_EXPORT int sigaction(int sig, const struct sigaction *__restrict act,
                        struct sigaction *__restrict old)
{
    int (*real)(int, const struct sigaction *, struct sigaction *) = SW_REAL_ANY(sigaction);
    if (act == NULL || !wrappable(sig, (uintptr_t)act->sa_sigaction)) {
        int r = real(sig, act, old);
        unwrap(sig, old);
        if (r == 0 && act != NULL)
            atomic_store(&added_siginfo[sig], false);
        return r;
    }
    struct sigaction k = *act;
    k.sa_sigaction = trampoline;
    k.sa_flags |= SA_SIGINFO;
    /* The new handler is in the table before the kernel can call the trampoline for it; a
     * signal in between that finds the previous trampoline calls the new handler a moment
     * early, as if the installation had happened then. */
    uintptr_t prev_h = atomic_exchange(&handlers[sig], (uintptr_t)act->sa_sigaction);
    bool prev_info = atomic_exchange(&siginfo_flag[sig], (act->sa_flags & SA_SIGINFO) != 0);
    bool prev_added = atomic_exchange(&added_siginfo[sig], !(act->sa_flags & SA_SIGINFO));
    int r = real(sig, &k, old);
    if (r != 0) {
        atomic_store(&handlers[sig], prev_h);
        atomic_store(&siginfo_flag[sig], prev_info);
        atomic_store(&added_siginfo[sig], prev_added);
        return r;
    }
    if (old != NULL && old->sa_sigaction == trampoline) {
        old->sa_sigaction = (sw_sigaction_fn)prev_h;
        if (!prev_info)
            old->sa_flags &= ~SA_SIGINFO;
    } else if (old != NULL && (old->sa_flags & SA_RESETHAND) && prev_added) {
        old->sa_flags &= ~SA_SIGINFO;
    }
    return 0;
}

/* After a glibc installer set h for sig its own way: the same action, behind the trampoline.
 * Returns what the installer returned, unwrapped. */
static __sighandler_t rewrap(int sig, __sighandler_t h, __sighandler_t ret)
{
    int saved = errno;
    if ((uintptr_t)ret == (uintptr_t)trampoline && sig > 0 && sig < SW_NSIG)
        ret = (__sighandler_t)atomic_load(&handlers[sig]);
    struct sigaction cur;
    if (wrappable(sig, (uintptr_t)h) && SW_REAL_ANY(sigaction)(sig, NULL, &cur) == 0 &&
        cur.sa_handler == h)
        sigaction(sig, &cur, NULL);
    errno = saved;
    return ret;
}

SW_EXPORT __sighandler_t signal(int sig, __sighandler_t h)
{
    return rewrap(sig, h, SW_REAL_ANY(signal)(sig, h));
}

SW_EXPORT __sighandler_t bsd_signal(int sig, __sighandler_t h)
{
    return rewrap(sig, h, SW_REAL_ANY(bsd_signal)(sig, h));
}

SW_EXPORT __sighandler_t sysv_signal(int sig, __sighandler_t h)
{
    return rewrap(sig, h, SW_REAL_ANY(sysv_signal)(sig, h));
}

SW_EXPORT __sighandler_t sigset(int sig, __sighandler_t h)
{
    return rewrap(sig, h, SW_REAL_ANY(sigset)(sig, h));
}
