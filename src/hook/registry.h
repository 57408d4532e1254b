/* Private: the thread registry, slots in memory mapped in chunks that are never unmapped.
 * Claim, bind and release run on any thread (claim and release are lock-free, so a thread
 * interrupted inside them never blocks another); iteration runs on the watchdog. */
#ifndef SW_REGISTRY_H
#define SW_REGISTRY_H

#include <stdbool.h>

#include "hook/slot.h"

#define SW_CHUNK_SLOTS 256
#define SW_MAX_CHUNKS  1024 /* 262,144 threads */

/* Creates the thread-exit key. Called from the constructor. Before the constructor has run
 * (sw_registry_defer_start or sw_registry_go_passive), in the constructors the loader runs
 * before ours, calls are marked nowhere and the calling threads claim no slot (the main
 * thread must still be lazy when the constructor defers it); a thread created there gets its
 * slot at creation, and the constructor then starts the watching at once
 * (sw_registry_claimed_early). Returns 0 or -errno. */
int sw_registry_init(void);

/* Stop handing out slots: later claims return NULL, so threads first seen after the shim went
 * passive cost the wrappers nothing but the internal slot's stores. */
void sw_registry_go_passive(void);

/* Takes a FREE slot (mapping a new chunk when all are taken) and marks it LIVE with a new
 * generation. tid stays 0 until sw_registry_bind. NULL when passive or out of memory. */
struct sw_slot *sw_registry_claim(void);

/* Called on the thread that will own s: records its tid and pthread_t, points sw_self at s
 * and arranges for s to be released when the thread exits (return, pthread_exit,
 * cancellation). */
void sw_registry_bind(struct sw_slot *s);

/* Returns s to the free pool (the watchdog notices the new generation at its next look), or,
 * when the watchdog holds it, leaves it EXITED for the watchdog to free. */
void sw_registry_release(struct sw_slot *s);

/* Watchdog only: holds (held) the slot of generation gen while its thread is the subject of
 * an open report, or lets it go, freeing it if its thread has exited meanwhile. Nothing
 * happens if the slot has changed hands. */
void sw_registry_hold(struct sw_slot *s, uint32_t gen, bool held);

/* Iteration for the watchdog: slots [0, sw_registry_capacity()) are mapped. */
unsigned sw_registry_capacity(void);
struct sw_slot *sw_registry_at(unsigned i);

/* The calling thread's slot, claiming and binding one if the thread has none yet. Never
 * fails: returns sw_slot_internal when no slot can be had. Preserves errno. */
struct sw_slot *sw_registry_self(void);

/* How long after its first file-system call a process's file-system calls start its
 * watching. */
#define SW_START_AGE_NS (100u * 1000u * 1000u)

/* The constructor: the process starts watching lazily. The calling thread (the main thread)
 * uses sw_slot_deferred until then; start runs once, on whichever thread makes the first of:
 * an interposed call whose class bit is in classes (bit 1 << enum sw_class, SW_CLASS_FD and
 * SW_CLASS_PATH included); a call whose class is in aged made SW_START_AGE_NS or more after
 * the first such call; an API call; a thread creation. A process that execs or exits before
 * any of these has no watchdog thread at all. */
void sw_registry_defer_start(void (*start)(void), uint32_t classes, uint32_t aged);

/* The constructor: prepare runs before the start is claimed, on whichever thread starts the
 * watching (and waits for it there if it is already running on another): a fork from the
 * moment the start is claimed must find what prepare installs (preload.c's fork handlers). */
void sw_registry_set_prepare(void (*prepare)(void));

/* The calling thread ends by pthread_exit (hook/wrap_thread.c). The deferred thread (the main
 * thread, before its first call since the start) has no exit key set, and a slot claimed on
 * its behalf by the thread that started the watching would stay claimed: it is given back,
 * and none is claimed for it later. Other threads: nothing (their exit key does it). */
void sw_registry_thread_exits(void);

/* Starts the watching now, if it has not started (and the caller is not inside a signal
 * handler of the program's): for calls that say the process is one to watch whatever it does
 * next (MPI_Init: a rank computing without a call must still answer job-wide dump
 * requests). */
void sw_registry_start(void);

/* Whether a thread was created (through our wrapper) before the constructor. */
bool sw_registry_claimed_early(void);

/* Whether the process watches already (its deferred start has run, or there was none); false
 * before the constructor. */
bool sw_registry_watching(void);

/* True while the watching has not started and call would not start it (nor any call made
 * inside a program's signal handler, nor any before the constructor): sw_enter_slow then
 * marks the call nowhere. */
bool sw_registry_call_defers(enum sw_call call);

/* Counts one more free lock taken before the watching starts; true until the 64th, which
 * starts it. Counted in each process: a child of a process that never watched inherits the
 * count and counts its own 64 from the lock at which that one ran out. */
bool sw_registry_free_lock_defers(void);

/* In a fork child's handler, when the parent watched: a few stores. The forking thread's
 * slot has no call marked (a call marked at fork time was interrupted by the handler that
 * forked), and the thread uses sw_slot_deferred until the child starts watching, as in
 * sw_registry_defer_start, the aged classes timed from the child's own first such call (so
 * the close, dup2 and open before an exec never start it). */
void sw_registry_after_fork_child(void (*start)(void), uint32_t classes, uint32_t aged);

/* In a fork child, once it starts watching (from start above, on the forking thread): every
 * slot but the forking thread's is freed; that one is bound to its new tid in a new
 * generation. */
void sw_registry_settle_child(void);

#endif
