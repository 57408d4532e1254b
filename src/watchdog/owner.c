/* Lock owners in our own process: glibc's lock words (core/glibclock.c) read from our memory
 * and checked against the registry's live threads, file locks from /proc/locks
 * (core/proclocks.c). Watchdog only. */
#include "watchdog/owner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <stdio.h>
#include <sys/syscall.h>

#include "core/diagnose.h"
#include "core/glibclock.h"
#include "core/large.h"
#include "core/proclocks.h"
#include "hook/real.h"
#include "hook/registry.h"
#include "watchdog/modmap.h"
#include "watchdog/ownfd.h"
#include "watchdog/procinfo.h"

/* The live thread whose pthread_t is self; 0 if none. */
static pid_t thread_of(void *ctx, uint64_t self)
{
    (void)ctx;
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; self != 0 && i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        if (sw_slot_live(atomic_load_explicit(&s->state, memory_order_acquire)) &&
            (uint64_t)s->self == self)
            return atomic_load_explicit(&s->tid, memory_order_acquire);
    }
    return 0;
}

/* Whether tid is a live thread of ours. */
static bool ours(void *ctx, pid_t tid)
{
    (void)ctx;
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; tid > 0 && i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        if (atomic_load_explicit(&s->tid, memory_order_acquire) == tid &&
            sw_slot_live(atomic_load_explicit(&s->state, memory_order_acquire)))
            return true;
    }
    return false;
}

static ssize_t read_own(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    return sw_proc_read_mem((uintptr_t)addr, buf, len);
}

static const struct sw_memread own_mem = {read_own, NULL};
static const struct sw_threadset own_threads = {ours, thread_of, NULL};

pid_t sw_owner_thread(pid_t waiter, enum sw_call call, uintptr_t addr)
{
    switch (call) {
    case SW_CALL_PTHREAD_MUTEX_LOCK:
    case SW_CALL_PTHREAD_MUTEX_TIMEDLOCK:
    case SW_CALL_PTHREAD_MUTEX_CLOCKLOCK:
    case SW_CALL_MTX_LOCK:
    case SW_CALL_MTX_TIMEDLOCK:
        return sw_glibc_mutex_owner(&own_mem, addr);
    case SW_CALL_PTHREAD_RWLOCK_RDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_WRLOCK:
    case SW_CALL_PTHREAD_RWLOCK_TIMEDRDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_TIMEDWRLOCK:
    case SW_CALL_PTHREAD_RWLOCK_CLOCKRDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_CLOCKWRLOCK:
        return sw_glibc_rwlock_writer(&own_mem, addr);
    case SW_CALL_FUTEX:
        return sw_glibc_futex_owner(&own_mem, &own_threads, addr);
    case SW_CALL_PTHREAD_JOIN:
    case SW_CALL_PTHREAD_TIMEDJOIN_NP:
    case SW_CALL_PTHREAD_CLOCKJOIN_NP:
    case SW_CALL_THRD_JOIN:
        return thread_of(NULL, addr);
    case SW_CALL_DLOPEN:
    case SW_CALL_DLMOPEN:
    case SW_CALL_DLCLOSE: {
        long nr;
        uint64_t args[6], sp, pc;
        if (sw_proc_syscall_args(waiter, &nr, args, &sp, &pc) != 0 || nr != SYS_futex)
            return 0;
        return sw_glibc_futex_owner(&own_mem, &own_threads, args[0]);
    }
    default:
        return 0;
    }
}

const char *sw_owner_lock_name(uintptr_t addr, const struct sw_modmap *map)
{
    if (addr == (uintptr_t)stdout->_lock)
        return "stdout's stdio lock";
    if (addr == (uintptr_t)stderr->_lock)
        return "stderr's stdio lock";
    if (addr == (uintptr_t)stdin->_lock)
        return "stdin's stdio lock";
    const struct sw_module *m = map != NULL ? sw_modmap_find(map, addr) : NULL;
    if (m != NULL && sw_loader_module(m->path))
        return "the dynamic loader's lock";
    if (sw_glibc_is_stdio_lock(&own_mem, &own_threads, addr))
        return "a stdio lock";
    return NULL;
}

pid_t sw_owner_process(enum sw_call call, int fd)
{
    const char *type = sw_proclocks_type(call);
    struct stat st;
    if (type == NULL || sw_real.fstat(fd, &st) != 0)
        return 0;
    SW_LARGE static char text[65536];
    int pfd = sw_ownfd_open("/proc/locks", O_RDONLY | O_CLOEXEC, 0);
    if (pfd < 0)
        return 0;
    size_t len = 0;
    for (;;) {
        ssize_t n = sw_real.read(pfd, text + len, sizeof text - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == sizeof text - 1)
            break;
    }
    sw_ownfd_close(pfd);
    text[len] = '\0';
    return sw_proclocks_holder(text, type, major(st.st_dev), minor(st.st_dev), st.st_ino,
                               getpid());
}
