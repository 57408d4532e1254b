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
    _Atomic uint64_t word;     /* (entries << 8) | call id; call id 0: not in a call */
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

/* The calling thread's slot: NULL until claimed; sw_slot_internal for our own threads. */
extern __thread struct sw_slot *sw_self __attribute__((tls_model("initial-exec")));

/* A slot that no watchdog scan ever looks at: our own threads point at it, so wrappers they
 * call (libdw's rwlocks, our own I/O) cost a few stores and report nothing. */
extern struct sw_slot sw_slot_internal;

/* Claims a slot for the calling thread (first interposed call of a thread we did not
 * create). Never fails: returns sw_slot_internal when no slot can be had. Preserves errno. */
struct sw_slot *sw_registry_self_slow(void);

/* What sw_leave needs to put back: the slot and its previous call and object (non-zero
 * only when a signal handler made an interposed call inside another one). */
struct sw_mark {
    struct sw_slot *slot;
    uint64_t prev_call;
    uintptr_t prev_obj;
};

static inline __attribute__((always_inline)) struct sw_mark sw_enter(enum sw_call call,
                                                                     uintptr_t obj)
{
    struct sw_slot *s = sw_self;
    if (__builtin_expect(s == NULL, 0))
        s = sw_registry_self_slow();
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    struct sw_mark m = {s, w & SW_CALL_MASK, atomic_load_explicit(&s->obj, memory_order_relaxed)};
    atomic_store_explicit(&s->obj, obj, memory_order_relaxed);
    /* Release: a reader that sees the new word also sees the new object. */
    atomic_store_explicit(&s->word, ((w & ~SW_CALL_MASK) + (1u << SW_CALL_BITS)) | call,
                          memory_order_release);
    return m;
}

static inline __attribute__((always_inline)) void sw_leave(struct sw_mark m)
{
    struct sw_slot *s = m.slot;
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    atomic_store_explicit(&s->obj, m.prev_obj, memory_order_relaxed);
    atomic_store_explicit(&s->word, (w & ~SW_CALL_MASK) | m.prev_call, memory_order_release);
}

/* For wrappers of SW_INTR_RETRY calls: the capture count before the call, to tell later
 * whether an EINTR was caused by our signal. */
static inline uint32_t sw_captures(const struct sw_mark *m)
{
    return atomic_load_explicit(&m->slot->captures, memory_order_relaxed);
}

#endif
