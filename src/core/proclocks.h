/* Private: the holder of a file lock, from the text of /proc/locks. Used for our own process
 * by the watchdog (watchdog/owner.c) and for an attached one by the command. Pure; any
 * context. */
#ifndef SW_PROCLOCKS_H
#define SW_PROCLOCKS_H

#include <stdint.h>
#include <sys/types.h>

#include "core/calls.h"

/* The /proc/locks type a waiter in call conflicts with ("FLOCK" for flock, "POSIX" for
 * fcntl and lockf: OFD locks, listed as OFDLCK, count too); NULL for other calls. */
const char *sw_proclocks_type(enum sw_call call);

/* The process holding the lock of that type on the file (device maj:min, inode ino) that
 * process waiter waits for, from the whole text of /proc/locks (NUL-terminated): the held
 * lock listed above the waiter's own request (same number, "->"), else the first lock on
 * the file another process holds; 0 if none (or an OFD lock, which no process holds). */
pid_t sw_proclocks_holder(const char *text, const char *type, unsigned maj, unsigned min,
                          uint64_t ino, pid_t waiter);

#endif
