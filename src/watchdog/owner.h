/* Private: who holds the lock a thread waits for. Pthread mutexes (and C11 mtx) and rwlocks
 * are read from the lock's memory as glibc lays it out on x86_64 (an ABI that cannot change),
 * and so are the futex words of glibc's internal locks (stdio's, the dynamic loader's) that
 * the kernel shows a thread waiting on; a join waits for the thread joined; file locks come
 * from /proc/locks. Watchdog only; every read goes through process_vm_readv, so a
 * freed lock yields "unknown", never a fault. The answers are hints: the caller validates a
 * tid against the threads it knows. */
#ifndef SW_OWNER_H
#define SW_OWNER_H

#include <stdint.h>
#include <sys/types.h>

#include "core/calls.h"

/* The thread that thread waiter, in call on addr, waits for: the holder of a mutex, mtx,
 * rwlock (writer) or of the glibc lock whose futex word is at addr (call futex: a mutex's
 * owner tid, a stdio lock's owner pthread_t, a PI lock's word), the thread joined (addr is a
 * pthread_t), or the holder of the dynamic loader's lock (dlopen, dlclose: the futex the
 * waiter is blocked on). 0 if unknown (readers of an rwlock, lock elision, a lock just
 * released, a lock word without a holder). */
pid_t sw_owner_thread(pid_t waiter, enum sw_call call, uintptr_t addr);

struct sw_modmap;

/* What the lock at addr is, when it is one of glibc's own: "the dynamic loader's lock",
 * "stdout's stdio lock" (stdin, stdout, stderr), "a stdio lock"; NULL otherwise. map: the
 * report's module map, or NULL. */
const char *sw_owner_lock_name(uintptr_t addr, const struct sw_modmap *map);

/* The process holding a lock on the file fd refers to that conflicts with a thread waiting in
 * call (flock, fcntl/fcntl64 or lockf/lockf64); 0 if none is found. */
pid_t sw_owner_process(enum sw_call call, int fd);

#endif
