/* Private: taking a snapshot of another thread's registers and stack. The request side runs
 * on the watchdog thread only; the handler runs in the target thread's signal context and
 * does nothing but copy (no allocation, no locks, no stdio, no dynamic-loader calls). */
#ifndef SW_CAPTURE_H
#define SW_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/arch.h"
#include "hook/slot.h"

#define SW_STACK_SNAPSHOT (64 * 1024)

struct sw_snapshot {
    pid_t tid;
    bool full_regs;          /* false: only SP and PC are known (taken from /proc) */
    uint64_t regs[SW_NREGS]; /* DWARF order; regs[SW_DWARF_SP] and regs[SW_DWARF_PC] always set */
    size_t stack_len;        /* bytes of stack copied from regs[SW_DWARF_SP] upward */
    uint8_t stack[SW_STACK_SNAPSHOT];
};

/* Picks a free real-time signal (disposition SIG_DFL, searched from SIGRTMAX down) and
 * installs the handler with SA_SIGINFO|SA_RESTART and a full mask. Constructor only.
 * Returns 0 or -errno. */
int sw_capture_init(void);

/* The chosen signal, 0 if none. */
int sw_capture_signo(void);

/* True when our handler is still installed on the chosen signal (the program has not taken
 * the signal over). Watchdog only. */
bool sw_capture_installed(void);

enum sw_capture_status {
    SW_CAPTURE_OK = 0,
    SW_CAPTURE_TIMEOUT, /* the thread did not run the handler in time */
    SW_CAPTURE_GONE,    /* the slot changed hands or the thread exited */
    SW_CAPTURE_FAILED,  /* the signal could not be sent */
    SW_CAPTURE_TAKEN,   /* the thread took it in a signal wait (see sw_capture_taken) */
};

/* Signals the thread owning slot s (generation gen, thread tid) and waits up to timeout_ns
 * for its handler to fill out. Watchdog only. */
enum sw_capture_status sw_capture_signal(struct sw_slot *s, uint32_t gen, pid_t tid,
                                         struct sw_snapshot *out, uint64_t timeout_ns);

/* In a wrapper of a signal wait that returned sig with si: true if that was our capture
 * request (the thread entered the wait after the watchdog decided to signal it), which is
 * then answered as SW_CAPTURE_TAKEN so the watchdog reads the stack from /proc; the wrapper
 * waits again. Any thread, async-signal-safe. */
bool sw_capture_taken(int sig, const siginfo_t *si);

/* When the watching starts, in the process it starts in (a fork child's too): captures are
 * asked for under this process's pid, and none is pending. */
void sw_capture_start(void);

#endif
