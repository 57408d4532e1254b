/* The slow path of sw_enter (slot.h): a thread's first interposed call, a fork child's first
 * call of interest, and interposed calls made while the thread is already inside one (from a
 * signal handler, or from a library constructor that dlopen runs). Any thread, including
 * signal handlers; allocates nothing but a slot chunk (mmap) when every slot is taken, and
 * the call that starts the process's watching starts the watchdog thread. */
#include "core/diagnose.h"
#include "hook/real.h"
#include "hook/registry.h"

/* Whether taking the lock at obj will not wait: a pthread mutex, spinlock or C11 mutex whose
 * word (glibc's __lock, first in all of them) is 0, or a pthread rwlock with neither readers
 * (above bit 3 of its first word) nor a writer (its tid at offset 24). A read of the
 * program's lock, as the real call makes next; anything else is taken to wait. */
static bool lock_free_now(enum sw_call call, uintptr_t obj)
{
    if (obj == 0)
        return false;
    if (sw_call_is_rwlock(call))
        return (__atomic_load_n((const unsigned *)obj, __ATOMIC_RELAXED) >> 3) == 0 &&
               __atomic_load_n((const int *)(obj + 24), __ATOMIC_RELAXED) == 0;
    switch (call) {
    case SW_CALL_PTHREAD_MUTEX_LOCK:
    case SW_CALL_PTHREAD_MUTEX_TIMEDLOCK:
    case SW_CALL_PTHREAD_MUTEX_CLOCKLOCK:
    case SW_CALL_MTX_LOCK:
    case SW_CALL_MTX_TIMEDLOCK:
        return __atomic_load_n((const int *)obj, __ATOMIC_RELAXED) == 0;
    default:
        /* Spinlocks too: x86_64 glibc's hold 1 when free and 0 or less when held (its other
         * ports: 0 when free), so a word read here could take a held one for free; they start
         * the watching at once. */
        return false;
    }
}

struct sw_slot *sw_enter_slow(struct sw_slot *s, enum sw_call call, uintptr_t obj)
{
    if (s == &sw_slot_lazy || s == &sw_slot_deferred) {
        /* Resolve before claiming: once this thread has a slot its wrappers take the fast
         * path, which calls the real functions without checking them. */
        sw_real_ensure();
        /* A vfork child runs as this thread, in its memory: it marks nothing and claims no
         * slot (hook/wrap_vfork.c). */
        if (__builtin_expect(sw_vforking != 0, 0))
            return NULL;
        /* Until the process starts watching, only a call that could be reported at the
         * settings starts it; the others (a child's housekeeping before exec, waits whose
         * class is off, the first free locks: a single-threaded program's locks always are
         * free, unless it deadlocks on itself) are not marked at all: nobody would look, and
         * a store after every fork costs a process that forks in a loop a page fault per fork
         * (docs/design.md, start-up). */
        bool defer =
            sw_registry_call_defers(call) ||
            (!sw_registry_watching() && lock_free_now(call, obj) && sw_registry_free_lock_defers());
        if (defer)
            return NULL;
        s = sw_registry_self();
    } else if (s != &sw_slot_internal &&
               sw_call_runs_program_code(atomic_load_explicit(&s->call, memory_order_relaxed))) {
        /* Inside dlopen or dlclose, in a constructor or destructor: the program's own code,
         * whose calls are what the thread waits in now. The outer call's mark is replaced
         * (its own leave clears the call again, harmlessly). */
    } else {
        /* Already in a call: that call stays marked in the thread's slot for as long as it
         * lasts; this inner one is marked on the internal slot, which nobody watches. */
        s = &sw_slot_internal;
    }
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    atomic_store_explicit(&s->obj, obj, memory_order_relaxed);
    atomic_store_explicit(&s->word, ((w & ~SW_CALL_MASK) + (1u << SW_CALL_BITS)) | call,
                          memory_order_release);
    return s;
}
