/* Lock holders from glibc's lock words (see glibclock.h). Pure; any context.
 *
 * glibc's x86_64 layouts (sysdeps/x86/nptl/bits/struct_mutex.h, struct_rwlock.h,
 * sysdeps/nptl/stdio-lock.h):
 *   pthread_mutex_t: int __lock; unsigned __count; int __owner; unsigned __nusers; int __kind
 *   pthread_rwlock_t: unsigned __readers, __writers, __wrphase_futex, __writers_futex,
 *                     __pad3, __pad4; int __cur_writer; ...
 *   _IO_lock_t: int lock; int cnt; void *owner (the holder's struct pthread, its pthread_t)
 * __owner is written just after the lock is taken (a short window shows 0). Robust and
 * priority-inheritance mutexes also keep the owner's tid in the lock word itself, which is the
 * better source for them. C11 mtx_t is a pthread_mutex_t in glibc. */
#include "core/glibclock.h"

#define MUTEX_KIND_ROBUST 16 /* PTHREAD_MUTEX_ROBUST_NORMAL_NP */
#define MUTEX_KIND_PI     32 /* PTHREAD_MUTEX_PRIO_INHERIT_NP */
#define FUTEX_TID_BITS    0x3fffffff
#define RWLOCK_CUR_WRITER 24 /* offset of __cur_writer */

struct glibc_mutex {
    int lock;
    unsigned count;
    int owner;
    unsigned nusers;
    int kind;
};

struct io_lock {
    int lock, cnt;
    uint64_t owner;
};

pid_t sw_glibc_mutex_owner(const struct sw_memread *mem, uint64_t addr)
{
    struct glibc_mutex m;
    if (!sw_mem_get(mem, addr, &m, sizeof m))
        return 0;
    if (m.kind & (MUTEX_KIND_ROBUST | MUTEX_KIND_PI))
        return m.lock & FUTEX_TID_BITS;
    return m.owner > 0 ? m.owner : 0;
}

pid_t sw_glibc_rwlock_writer(const struct sw_memread *mem, uint64_t addr)
{
    int writer;
    if (!sw_mem_get(mem, addr + RWLOCK_CUR_WRITER, &writer, sizeof writer))
        return 0;
    return writer > 0 ? writer : 0;
}

pid_t sw_glibc_futex_owner(const struct sw_memread *mem, const struct sw_threadset *threads,
                           uint64_t addr)
{
    union {
        struct glibc_mutex m;
        struct io_lock io;
    } w;
    if (!sw_mem_get(mem, addr, &w, sizeof w.io) || w.m.lock == 0)
        return 0;
    if (w.m.owner > 0 && threads->has(threads->ctx, w.m.owner))
        return w.m.owner;
    pid_t t = w.io.owner != 0 ? threads->of_self(threads->ctx, w.io.owner) : 0;
    if (t != 0)
        return t;
    pid_t pi = w.m.lock & FUTEX_TID_BITS;
    return pi > 0 && threads->has(threads->ctx, pi) ? pi : 0;
}

bool sw_glibc_is_stdio_lock(const struct sw_memread *mem, const struct sw_threadset *threads,
                            uint64_t addr)
{
    struct io_lock io;
    return sw_mem_get(mem, addr, &io, sizeof io) && io.cnt > 0 && io.owner != 0 &&
           threads->of_self(threads->ctx, io.owner) != 0;
}
