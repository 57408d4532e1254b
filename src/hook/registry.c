/* The thread registry: slot chunks, lock-free claim/release, the thread-exit key, and the
 * deferred start (which call starts the process's watching: its class, the process's age,
 * its count of free locks). Claim/bind/release: any thread (bind and release on the owning
 * thread, or on the creator when pthread_create fails). Iteration: watchdog thread. */
#include "hook/registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/large.h"

__thread struct sw_slot *sw_self __attribute__((tls_model("initial-exec"))) = &sw_slot_lazy;
__thread struct sw_slot sw_slot_internal __attribute__((tls_model("initial-exec"), aligned(64)));
__thread unsigned sw_in_handler __attribute__((tls_model("initial-exec")));
__thread pid_t sw_in_handler_pid __attribute__((tls_model("initial-exec")));
__thread uintptr_t sw_in_handler_frame __attribute__((tls_model("initial-exec")));
__thread unsigned sw_vforking __attribute__((tls_model("initial-exec")));
/* Never written: its call byte stays non-zero so every unregistered thread's first interposed
 * call takes the slow path. */
struct sw_slot sw_slot_lazy = {.word = SW_CALL_MASK};
/* The fork child's forking thread until it next needs its slot: its call byte is never 0, so
 * that call takes the slow path, which starts the child's watching; its signal counts stand
 * in for the slot's meanwhile (written by this one thread only: the child has no other). */
struct sw_slot sw_slot_deferred = {.word = SW_CALL_MASK};

SW_LARGE static struct sw_slot *_Atomic chunks[SW_MAX_CHUNKS];
static _Atomic unsigned nchunks;
static _Atomic unsigned claim_hint;
static _Atomic bool passive;
static pthread_key_t exit_key;
static _Atomic bool exit_key_ok;
/* Watching starts lazily, in the parent as in a fork child (see sw_registry_defer_start):
 * until then one thread, the deferred one (the main thread; in a child, the forking thread),
 * uses sw_slot_deferred, and deferred_start holds what starts the watching. deferred_slot is
 * that thread's slot: the forking thread's own in a child, claimed on the main thread's behalf
 * at the start in a parent, and adopted by the thread at its next call. start_classes holds
 * the classes (bit per enum sw_class) whose calls start the watching. */
static struct sw_slot *_Atomic deferred_slot;
static pid_t deferred_tid;  /* the deferred thread's, when it is not the main thread */
static pthread_t deferred_self;
static uint32_t start_classes;
/* Classes whose calls start the watching only once the process has been making them for
 * SW_START_AGE_NS (its file-system calls: what a process that execs or exits at once does),
 * and when it first made one. */
static uint32_t aged_classes;
static uint64_t born_ns;
static pid_t born_pid; /* a child of a process that never watched inherits born_ns */
/* Free locks taken before the watching starts: the 64th starts it (a program that takes
 * that many is no short-lived helper, and its locks then take the fast path). git's commands
 * take one or two. Counted racily: only raw clone threads could race the main thread. */
#define FREE_LOCKS_BEFORE_START 64
static unsigned free_locks;
static pid_t free_locks_pid; /* a child of a process that never watched inherits the count */
static void (*_Atomic deferred_start)(void);
static void (*_Atomic deferred_prepare)(void);
/* Set by our constructor (sw_registry_defer_start, or going passive). Before it, in the
 * constructors of the program's libraries, which the loader runs before ours, deferred_start
 * is still NULL, which would read as "watching": a slot claimed there would put the main
 * thread on the fast path before the constructor could make it the deferred thread, and its
 * calls would never start the watching (postgres: libcap-ng's constructor opens a /proc file).
 * Until then calls are marked nowhere and the calling threads claim no slot (a thread created
 * there does: see sw_registry_claim). */
static _Atomic bool constructed;
static _Atomic bool claimed_early; /* a thread was created before the constructor */

/* deferred_slot once the deferred thread has ended with pthread_exit before taking its slot
 * up: no slot is claimed for it any more, and one claimed already was given back. */
static struct sw_slot deferred_gone;

static struct sw_slot *claim_slot(void);
static void free_slot(struct sw_slot *s);

/* Publishes d as the deferred thread's slot, unless one was published already (the deferred
 * thread itself and the thread running the start may both claim one: the first wins, the
 * other's is freed). Returns the published slot. */
static struct sw_slot *publish_deferred(struct sw_slot *d)
{
    struct sw_slot *none = NULL;
    if (atomic_compare_exchange_strong(&deferred_slot, &none, d))
        return d;
    free_slot(d);
    return none;
}

/* Runs the deferred start once, whichever thread gets here first. A deferred thread without a
 * slot yet (the parent's main thread) gets one now, bound to it, so the watchdog sees it from
 * its first look even if the thread never makes another interposed call. */
