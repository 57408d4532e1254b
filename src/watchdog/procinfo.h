/* Private: what /proc and fstat tell about our own threads and descriptors. Watchdog thread
 * only: plain open/read/close on /proc files, no stdio, no allocation. Every function returns
 * 0 or -errno and leaves outputs untouched on failure. */
#ifndef SW_PROCINFO_H
#define SW_PROCINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "core/calls.h"

/* /proc/self/task/TID/comm without the newline. */
int sw_proc_comm(pid_t tid, char *out, size_t cap);

/* The process's command line now (/proc/self/cmdline), arguments joined by spaces, cut to
 * cap - 1 bytes: what programs that rewrite their argv for ps show ("postgres: walwriter"). */
int sw_proc_cmdline(char *out, size_t cap);

/* The state letter from /proc/self/task/TID/stat ('R', 'S', 'D', 'T', 't', 'Z'...). */
int sw_proc_state(pid_t tid, char *state);

/* /proc/self/task/TID/wchan; "0" (running) is reported as -ENOENT. */
int sw_proc_wchan(pid_t tid, char *out, size_t cap);

/* SigBlk from /proc/self/task/TID/status: bit (n - 1) set when signal n is blocked. */
int sw_proc_sigblk(pid_t tid, uint64_t *mask);

/* From /proc/self/task/TID/syscall when the thread is blocked in a system call: the call
 * number, stack pointer and program counter. -EAGAIN when the thread is running. */
int sw_proc_syscall(pid_t tid, long *nr, uint64_t *sp, uint64_t *pc);

/* The first child process thread tid started (/proc/self/task/TID/children); -ENOENT none. */
int sw_proc_first_child(pid_t tid, pid_t *child);

/* The same as sw_proc_syscall with the call's six arguments (0 when blocked outside a system call, nr -1). */
int sw_proc_syscall_args(pid_t tid, long *nr, uint64_t args[6], uint64_t *sp, uint64_t *pc);

/* When this process started, in CLOCK_REALTIME, one clock tick early (the kernel counts in
 * ticks): from the main thread's stat line. */
int sw_proc_start_time(struct timespec *real);

/* CPU time (utime + stime) of the thread in clock ticks, from its stat line. */
int sw_proc_cputime(pid_t tid, uint64_t *ticks);

/* What an fd refers to, as readlink(/proc/self/fd/N) says ("pipe:[123]", "/var/x"). */
int sw_proc_fd_target(int fd, char *out, size_t cap);

/* The class of a call on fd: SW_CLASS_DISK for regular files and block devices,
 * SW_CLASS_PEER for everything else (sockets, pipes, FIFOs, terminals, eventfds...). */
enum sw_class sw_proc_fd_class(int fd);

/* The class of an open() of path: SW_CLASS_PEER when it names a FIFO, socket or character
 * device (those opens wait for a peer), SW_CLASS_DISK otherwise. dirfd as for openat. */
enum sw_class sw_proc_path_class(int dirfd, const char *path);

/* Copies a NUL-terminated string from our own address space without faulting (the pointer
 * came from another thread's call arguments). Returns its length or -errno. */
int sw_proc_read_string(uintptr_t addr, char *out, size_t cap);

/* Reads len bytes at addr without faulting; returns bytes read (possibly short) or -errno. */
ssize_t sw_proc_read_mem(uintptr_t addr, void *out, size_t len);

#endif
