/* Private to the command: a running process seen from outside (stallwatch dump, watch), through
 * /proc/PID and process_vm_readv, without stopping it. The command's own thread. */
#ifndef SW_TARGET_H
#define SW_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/kernel.h"
#include "core/launcher.h"
#include "core/memread.h"
#include "core/modmap.h"

/* One look at one thread from /proc, as cheap as the kernel allows. */
struct sw_tlook {
    pid_t tid;
    char name[17];       /* comm */
    char state;          /* 'S', 'D', 'R'...; 0 unread */
    uint64_t cpu_ticks;  /* utime + stime */
    char wchan[64];      /* "" when running or unknown */
    struct sw_klook k;   /* the system call it is blocked in (k.blocked) */
};

/* The threads of pid (/proc/PID/task) into tids, up to max, sorted; how many, or -errno
 * (-ENOENT: no such process). */
int sw_target_tids(pid_t pid, pid_t *tids, unsigned max);

/* Whether pid exists and has not exited (a zombie has). */
bool sw_target_alive(pid_t pid);

/* The state letter of task tid of pid (from its stat); 0 when it is gone. */
char sw_target_state(pid_t pid, pid_t tid);

/* One look at thread tid of pid: stat, wchan and syscall. false if the thread is gone. */
bool sw_target_look(pid_t pid, pid_t tid, struct sw_tlook *out);

/* Reads len bytes of pid's memory at addr (process_vm_readv); bytes read or -1. */
ssize_t sw_target_read(void *pid_ptr, uint64_t addr, void *buf, size_t len);

/* The process's executable's file name, its comm, and its command line now (arguments joined
 * by spaces); "" when unreadable. */
void sw_target_names(pid_t pid, char *exe, size_t exe_cap, char *comm, size_t comm_cap,
                     char *title, size_t title_cap);

/* The node name, and the parallel job pid belongs to (its environment as it started:
 * /proc/PID/environ). */
void sw_target_job(pid_t pid, char *host, size_t host_cap, struct sw_job *job);

/* What descriptor fd of pid refers to ("socket:[123]", "/path"); "" when unknown. */
void sw_target_fd(pid_t pid, int fd, char *out, size_t cap);

/* The class of a wait on fd of pid: disk for regular files and block devices, peer for the
 * rest (sockets, pipes, terminals); peer when unknown. */
enum sw_class sw_target_fd_class(pid_t pid, int fd);

/* The holder of a file lock on fd of pid that a waiter in call (flock, fcntl, lockf) conflicts
 * with (/proc/locks), and its name; 0 if none is found. */
pid_t sw_target_file_lock_holder(pid_t pid, enum sw_call call, int fd, char *name,
                                 size_t name_cap);

/* pid's module map (its maps and mapped ELF headers). 0 or -errno. */
int sw_target_modmap(pid_t pid, struct sw_modmap *m);

#endif
