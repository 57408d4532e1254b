/* Private: what a thread blocked in a system call waits for, from what the kernel shows of it
 * (/proc/self/task/TID/syscall: the call's number and arguments): the call to name in the
 * report, its object, its class, and whether our capture signal would be invisible to it.
 * This is the kernel fallback's meaning, for threads outside every interposed call (glibc's
 * internal calls, raw syscall instructions, stdio and loader locks). Pure data and decisions;
 * any context. */
#ifndef SW_KERNEL_H
#define SW_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/calls.h"

/* One look at a thread in the kernel. */
struct sw_klook {
    bool blocked; /* in a system call (else running, or stopped outside one) */
    char state;   /* 'S', 'D'...; 0 when not read */
    long nr;      /* the system call's number, when blocked */
    uint64_t args[6];
};

/* What the blocked call means. */
struct sw_kcall {
    enum sw_call call; /* a row of calls.def named like the system call */
    uintptr_t obj;     /* its object, of sw_calls[call].objkind */
    enum sw_class cls; /* a class, or SW_CLASS_FD / SW_CLASS_PATH to be decided from obj */
    /* Our capture signal makes the kernel restart the call without the program seeing it
     * (futex waits without a timeout, file locks, waits for children...). FD: only when obj
     * is not a socket (socket calls with a timeout return EINTR). */
    enum { SW_KSIG_NEVER, SW_KSIG_OK, SW_KSIG_FD } signal;
    bool lock; /* a futex wait on a lock word (glibc's locks wait for the value 2, or PI) */
};

/* The meaning of a blocked look; false when the look is not blocked in a system call. A call
 * the table does not know is named "syscall" (class wait) with its number as the object. */
bool sw_kernel_call(const struct sw_klook *k, struct sw_kcall *out);

/* Whether two looks show the same wait (same call and object). A futex wait resumed after a
 * signal shows as restart_syscall, with no arguments: the same wait as any. */
bool sw_kernel_same(const struct sw_klook *a, const struct sw_klook *b);

/* The class a kernel-seen wait is judged in: the call's (cls, decided from the object by the
 * caller), or disk for a thread in uninterruptible sleep ('D'), the kernel hung-task rule. */
enum sw_class sw_kernel_class(enum sw_class decided, char state);

/* Whether stopping the thread (a ptrace interrupt, as `stallwatch dump` does) makes its
 * blocked call return EINTR to the program: the calls signal(7) lists as interrupted by a
 * stop even without a handler (epoll waits, semop, sigtimedwait, sockets with a timeout,
 * which a reader of /proc cannot tell from sockets without one) and the asynchronous I/O
 * waits. Every other blocked call is restarted by the kernel unseen. */
enum sw_kstop {
    SW_KSTOP_SAFE,
    SW_KSTOP_VISIBLE,
    SW_KSTOP_IF_SOCKET, /* visible when the descriptor (args[0]) is a socket */
};
enum sw_kstop sw_kernel_stop(const struct sw_klook *k);

#endif
