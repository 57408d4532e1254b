/* The thread registry: slot chunks, lock-free claim/release, the thread-exit key.
 * Claim/bind/release: any thread (bind and release on the owning thread, or on the creator
 * when pthread_create fails). Iteration: watchdog thread. */
#include "hook/registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

__thread struct sw_slot *sw_self __attribute__((tls_model("initial-exec"))) = &sw_slot_lazy;
__thread struct sw_slot sw_slot_internal __attribute__((tls_model("initial-exec"), aligned(64)));
/* Never written: its call byte stays non-zero so every unregistered thread's first interposed
 * call takes the slow path. */
struct sw_slot sw_slot_lazy = {.word = SW_CALL_MASK};
/* The fork child's forking thread until it next needs its slot: its call byte is never 0, so
 * that call takes the slow path, which starts the child's watching; its signal counts stand
 * in for the slot's meanwhile (written by this one thread only: the child has no other). */
struct sw_slot sw_slot_deferred = {.word = SW_CALL_MASK};

static struct sw_slot *_Atomic chunks[SW_MAX_CHUNKS];
static _Atomic unsigned nchunks;
static _Atomic unsigned claim_hint;
static _Atomic bool passive;
static pthread_key_t exit_key;
static _Atomic bool exit_key_ok;
/* In a fork child: the forking thread's slot, and what starts the child's watching, both
 * waiting for the child's first call of interest (see sw_registry_after_fork_child). */
static struct sw_slot *deferred_slot;
static void (*_Atomic deferred_start)(void);

static void start_deferred(void)
{
    void (*start)(void) = atomic_exchange(&deferred_start, NULL);
    if (start != NULL)
        start();
}

static void on_thread_exit(void *p)
{
    struct sw_slot *s = p;
    sw_registry_release(s);
    /* Destructors of other keys may still make interposed calls: keep them off the pool. */
    sw_self = &sw_slot_internal;
}

int sw_registry_init(void)
{
    int r = pthread_key_create(&exit_key, on_thread_exit);
    if (r != 0)
        return -r;
    atomic_store(&exit_key_ok, true);
    return 0;
}

void sw_registry_go_passive(void)
{
    atomic_store(&passive, true);
}

unsigned sw_registry_capacity(void)
{
    return atomic_load_explicit(&nchunks, memory_order_acquire) * SW_CHUNK_SLOTS;
}

struct sw_slot *sw_registry_at(unsigned i)
{
    struct sw_slot *c = atomic_load_explicit(&chunks[i / SW_CHUNK_SLOTS], memory_order_acquire);
    return c + i % SW_CHUNK_SLOTS;
}

/* Publishes one more chunk. Lock-free: the winner of the CAS on chunks[n] installs it and
 * whoever sees it installed helps advance nchunks. Returns false when out of room or memory. */
static bool grow(unsigned n)
{
    if (n >= SW_MAX_CHUNKS)
        return false;
    if (atomic_load(&chunks[n]) == NULL) {
        size_t size = sizeof(struct sw_slot) * SW_CHUNK_SLOTS;
        void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED)
            return false;
        struct sw_slot *expected = NULL;
        if (!atomic_compare_exchange_strong(&chunks[n], &expected, (struct sw_slot *)mem))
            munmap(mem, size);
    }
    unsigned want = n;
    atomic_compare_exchange_strong(&nchunks, &want, n + 1);
    return true;
}

static bool try_take(struct sw_slot *s)
{
    uint32_t expected = SW_SLOT_FREE;
    if (atomic_load_explicit(&s->state, memory_order_relaxed) != SW_SLOT_FREE ||
        !atomic_compare_exchange_strong(&s->state, &expected, SW_SLOT_LIVE))
        return false;
    atomic_fetch_add(&s->gen, 1);
    /* The last owner's API promises are not the new thread's (a thread may exit with a
     * heartbeat promise or a scope open). Cleared after the generation changes: a scan that
     * sees the new generation with the old values only arms them (a promise is checked from
     * the next scan on), and the next scan sees them cleared; one that saw the old
     * generation with cleared values would take them for the old thread's news. */
    atomic_store_explicit(&s->hb_timeout_ms, 0, memory_order_relaxed);
    atomic_store_explicit(&s->hb_count, 0, memory_order_relaxed);
    atomic_store_explicit(&s->scope_depth, 0, memory_order_relaxed);
    atomic_store_explicit(&s->tid, 0, memory_order_relaxed);
    s->self = 0;
    s->start = NULL;
    s->arg = NULL;
    atomic_store_explicit(&s->obj, 0, memory_order_relaxed);
    /* Keep the entry count: only the call bits must start clear. */
    atomic_fetch_and(&s->word, ~SW_CALL_MASK);
    return true;
}

