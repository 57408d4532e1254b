/* Private: every descriptor the library opens, from the instant it exists until just before
 * it is closed, so that a fork child closes all of them. Opening and closing: the watchdog
 * thread (and any thread writing one line to stderr's stand-in); the fork handlers: the
 * program's forking thread. No locks, no malloc. */
#ifndef SW_OWNFD_H
#define SW_OWNFD_H

#include <sys/types.h>

/* A descriptor of ours: open(2) or socket(2) with the window below around it. Return the
 * descriptor, or -1 with errno set (EMFILE when every record is in use: never the case with
 * the few descriptors the library holds at once). */
int sw_ownfd_open(const char *path, int flags, mode_t mode);
int sw_ownfd_socket(int domain, int type, int protocol);

/* The window around any other call that makes a descriptor (memfd_create): begin waits while
 * a program thread is forking (at most 100 ms); end records fd when it is >= 0, closes it
 * when no record is free, and returns it. errno is kept. */
void sw_ownfd_begin(void);
int sw_ownfd_end(int fd);

/* Forgets fd, then closes it (never the other way round: a child must never close a number
 * the program was given meanwhile). errno is kept. */
void sw_ownfd_close(int fd);

/* pthread_atfork's handlers: prepare waits (at most 100 ms) for a descriptor being opened to
 * be recorded, and keeps new ones from being opened until parent or child; child closes every
 * recorded descriptor and forgets them all. */
void sw_ownfd_fork_prepare(void);
void sw_ownfd_fork_parent(void);
void sw_ownfd_fork_child(void);

#endif
