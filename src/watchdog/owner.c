/* Lock owners from glibc's lock words and /proc/locks. Watchdog only.
 *
 * glibc's x86_64 layouts (sysdeps/x86/nptl/bits/struct_mutex.h, struct_rwlock.h):
 *   pthread_mutex_t: int __lock; unsigned __count; int __owner; unsigned __nusers; int __kind
 *   pthread_rwlock_t: unsigned __readers, __writers, __wrphase_futex, __writers_futex,
 *                     __pad3, __pad4; int __cur_writer; ...
 * __owner is written just after the lock is taken (a short window shows 0). Robust and
 * priority-inheritance mutexes also keep the owner's tid in the lock word itself, which is the
 * better source for them. C11 mtx_t is a pthread_mutex_t in glibc. */
#include "watchdog/owner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <stdio.h>
#include <sys/syscall.h>

#include "hook/real.h"
#include "hook/registry.h"
#include "watchdog/modmap.h"
#include "watchdog/procinfo.h"

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

/* The live thread whose pthread_t is self; 0 if none. */
static pid_t thread_of(uint64_t self)
{
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
static bool ours(pid_t tid)
{
    unsigned cap = sw_registry_capacity();
    for (unsigned i = 0; tid > 0 && i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        if (atomic_load_explicit(&s->tid, memory_order_acquire) == tid &&
            sw_slot_live(atomic_load_explicit(&s->state, memory_order_acquire)))
            return true;
    }
    return false;
}

/* The holder of the glibc lock whose futex word is at addr. Every glibc lock keeps its word
 * first; a mutex (and the loader's recursive lock) keeps the owner's tid 8 bytes in, a stdio
 * _IO_lock_t the owner's pthread_t; a priority-inheritance word is the owner's tid itself. */
static pid_t futex_owner(uintptr_t addr)
{
    union {
        struct glibc_mutex m;
        struct {
            int lock, cnt;
            uint64_t owner;
        } io;
    } w;
    if (sw_proc_read_mem(addr, &w, sizeof w.io) != (ssize_t)sizeof w.io || w.m.lock == 0)
        return 0;
    if (w.m.owner > 0 && ours(w.m.owner))
        return w.m.owner;
    pid_t t = thread_of(w.io.owner);
    if (t != 0)
        return t;
    pid_t pi = w.m.lock & FUTEX_TID_BITS;
    return ours(pi) ? pi : 0;
}

pid_t sw_owner_thread(pid_t waiter, enum sw_call call, uintptr_t addr)
{
    switch (call) {
    case SW_CALL_PTHREAD_MUTEX_LOCK:
    case SW_CALL_PTHREAD_MUTEX_TIMEDLOCK:
    case SW_CALL_PTHREAD_MUTEX_CLOCKLOCK:
    case SW_CALL_MTX_LOCK:
    case SW_CALL_MTX_TIMEDLOCK: {
        struct glibc_mutex m;
        if (sw_proc_read_mem(addr, &m, sizeof m) != (ssize_t)sizeof m)
            return 0;
        if (m.kind & (MUTEX_KIND_ROBUST | MUTEX_KIND_PI))
            return m.lock & FUTEX_TID_BITS;
        return m.owner > 0 ? m.owner : 0;
    }
    case SW_CALL_PTHREAD_RWLOCK_RDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_WRLOCK:
    case SW_CALL_PTHREAD_RWLOCK_TIMEDRDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_TIMEDWRLOCK:
    case SW_CALL_PTHREAD_RWLOCK_CLOCKRDLOCK:
    case SW_CALL_PTHREAD_RWLOCK_CLOCKWRLOCK: {
        int writer;
        if (sw_proc_read_mem(addr + RWLOCK_CUR_WRITER, &writer, sizeof writer) !=
            (ssize_t)sizeof writer)
            return 0;
        return writer > 0 ? writer : 0;
    }
    case SW_CALL_FUTEX:
        return futex_owner(addr);
    case SW_CALL_PTHREAD_JOIN:
    case SW_CALL_PTHREAD_TIMEDJOIN_NP:
    case SW_CALL_PTHREAD_CLOCKJOIN_NP:
    case SW_CALL_THRD_JOIN:
        return thread_of(addr);
    case SW_CALL_DLOPEN:
    case SW_CALL_DLMOPEN:
    case SW_CALL_DLCLOSE: {
        long nr;
        uint64_t args[6], sp, pc;
        if (sw_proc_syscall_args(waiter, &nr, args, &sp, &pc) != 0 || nr != SYS_futex)
            return 0;
        return futex_owner((uintptr_t)args[0]);
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
    if (m != NULL) {
        const char *base = strrchr(m->path, '/');
        base = base != NULL ? base + 1 : m->path;
        if (strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "ld.so", 5) == 0)
            return "the dynamic loader's lock";
    }
    struct {
        int lock, cnt;
        uint64_t owner;
    } io;
    if (sw_proc_read_mem(addr, &io, sizeof io) == (ssize_t)sizeof io && io.cnt > 0 &&
        thread_of(io.owner) != 0)
        return "a stdio lock";
    return NULL;
}

/* The /proc/locks type a waiter in call conflicts with. */
static const char *lock_type(enum sw_call call)
{
    switch (call) {
    case SW_CALL_FLOCK:
        return "FLOCK";
    case SW_CALL_FCNTL:
    case SW_CALL_FCNTL64:
    case SW_CALL_LOCKF:
    case SW_CALL_LOCKF64:
        return "POSIX";
    default:
        return NULL;
    }
}

/* Parses "  <pid> <maj>:<min>:<ino> ..." after the type words of one /proc/locks line. */
static bool parse_holder(const char *p, long *pid, unsigned *maj, unsigned *min, uint64_t *ino)
{
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || *end != ' ')
        return false;
    *pid = v;
    p = end + 1;
    unsigned long a = strtoul(p, &end, 16);
    if (end == p || *end != ':')
        return false;
    p = end + 1;
    unsigned long b = strtoul(p, &end, 16);
    if (end == p || *end != ':')
        return false;
    p = end + 1;
    unsigned long long c = strtoull(p, &end, 10);
    if (end == p)
        return false;
    *maj = (unsigned)a;
    *min = (unsigned)b;
    *ino = c;
    return true;
}

pid_t sw_owner_process(enum sw_call call, int fd)
{
    const char *type = lock_type(call);
    struct stat st;
    if (type == NULL || sw_real.fstat(fd, &st) != 0)
        return 0;
    /* OFD locks (F_OFD_SETLKW) are listed as OFDLCK; accept them for fcntl waiters too. */
    static char text[65536];
    int pfd = sw_real.open("/proc/locks", O_RDONLY | O_CLOEXEC);
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
    sw_real.close(pfd);
    text[len] = '\0';
    pid_t found = 0;
    for (char *line = text; line != NULL && *line != '\0' && found == 0;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        /* "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters have "->" after "1:". */
        char *p = strchr(line, ':');
        if (p != NULL) {
            p++;
            while (*p == ' ')
                p++;
            bool waiter = strncmp(p, "->", 2) == 0;
            bool match = strncmp(p, type, strlen(type)) == 0 ||
                         (strcmp(type, "POSIX") == 0 && strncmp(p, "OFDLCK", 6) == 0);
            if (!waiter && match) {
                /* Skip the type, the kind (ADVISORY/MANDATORY) and the mode. */
                for (int words = 0; words < 3 && p != NULL; words++) {
                    p = strchr(p, ' ');
                    while (p != NULL && *p == ' ')
                        p++;
                }
                long pid;
                unsigned maj, min;
                uint64_t ino;
                if (p != NULL && parse_holder(p, &pid, &maj, &min, &ino) &&
                    maj == major(st.st_dev) && min == minor(st.st_dev) && ino == st.st_ino &&
                    pid > 0)
                    found = (pid_t)pid;
            }
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    return found;
}
