/* Private: a thread's slot and the hot path that marks it (sw_enter/sw_leave).
 *
 * The hot path runs in every interposed call, in any thread, possibly inside the program's
 * signal handlers: it does a handful of loads and stores to the calling thread's own slot,
 * no syscalls, no locks, no allocation, and it leaves errno alone.
 *
 * The slot's first cache line is written only by its own thread, at every interposed call;
 * the watchdog only reads it. The second holds the identity (written at claim and release)
 * and the API's counters (written by the thread only when it calls the API); the watchdog's
 * bookkeeping lives in lines of its own (struct sw_episode), so the thread's stores and the
 * watchdog's never share a line.
 */
#ifndef SW_SLOT_H
#define SW_SLOT_H

#include <pthread.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/calls.h"
#include "core/episode.h"

/* Slot life: FREE -> (claim) -> LIVE -> (release) -> FREE. While the thread is the subject of
 * an open stall report the watchdog holds the slot (LIVE -> HELD), so that a thread exiting
 * right after its stalled call still gets its "recovered": its release then leaves the slot
 * EXITED (tid kept, call cleared) instead of FREE, and the watchdog frees it once it has
 * closed the episode. Bit 0 means a thread owns the slot. */
enum sw_slot_state {
    SW_SLOT_FREE = 0,
    SW_SLOT_LIVE = 1,
    SW_SLOT_EXITED = 2,
    SW_SLOT_HELD = 3,
};

static inline bool sw_slot_live(uint32_t state)
{
    return (state & 1) != 0;
}

/* One stallwatch_scope_begin region, written by the owner thread. */
struct sw_scope {
    const char *what; /* the program's string, read by the watchdog without faulting */
    uint32_t timeout_ms;
    _Atomic uint32_t seq; /* written last: a new value means a new region at this depth */
};

struct sw_slot {
    /* Line 0: written by the owner thread only. */
    union {
        _Atomic uint64_t word; /* (entries << 8) | call id; read by the watchdog as one */
        _Atomic uint8_t call;  /* the low byte: call id, 0 when not in a call */
    };
    _Atomic uintptr_t obj; /* the call's object (see enum sw_objkind) */
    /* Signals handled on this thread, read together by the resuming wrappers: the low half
     * counts our capture signal, the high half the program's own handlers (through the
     * trampoline of wrap_signal.c). */
    union {
        _Atomic uint64_t signals;
        struct {
            _Atomic uint32_t captures;     /* bumped by our capture signal handler */
            _Atomic uint32_t prog_signals; /* bumped before each program handler runs */
        };
    };
    char pad_line0[64 - 24];

    /* Line 1: identity, written at claim and release. */
    _Atomic uint32_t state; /* enum sw_slot_state */
    _Atomic uint32_t gen;   /* bumped at every claim */
    _Atomic pid_t tid;      /* 0 until the thread runs */
    uint32_t pad1;
    pthread_t self;         /* pthread_self() of the thread, 0 for raw clone threads */
    void *(*start)(void *); /* pthread_create trampoline: the program's start routine */
    void *arg;
    /* The public API's promises (include/stallwatch.h), written by the owner thread when it
     * calls the API, here so that a scan of a thread that never did reads no other line. */
    _Atomic uint32_t hb_count;      /* bumped by every stallwatch_heartbeat */
    _Atomic uint32_t hb_timeout_ms; /* 0: no promise */
    _Atomic uint32_t scope_depth;   /* open regions, possibly more than SW_SCOPES_MAX */
    char pad_line1[64 - 52];

    /* Lines 2-3: the API's open regions, written by the owner thread. */
    uint32_t scope_next; /* sequence for scope[].seq */
    uint32_t pad2;
    struct sw_scope scope[SW_SCOPES_MAX];
    char pad_line23[128 - 8 - SW_SCOPES_MAX * sizeof(struct sw_scope)];

    /* Lines 4-: the watchdog's bookkeeping of the thread's current episode, touched by the
     * watchdog thread only (core/episode.c). */
    struct sw_episode ep;
    char pad_ep[(sizeof(struct sw_episode) + 63) / 64 * 64 - sizeof(struct sw_episode)];
};

_Static_assert(offsetof(struct sw_slot, scope_depth) < 64 * 2, "API counters are in line 1");
_Static_assert(offsetof(struct sw_slot, scope) < 64 * 2 + 16, "API regions start at line 2");
_Static_assert(offsetof(struct sw_slot, ep) == 256, "watchdog lines start at line 4");
_Static_assert(sizeof(struct sw_slot) % 64 == 0, "slots are whole cache lines");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "call must be word's low byte");

/* The calling thread's slot. Every thread starts on sw_slot_lazy, whose call byte is never 0,
 * so its first interposed call takes the slow path, which claims a real slot. Our own threads
 * use sw_slot_internal. */
extern __thread struct sw_slot *sw_self
    __attribute__((tls_model("initial-exec"), visibility("hidden")));
extern struct sw_slot sw_slot_lazy __attribute__((visibility("hidden")));
/* The fork child's forking thread until its first interposed call (registry.h). */
extern struct sw_slot sw_slot_deferred __attribute__((visibility("hidden")));