struct sw_slot *sw_registry_claim(void)
{
    if (atomic_load_explicit(&passive, memory_order_relaxed))
        return NULL;
    /* A fork child creating a thread is one to watch: the slots are settled first. */
    if (__builtin_expect(atomic_load_explicit(&deferred_start, memory_order_relaxed) != NULL, 0)) {
        if (sw_self == &sw_slot_deferred)
            sw_registry_self(); /* the forking thread takes its slot back, then starts */
        else
            start_deferred();
    }
    for (;;) {
        unsigned n = atomic_load_explicit(&nchunks, memory_order_acquire);
        unsigned cap = n * SW_CHUNK_SLOTS;
        if (cap > 0) {
            unsigned start = atomic_fetch_add_explicit(&claim_hint, 1, memory_order_relaxed);
            for (unsigned k = 0; k < cap; k++) {
                struct sw_slot *s = sw_registry_at((start + k) % cap);
                if (try_take(s))
                    return s;
            }
        }
        if (!grow(n))
            return NULL;
    }
}

void sw_registry_bind(struct sw_slot *s)
{
    s->self = pthread_self();
    atomic_store_explicit(&s->tid, gettid(), memory_order_release);
    sw_self = s;
    if (atomic_load(&exit_key_ok))
        pthread_setspecific(exit_key, s);
}

void sw_registry_release(struct sw_slot *s)
{
    if (s == NULL || s == &sw_slot_internal || s == &sw_slot_deferred)
        return;
    atomic_fetch_and(&s->word, ~SW_CALL_MASK);
    for (;;) {
        uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);
        if (st == SW_SLOT_HELD) {
            /* The watchdog still has to close this thread's stall: it frees the slot then. */
            if (atomic_compare_exchange_strong(&s->state, &st, SW_SLOT_EXITED))
                return;
            continue;
        }
        if (st != SW_SLOT_LIVE)
            return;
        atomic_store_explicit(&s->tid, 0, memory_order_relaxed);
        if (atomic_compare_exchange_strong(&s->state, &st, SW_SLOT_FREE))
            return;
    }
}

void sw_registry_hold(struct sw_slot *s, uint32_t gen, bool held)
{
    uint32_t st = held ? SW_SLOT_LIVE : SW_SLOT_HELD;
    if (atomic_load_explicit(&s->gen, memory_order_acquire) != gen)
        return;
    if (atomic_compare_exchange_strong(&s->state, &st, held ? SW_SLOT_HELD : SW_SLOT_LIVE) ||
        held)
        return;
    if (st == SW_SLOT_EXITED) {
        atomic_store_explicit(&s->tid, 0, memory_order_relaxed);
        atomic_compare_exchange_strong(&s->state, &st, SW_SLOT_FREE);
    }
}

static void free_slot(struct sw_slot *s)
{
    atomic_fetch_and(&s->word, ~SW_CALL_MASK);
    atomic_store_explicit(&s->tid, 0, memory_order_relaxed);
    atomic_store_explicit(&s->state, SW_SLOT_FREE, memory_order_release);
}

struct sw_slot *sw_registry_self(void)
{
    struct sw_slot *s = sw_self;
    if (s == &sw_slot_deferred) {
        int saved = errno;
        s = deferred_slot;
        atomic_store(&s->signals, atomic_load(&sw_slot_deferred.signals));
        sw_self = s;
        start_deferred();
        errno = saved;
        return s;
    }
    if (s != &sw_slot_lazy)
        return s;
    int saved = errno;
    /* Wrappers reached from inside the claim (mmap is not one, but a program's allocator
     * hooks might be) use the internal slot instead of recursing. */
    sw_self = &sw_slot_internal;
    s = sw_registry_claim();
    if (s != NULL)
        sw_registry_bind(s);
    else
        s = &sw_slot_internal;
    errno = saved;
    return s;
}

void sw_registry_after_fork_child(void (*start)(void))
{
    /* fork() is no call of ours, so any call marked now was interrupted by the signal handler
     * that forks (postgres's postmaster starts its children from one): in the child the
     * handler goes on, maybe for the child's whole life, and that call is not what it does.
     * The child starts with nothing marked; the calls it enters from here on are marked as
     * usual, and when the handler returns into the interrupted wrapper, its leave finds the
     * mark clear already. */
    atomic_fetch_and(&sw_slot_internal.word, ~SW_CALL_MASK);
    struct sw_slot *mine = sw_self;
    deferred_slot = NULL;
    if (mine != &sw_slot_lazy && mine != &sw_slot_internal) {
        atomic_fetch_and(&mine->word, ~SW_CALL_MASK);
        /* Until its next call of interest the thread counts signals on the sentinel. */
        atomic_store(&sw_slot_deferred.signals, atomic_load(&mine->signals));
        deferred_slot = mine;
        sw_self = &sw_slot_deferred;
    }
    atomic_store(&deferred_start, start);
}

void sw_registry_settle_child(void)
{
    struct sw_slot *mine = deferred_slot != NULL ? deferred_slot : sw_self;
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        if (s != mine && atomic_load(&s->state) != SW_SLOT_FREE)
            free_slot(s); /* held or not: the parent's stalls are not the child's */
    }
    if (mine != &sw_slot_lazy && mine != &sw_slot_internal && mine != &sw_slot_deferred) {
        atomic_store(&mine->state, SW_SLOT_LIVE);
        /* Same slot, new identity: a new generation so no watchdog state carries over. */
        atomic_fetch_add(&mine->gen, 1);
        atomic_store(&mine->tid, gettid());
        mine->self = pthread_self();
    }
    deferred_slot = NULL;
}
