/* Private: a thread's slot and the hot path that marks it (sw_enter/sw_leave).
 *
 * The hot path runs in every interposed call, in any thread, possibly inside the program's
 * signal handlers: it does a handful of loads and stores to the calling thread's own slot,
 * no syscalls, no locks, no allocation, and it leaves errno alone.
 *
 * The slot's first cache line is written only by its own thread; the watchdog only reads
 * it. The watchdog's bookkeeping lives in the second line, so the two never share a line.
 */
#ifndef SW_SLOT_H
#define SW_SLOT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "calls.h"

#define SW_CALL_BITS 8
#define SW_CALL_MASK ((uint64_t)0xff)

/* Slot life: FREE -> (claim) -> LIVE -> (release) -> FREE. */
enum sw_slot_state {
    SW_SLOT_FREE = 0,
    SW_SLOT_LIVE = 1,
};

struct sw_watch {
    uint64_t word;     /* the word at the last look */
    uint64_t first_ns; /* when the watchdog first saw this word; 0: not tracking */
    uint32_t gen;      /* slot generation this state belongs to */
    uint8_t reported;  /* this episode was reported */
    uint8_t decided;   /* threshold_ns below is known for this episode */
    uint8_t cls;       /* class decided for this episode */
    uint8_t pad;
    uint64_t threshold_ns; /* 0: never a stall */
    char name[16];         /* thread name read when the episode was decided */
};

struct sw_slot {
    /* Line 0: written by the owner thread only. */
    union {
        _Atomic uint64_t word; /* (entries << 8) | call id; read by the watchdog as one */
        _Atomic uint8_t call;  /* the low byte: call id, 0 when not in a call */
    };
    _Atomic uintptr_t obj;     /* the call's object (see enum sw_objkind) */
    _Atomic uint32_t captures; /* bumped by our capture signal handler on this thread */
    uint32_t pad0;
    char pad_line0[64 - 24];

    /* Line 1: identity, written at claim and release. */
    _Atomic uint32_t state; /* enum sw_slot_state */
    _Atomic uint32_t gen;   /* bumped at every claim */
    _Atomic pid_t tid;      /* 0 until the thread runs */
    uint32_t pad1;
    pthread_t self;         /* pthread_self() of the thread, 0 for raw clone threads */
    void *(*start)(void *); /* pthread_create trampoline: the program's start routine */
    void *arg;
    char pad_line1[64 - 40];

    /* Line 2: the watchdog's bookkeeping, touched by the watchdog thread only. */
    struct sw_watch watch;
    char pad_line2[64 - sizeof(struct sw_watch)];
};

_Static_assert(sizeof(struct sw_slot) == 192, "slot lines must stay separate");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "call must be word's low byte");

/* The calling thread's slot. Every thread starts on sw_slot_lazy, whose call byte is never 0,
 * so its first interposed call takes the slow path, which claims a real slot. Our own threads
 * use sw_slot_internal. */
extern __thread struct sw_slot *sw_self
    __attribute__((tls_model("initial-exec"), visibility("hidden")));
extern struct sw_slot sw_slot_lazy __attribute__((visibility("hidden")));

/* A slot that no watchdog scan ever looks at: our own threads point at it, so wrappers they
 * call (libdw's rwlocks, our own I/O) cost a few stores and report nothing; an interposed
 * call made inside another one (from a signal handler) is marked here too, leaving the outer
 * call marked in the thread's own slot for as long as it lasts. */
extern struct sw_slot sw_slot_internal __attribute__((visibility("hidden")));

/* The slow path of sw_enter, when s's call byte is not 0: s is sw_slot_lazy (the thread's
 * first interposed call: claim a slot, make sure the real functions are resolved, mark it) or
 * the thread is already inside an interposed call (mark the internal slot). Returns the slot
 * sw_leave must clear. Preserves errno. */
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

static inline __attribute__((always_inline)) void sw_leave(struct sw_slot *s)
{
    atomic_store_explicit(&s->call, 0, memory_order_release);
}

/* For wrappers of SW_INTR_RETRY calls: the capture count, read before the call, tells later
 * whether an EINTR was caused by our signal. */
static inline uint32_t sw_captures(const struct sw_slot *s)
{
    return atomic_load_explicit(&s->captures, memory_order_relaxed);
}

#endif
