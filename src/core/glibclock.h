/* Private: who holds a glibc lock, read from the lock's memory as glibc lays it out on x86_64
 * (an ABI that cannot change; no debug symbols needed): pthread mutexes (and C11 mtx_t, which
 * is one), rwlocks (the writer), and the futex words of glibc's internal locks (stdio's
 * _IO_lock_t, the dynamic loader's recursive lock) that the kernel shows a thread waiting on.
 * Used for our own process by the watchdog (watchdog/owner.c) and for an attached one by the
 * command (cli/owners.c). Pure: memory comes through a reader, threads through a set. Any
 * context. The answers are hints: a lock just released or freed reads as "no holder". */
#ifndef SW_GLIBCLOCK_H
#define SW_GLIBCLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/memread.h"

/* The process's threads, as the caller knows them. */
struct sw_threadset {
    bool (*has)(void *ctx, pid_t tid);            /* tid is a live thread of the process */
    pid_t (*of_self)(void *ctx, uint64_t self);   /* the thread whose pthread_t is self; 0 */
    void *ctx;
};

/* The holder of the pthread mutex (or mtx_t) at addr: the owner field, or, for robust and
 * priority-inheritance mutexes, the tid in the lock word. 0 if unknown or free. */
pid_t sw_glibc_mutex_owner(const struct sw_memread *mem, uint64_t addr);

/* The writer holding the pthread rwlock at addr (readers are not recorded); 0 if none. */
pid_t sw_glibc_rwlock_writer(const struct sw_memread *mem, uint64_t addr);

/* The holder of the glibc lock whose futex word is at addr: a mutex's (or the loader's
 * recursive lock's) owner tid 8 bytes in, a stdio lock's owner pthread_t there, or a
 * priority-inheritance word's tid; checked against threads. 0 if none is found. */
pid_t sw_glibc_futex_owner(const struct sw_memread *mem, const struct sw_threadset *threads,
                           uint64_t addr);

/* Whether the word at addr looks like a held stdio lock (_IO_lock_t: a count and an owner
 * that is one of threads). */
bool sw_glibc_is_stdio_lock(const struct sw_memread *mem, const struct sw_threadset *threads,
                            uint64_t addr);

/* The offset of a FILE's _lock pointer (struct _IO_FILE, x86_64), to name stdin's, stdout's
 * and stderr's locks in a process whose _IO_2_1_stdout_ (etc.) addresses are known. */
#define SW_GLIBC_FILE_LOCK_OFFSET 136

#endif