static void start_deferred(void)
{
    if (atomic_load(&deferred_start) == NULL)
        return;
    void (*prepare)(void) = atomic_load(&deferred_prepare);
    if (prepare != NULL)
        prepare();
    void (*start)(void) = atomic_exchange(&deferred_start, NULL);
    if (start == NULL)
        return;
    if (atomic_load(&deferred_slot) == NULL) {
        struct sw_slot *d = claim_slot();
        if (d != NULL) {
            /* In a child of a parent that never watched, the forking thread is the caller. */
            pid_t tid = sw_self == &sw_slot_deferred ? gettid()
                        : deferred_tid != 0          ? deferred_tid
                                                     : getpid();
            d->self = sw_self == &sw_slot_deferred ? pthread_self() : deferred_self;
            atomic_store_explicit(&d->tid, tid, memory_order_release);
            publish_deferred(d);
        }
    }
    start();
}

static void on_thread_exit(void *p)
{
    struct sw_slot *s = p;
    sw_registry_release(s);
    /* Destructors of other keys may still make interposed calls: keep them off the pool. */
    sw_self = &sw_slot_internal;
}

/* The thread-exit key: made by the constructor, or earlier by the first claim for a thread
 * created in an earlier library's constructor, which binds before ours runs. */
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static int exit_key_err;

static void make_exit_key(void)
{
    int r = pthread_key_create(&exit_key, on_thread_exit);
    if (r == 0)
        atomic_store(&exit_key_ok, true);
    else
        exit_key_err = r;
}

int sw_registry_init(void)
{
    pthread_once(&exit_key_once, make_exit_key);
    return -exit_key_err;
}