/* A slot that no watchdog scan ever looks at, one per thread (so the stores to it never bounce
 * a cache line between threads): our own threads point at theirs, so wrappers they call
 * (libdw's rwlocks, our own I/O) cost a few stores and report nothing; so does every thread
 * when the shim is passive (STALLWATCH_DISABLE, no slot to be had); an interposed call made
 * inside another one (from a signal handler) is marked here too, leaving the outer call
 * marked in the thread's own slot for as long as it lasts. */
extern __thread struct sw_slot sw_slot_internal
    __attribute__((tls_model("initial-exec"), visibility("hidden"), aligned(64)));

/* How many of the program's signal handlers the calling thread is running (the trampoline
 * of wrap_signal.c counts them), in which process the outermost began, and that outermost
 * trampoline's frame: the process's watching never starts inside one, since the start
 * creates a thread (hook/registry.h). A fork child that goes on inside its parent's handler
 * (postgres's postmaster starts its children so) is not inside a handler of its own. A
 * handler that leaves by siglongjmp never comes back to the trampoline to uncount itself:
 * code running above the outermost trampoline's frame is not inside it (see
 * sw_in_program_handler). */
extern __thread unsigned sw_in_handler __attribute__((tls_model("initial-exec"), visibility("hidden")));
extern __thread pid_t sw_in_handler_pid
    __attribute__((tls_model("initial-exec"), visibility("hidden")));
extern __thread uintptr_t sw_in_handler_frame
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* Non-zero while the thread is inside vfork (hook/wrap_vfork.c): seen so by the vfork child,
 * which shares this storage with it, and which must claim no slot and start nothing. */
extern __thread unsigned sw_vforking
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* How many of the program's handlers code at frame (the caller's __builtin_frame_address(0))
 * runs inside. A count left by a handler that jumped out is dropped here: the stack grows
 * down, so a frame at or above the outermost trampoline's is the code the handler
 * interrupted, or code that jumped back there. (A handler on an alternate stack that lies
 * above the stack it jumps back to is still counted: the watching then waits for a call
 * above it, as before.) */
static inline unsigned sw_handler_depth_at(uintptr_t frame)
{
    unsigned depth = sw_in_handler;
    if (__builtin_expect(depth == 0, 1))
        return 0;
    if (frame >= sw_in_handler_frame) {
        sw_in_handler = 0;
        return 0;
    }
    return depth;
}

/* Whether code at frame runs inside one of the program's handlers in this process. One getpid
 * only while a count is held. */
static inline bool sw_in_program_handler_at(uintptr_t frame)
{
    return sw_handler_depth_at(frame) != 0 && sw_in_handler_pid == getpid();
}

#define sw_in_program_handler() sw_in_program_handler_at((uintptr_t)__builtin_frame_address(0))

/* The slow path of sw_enter, when s's call byte is not 0: s is sw_slot_lazy (the thread's
 * first interposed call: claim a slot, make sure the real functions are resolved, mark it) or
 * the thread is already inside an interposed call (mark the internal slot). Returns the slot
 * sw_leave must clear, or NULL for a call marked nowhere: one that does not start the
 * watching of a process not yet watching (nobody would look at its mark, and a store after
 * each fork would cost a process that forks in a loop a page fault per fork). Preserves
 * errno. */
struct sw_slot *sw_enter_slow(struct sw_slot *s, enum sw_call call, uintptr_t obj);

/* The fast path: marks s (the calling thread's slot) as inside call on obj and returns true,
 * or returns false without touching anything when s's call byte is not 0 (the caller then
 * takes sw_enter_slow). Once a thread has passed here, the real functions are resolved. */
static inline __attribute__((always_inline)) bool sw_try_enter(struct sw_slot *s, enum sw_call call,
                                                               uintptr_t obj)
{
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    if (__builtin_expect((w & SW_CALL_MASK) != 0, 0))
        return false;
    atomic_store_explicit(&s->obj, obj, memory_order_relaxed);
    /* Release: a reader that sees the new word also sees the new object. The call bits are 0
     * here, so adding sets them. */
    atomic_store_explicit(&s->word, w + ((1u << SW_CALL_BITS) | (uint64_t)call),
                          memory_order_release);
    return true;
}

/* Marks the calling thread as inside call on obj; returns the slot to hand to sw_leave. */
static inline __attribute__((always_inline)) struct sw_slot *sw_enter(enum sw_call call,
                                                                      uintptr_t obj)
{
    struct sw_slot *s = sw_self;
    if (__builtin_expect(!sw_try_enter(s, call, obj), 0))
        return sw_enter_slow(s, call, obj);
    return s;
}

/* Clears what sw_try_enter marked: s is the thread's own slot. */
static inline __attribute__((always_inline)) void sw_leave_own(struct sw_slot *s)
{
    atomic_store_explicit(&s->call, 0, memory_order_release);
}

/* Clears what sw_enter or sw_enter_slow marked, if anything. */
static inline __attribute__((always_inline)) void sw_leave(struct sw_slot *s)
{
    if (s != NULL)
        sw_leave_own(s);
}

/* For wrappers of SW_INTR_RETRY calls: the signal counts of the calling thread, read before
 * the call, tell later whether an EINTR was caused by our signal (see sw_eintr_ours). They
 * are the thread's own slot's even when the call is nested and marked on the internal slot. */
static inline uint64_t sw_signals(void)
{
    return atomic_load_explicit(&sw_self->signals, memory_order_relaxed);
}

#endif
