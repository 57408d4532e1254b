/* Exported wrappers for thread creation: pthread_create and C11 thrd_create (glibc's
 * thrd_create calls its internal pthread_create, out of our reach), and pthread_exit. Any
 * thread.
 *
 * The creator claims the new thread's slot and hands it to a trampoline that binds it on the
 * new thread before the program's start routine runs, so the thread is known from its first
 * instruction. The slot is released when the thread exits, however it exits (see
 * registry.c); if creation fails, right here. */
#include "hook/interpose.h"
#include "hook/registry.h"

static void *trampoline(void *p)
{
    struct sw_slot *s = p;
    void *(*start)(void *) = s->start;
    void *arg = s->arg;
    sw_registry_bind(s);
    return start(arg);
}

SW_EXPORT int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *),
                             void *arg)
{
    struct sw_slot *s = sw_registry_claim();
    if (s == NULL)
        return SW_REAL_ANY(pthread_create)(t, attr, start, arg);
    s->start = start;
    s->arg = arg;
    int r = SW_REAL_ANY(pthread_create)(t, attr, trampoline, s);
    if (r != 0)
        sw_registry_release(s);
    return r;
}

/* C11 start routines return int; glibc passes it through as the thread's exit status. The
 * function pointer travels in the slot's start field, cast back here. */
static int trampoline_c11(void *p)
{
    struct sw_slot *s = p;
    thrd_start_t start = (thrd_start_t)(void (*)(void))s->start;
    void *arg = s->arg;
    sw_registry_bind(s);
    return start(arg);
}

SW_EXPORT int thrd_create(thrd_t *t, thrd_start_t start, void *arg)
{
    struct sw_slot *s = sw_registry_claim();
    if (s == NULL)
        return SW_REAL_ANY(thrd_create)(t, start, arg);
    s->start = (void *(*)(void *))(void (*)(void))start;
    s->arg = arg;
    int r = SW_REAL_ANY(thrd_create)(t, trampoline_c11, s);
    if (r != thrd_success)
        sw_registry_release(s);
    return r;
}

/* A main thread that ends by pthread_exit before it took up the slot claimed for it when
 * another thread started the watching gives that slot back (registry.h). glibc's thrd_exit
 * calls its internal pthread_exit, out of our reach. */
SW_EXPORT void pthread_exit(void *ret)
{
    sw_registry_thread_exits();
    SW_REAL_ANY(pthread_exit)(ret);
    __builtin_unreachable();
}