void sw_registry_go_passive(void)
{
    atomic_store(&passive, true);
    atomic_store(&deferred_start, NULL); /* nothing to start any more */
    atomic_store(&constructed, true);
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

static struct sw_slot *claim_slot(void)
{
    if (atomic_load_explicit(&passive, memory_order_relaxed))
        return NULL;
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

struct sw_slot *sw_registry_claim(void)
{
    if (atomic_load_explicit(&passive, memory_order_relaxed))
        return NULL;
    if (!atomic_load_explicit(&constructed, memory_order_acquire)) {
        /* A thread created in a constructor that runs before ours: its slot now, so that it
         * is watched from its first instruction once the watching starts (a thread that
         * computes without a call is still judged by STALLWATCH_BUSY); and the process,
         * multi-threaded already, starts watching from our constructor. */
        atomic_store(&claimed_early, true);
        pthread_once(&exit_key_once, make_exit_key); /* its slot is given back at its exit */
        return claim_slot();
    }
    /* A thread created is one to watch: the watching starts first (a deferred thread takes
     * its slot on the way). */
    if (__builtin_expect(atomic_load_explicit(&deferred_start, memory_order_relaxed) != NULL, 0)) {
        if (sw_self == &sw_slot_deferred)
            sw_registry_self();
        else
            start_deferred();
    }
    return claim_slot();
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
    if (sw_vforking != 0 && (s == &sw_slot_deferred || s == &sw_slot_lazy))
        return &sw_slot_internal; /* a vfork child: see hook/wrap_vfork.c */
    if (s == &sw_slot_deferred) {
        int saved = errno;
        start_deferred();
        s = atomic_load(&deferred_slot);
        if (s == NULL && (s = claim_slot()) != NULL) {
            /* Another thread won the start and has not published this thread's slot yet:
             * claim one here, and whichever of the two is published first is this thread's. */
            s->self = pthread_self();
            atomic_store_explicit(&s->tid, gettid(), memory_order_release);
            s = publish_deferred(s);
        }
        if (s != NULL) {
            atomic_store(&s->signals, atomic_load(&sw_slot_deferred.signals));
            sw_self = s;
            if (atomic_load(&exit_key_ok))
                pthread_setspecific(exit_key, s);
            errno = saved;
            return s;
        }
        sw_self = &sw_slot_lazy; /* no slot was to be had for it: claim one below */
        errno = saved;
    }
    if (sw_self != &sw_slot_lazy)
        return sw_self;
    if (!atomic_load_explicit(&constructed, memory_order_acquire))
        return &sw_slot_internal; /* the thread stays lazy: see constructed */
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

void sw_registry_set_prepare(void (*prepare)(void))
{
    atomic_store(&deferred_prepare, prepare);
}

void sw_registry_thread_exits(void)
{
    if (sw_self != &sw_slot_deferred)
        return; /* a slot of its own goes back through the exit key */
    struct sw_slot *d = atomic_exchange(&deferred_slot, &deferred_gone);
    if (d != NULL && d != &deferred_gone)
        sw_registry_release(d);
    sw_self = &sw_slot_internal; /* the calls of its key destructors mark nothing we watch */
}

void sw_registry_defer_start(void (*start)(void), uint32_t classes, uint32_t aged)
{
    deferred_self = pthread_self();
    pid_t tid = gettid();
    deferred_tid = tid == getpid() ? 0 : tid;
    start_classes = classes;
    aged_classes = aged;
    born_ns = 0;
    free_locks = 0;
    atomic_store(&deferred_slot, NULL);
    if (sw_self == &sw_slot_lazy)
        sw_self = &sw_slot_deferred;
    atomic_store(&deferred_start, start);
    atomic_store_explicit(&constructed, true, memory_order_release);
}

void sw_registry_start(void)
{
    if (atomic_load_explicit(&deferred_start, memory_order_relaxed) == NULL ||
        sw_in_program_handler() || sw_vforking != 0)
        return;
    if (sw_self == &sw_slot_deferred || sw_self == &sw_slot_lazy)
        sw_registry_self();
    else
        start_deferred();
}

bool sw_registry_claimed_early(void)
{
    return atomic_load(&claimed_early);
}

bool sw_registry_watching(void)
{
    return atomic_load_explicit(&deferred_start, memory_order_relaxed) == NULL &&
           atomic_load_explicit(&constructed, memory_order_relaxed);
}

/* Whether a count stamped with *stamp was begun in another process: a child of a process
 * that never watched (no fork handler of ours ran in it) inherits what its parent counted.
 * The stamp is this process's from here on. */
static bool stamped_elsewhere(pid_t *stamp)
{
    pid_t pid = getpid();
    if (*stamp == pid)
        return false;
    *stamp = pid;
    return true;
}

bool sw_registry_call_defers(enum sw_call call)
{
    if (atomic_load_explicit(&deferred_start, memory_order_relaxed) == NULL)
        return !atomic_load_explicit(&constructed, memory_order_relaxed);
    if (sw_in_program_handler())
        return true; /* not from a signal handler: it may have interrupted malloc */
    uint32_t bit = 1u << sw_calls[call].cls;
    if ((start_classes & bit) != 0)
        return false;
    if ((aged_classes & bit) == 0)
        return true;
    /* Timed from the first such call (no clock is read at start-up: its first read costs a
     * process two page faults). Races store nearly the same time. */
    uint64_t now = sw_mono_ns();
    if (born_ns == 0) {
        born_ns = now;
        born_pid = getpid();
    }
    if (now - born_ns < SW_START_AGE_NS)
        return true;
    /* Old enough, unless this is a child of a process that never watched: its own first
     * such call is this one. */
    if (!stamped_elsewhere(&born_pid))
        return false;
    born_ns = now;
    return true;
}

bool sw_registry_free_lock_defers(void)
{
    if (free_locks == 0)
        free_locks_pid = getpid();
    if (++free_locks < FREE_LOCKS_BEFORE_START)
        return true;
    if (!stamped_elsewhere(&free_locks_pid))
        return false;
    free_locks = 1; /* the parent's were counted: this child's count starts here */
    return true;
}

void sw_registry_after_fork_child(void (*start)(void), uint32_t classes, uint32_t aged)
{
    /* fork() is no call of ours, so any call marked now was interrupted by the signal handler
     * that forks (postgres's postmaster starts its children from one): in the child the
     * handler goes on, maybe for the child's whole life, and that call is not what it does.
     * The child starts with nothing marked; the calls it enters from here on are marked as
     * usual, and when the handler returns into the interrupted wrapper, its leave finds the
     * mark clear already. */
    atomic_fetch_and(&sw_slot_internal.word, ~SW_CALL_MASK);
    struct sw_slot *mine = sw_self;
    struct sw_slot *kept = NULL;
    if (mine == &sw_slot_deferred) {
        /* The parent's main thread had not taken its slot back yet: that slot is its. */
        kept = atomic_load(&deferred_slot);
    } else if (mine != &sw_slot_lazy && mine != &sw_slot_internal) {
        atomic_fetch_and(&mine->word, ~SW_CALL_MASK);
        /* Until its next call of interest the thread counts signals on the sentinel. */
        atomic_store(&sw_slot_deferred.signals, atomic_load(&mine->signals));
        kept = mine;
    }
    if (mine != &sw_slot_internal)
        sw_self = &sw_slot_deferred;
    atomic_store(&deferred_slot, kept);
    start_classes = classes;
    aged_classes = aged;
    born_ns = 0; /* the child's own first call, and its own free locks */
    free_locks = 0;
    atomic_store(&deferred_start, start);
}

void sw_registry_settle_child(void)
{
    struct sw_slot *mine = atomic_load(&deferred_slot);
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        if (s != mine && atomic_load(&s->state) != SW_SLOT_FREE)
            free_slot(s); /* held or not: the parent's stalls are not the child's */
    }
    if (mine != NULL) {
        atomic_store(&mine->state, SW_SLOT_LIVE);
        /* Same slot, new identity: a new generation so no watchdog state carries over. */
        atomic_fetch_add(&mine->gen, 1);
        atomic_store(&mine->tid, gettid());
        mine->self = pthread_self();
    }
}
