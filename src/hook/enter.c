/* The slow path of sw_enter (slot.h): a thread's first interposed call, a fork child's first
 * call of interest, and interposed calls made while the thread is already inside one (from a
 * signal handler, or from a library constructor that dlopen runs). Any thread, including
 * signal handlers; allocates nothing but a slot chunk (mmap) when every slot is taken, and
 * the call that starts the process's watching starts the watchdog thread. */
#include "hook/real.h"
#include "hook/registry.h"

struct sw_slot *sw_enter_slow(struct sw_slot *s, enum sw_call call, uintptr_t obj)
{
    if (s == &sw_slot_lazy || s == &sw_slot_deferred) {
        /* Resolve before claiming: once this thread has a slot its wrappers take the fast
         * path, which calls the real functions without checking them. */
        sw_real_ensure();
        /* Until the process starts watching, only a call that could be reported at the
         * settings starts it; the others (a child's housekeeping before exec, waits whose
         * class is off) are marked where nobody looks (docs/design.md, start-up). */
        s = sw_registry_call_defers(call) ? &sw_slot_internal : sw_registry_self();
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
