/* The slow path of sw_enter (slot.h): a thread's first interposed call, and interposed calls
 * made while the thread is already inside one (from a signal handler). Any thread, including
 * signal handlers; allocates nothing but a slot chunk (mmap) when every slot is taken. */
#include "hook/real.h"
#include "hook/registry.h"

struct sw_slot *sw_enter_slow(struct sw_slot *s, enum sw_call call, uintptr_t obj)
{
    if (s == &sw_slot_lazy || s == &sw_slot_deferred) {
        /* Resolve before claiming: once this thread has a slot its wrappers take the fast
         * path, which calls the real functions without checking them. */
        sw_real_ensure();
        s = sw_registry_self();
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
