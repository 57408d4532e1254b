/* Private: the shape every wrapper shares. A wrapper is thin and transparent: mark the slot,
 * call the real function, unmark, return exactly what the real function returned with
 * errno as it left it. Any thread, including the program's signal handlers. */
#ifndef SW_INTERPOSE_H
#define SW_INTERPOSE_H

#include <errno.h>
#include <stdint.h>

#include "real.h"
#include "slot.h"

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
        sw_leave(k_);                                                                              \
        return r_;                                                                                 \
    } while (0)

/* True when the call just failed with EINTR and our capture signal hit this thread since
 * captures0 was read: the interruption was ours and the wrapper resumes the call. */
static inline int sw_eintr_ours(const struct sw_slot *k, uint32_t captures0)
{
    return errno == EINTR && sw_captures(k) != captures0;
}

/* For calls without a timeout that return EINTR even under SA_RESTART in some cases (reads on
 * sockets with SO_RCVTIMEO, accept, pause...): re-issue the call when the EINTR was ours,
 * with errno as it was before the first attempt. */
#define SW_WRAP_RETRY(call, obj, expr)                                                             \
    do {                                                                                           \
        int e0_ = errno;                                                                           \
        struct sw_slot *k_ = sw_enter(SW_CALL_##call, (uintptr_t)(obj));                           \
        __typeof__(expr) r_;                                                                       \
        uint32_t c_;                                                                               \
        for (;;) {                                                                                 \
            c_ = sw_captures(k_);                                                                  \
            r_ = (expr);                                                                           \
            if (r_ >= 0 || !sw_eintr_ours(k_, c_))                                                 \
                break;                                                                             \
            errno = e0_;                                                                           \
        }                                                                                          \
        sw_leave(k_);                                                                              \
        return r_;                                                                                 \
    } while (0)

#endif
