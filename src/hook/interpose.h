/* Private: the shape every wrapper shares. A wrapper is thin and transparent: mark the slot,
 * call the real function, unmark, return exactly what the real function returned with
 * errno as it left it. Any thread, including the program's signal handlers. */
#ifndef SW_INTERPOSE_H
#define SW_INTERPOSE_H

#include <errno.h>
#include <stdint.h>

#include "hook/real.h"
#include "hook/slot.h"

#define SW_EXPORT __attribute__((visibility("default")))

/* For calls the kernel restarts after our signal (futex waits, file locks...). The slow path
 * is a separate copy of the call so that the fast path keeps nothing live across it: a few
 * loads and stores around one indirect call. */
#define SW_WRAP(call, obj, expr)                                                                   \
    do {                                                                                           \
        struct sw_slot *k_ = sw_self;                                                              \
        if (__builtin_expect(!sw_try_enter(k_, SW_CALL_##call, (uintptr_t)(obj)), 0)) {            \
            k_ = sw_enter_slow(k_, SW_CALL_##call, (uintptr_t)(obj));                              \
            __typeof__(expr) s_ = (expr);                                                          \
            sw_leave(k_);                                                                          \
            return s_;                                                                             \
        }                                                                                          \
        __typeof__(expr) r_ = (expr);                                                              \
        sw_leave_own(k_);                                                                          \
        return r_;                                                                                 \
    } while (0)

/* sw_eintr_ours: true when the call just failed with EINTR and that EINTR was ours: our capture signal was
 * handled on this thread since signals0 was read, and none of the program's handlers was. If
 * a program handler ran, the EINTR is passed on: the program would have had it without us
 * (its handler lacks SA_RESTART, or the call is one the kernel never restarts). */
static inline int sw_intr_ours(uint64_t signals0)
{
    uint64_t now = sw_signals();
    return now != signals0 && (now >> 32) == (signals0 >> 32);
}

static inline int sw_eintr_ours(uint64_t signals0)
{
    return errno == EINTR && sw_intr_ours(signals0);
}

/* For calls without a timeout that return EINTR even under SA_RESTART in some cases (reads on
 * sockets with SO_RCVTIMEO, accept, pause...): re-issue the call when the EINTR was ours,
 * with errno as it was before the first attempt. */
#define SW_WRAP_RETRY(call, obj, expr)                                                             \
    do {                                                                                           \
        int e0_ = errno;                                                                           \
        struct sw_slot *k_ = sw_enter(SW_CALL_##call, (uintptr_t)(obj));                           \
        __typeof__(expr) r_;                                                                       \
        for (;;) {                                                                                 \
            uint64_t c_ = sw_signals();                                                            \
            r_ = (expr);                                                                           \
            if (r_ >= 0 || !sw_eintr_ours(c_))                                                     \
                break;                                                                             \
            errno = e0_;                                                                           \
        }                                                                                          \
        sw_leave(k_);                                                                              \
        return r_;                                                                                 \
    } while (0)

#endif
