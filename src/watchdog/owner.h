/* Private: who holds the lock a thread waits for. Pthread mutexes (and C11 mtx) and rwlocks
 * are read from the lock's memory as glibc lays it out on x86_64 (an ABI that cannot change);
 * file locks from /proc/locks. Watchdog only; every read goes through process_vm_readv, so a
 * freed lock yields "unknown", never a fault. The answers are hints: the caller validates a
 * tid against the threads it knows. */
#ifndef SW_OWNER_H
#define SW_OWNER_H

#include <stdint.h>
#include <sys/types.h>

#include "core/calls.h"

/* The thread holding the mutex, mtx or rwlock (writer) at addr that a thread in call waits
 * for; 0 if the call is not on such a lock or the owner is not recorded (readers of an
 * rwlock, lock elision, a lock just released). */
pid_t sw_owner_thread(enum sw_call call, uintptr_t addr);

/* The process holding a lock on the file fd refers to that conflicts with a thread waiting in
 * call (flock, fcntl/fcntl64 or lockf/lockf64); 0 if none is found. */
pid_t sw_owner_process(enum sw_call call, int fd);

#endif
