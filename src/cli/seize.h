/* Private to the command: the capture of a running process that was not started with the
 * shim: every thread seized and interrupted (PTRACE_SEIZE, PTRACE_INTERRUPT: no SIGSTOP, so no
 * group-stop is ever left behind), its registers and the stack bytes the unwinder needs
 * copied (PTRACE_GETREGS, process_vm_readv), and every thread detached at once. If the command
 * dies in between, the kernel detaches the threads and they run on. The command's own
 * thread. */
#ifndef SW_SEIZE_H
#define SW_SEIZE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/arch.h"
#include "core/symproto.h"

/* One thread's capture. */
struct sw_tcap {
    pid_t tid;
    bool ok;                 /* stopped and copied */
    uint64_t regs[SW_NREGS]; /* DWARF order */
    uint64_t fs_base;        /* the thread pointer: its pthread_t under glibc */
    uint32_t stack_len;
    bool full_regs;          /* false: not stopped, only SP and PC (from /proc) */
    uint8_t stack[SW_PROTO_STACK_MAX];
};

enum sw_seize_result {
    SW_SEIZE_OK = 0,
    SW_SEIZE_REFUSED, /* ptrace refused: why says which rule and what to do */
    SW_SEIZE_GONE,    /* the process exited (or never was) */
};

/* Captures the threads tids[0..n) of pid into caps (n entries; a thread that exited meanwhile
 * has ok false). A thread with stop[i] false is not stopped: it is blocked in a call that a
 * stop would make return EINTR (core/kernel.h), and its SP, PC and stack are read from /proc
 * and its memory while it stays blocked; one found out of its call by then is read again for
 * up to 100 ms, then stopped after all. held_ns: the time threads were held, from each
 * interrupt to its detach. why (cap bytes): the reason, when refused or gone. A thread that
 * cannot stop (in uninterruptible sleep) is waited for at most timeout_ms, then left: it is
 * detached when it stops, or when the command exits. A living process of which no thread
 * could be captured is not GONE: its threads are reported without stacks. */
enum sw_seize_result sw_seize(pid_t pid, const pid_t *tids, const bool *stop, unsigned n,
                              struct sw_tcap *caps, unsigned timeout_ms, uint64_t *held_ns,
                              char *why, size_t cap);

/* Detaches threads left traced by an earlier sw_seize that have stopped since. */
void sw_seize_reap(void);

#endif
