/* Private: what the watchdog concludes from many threads at once: stable fingerprints of
 * stacks, and cycles in the wait-for graph (deadlocks). Pure; watchdog and unit tests. */
#ifndef SW_DIAGNOSE_H
#define SW_DIAGNOSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/report.h"

/* Whether the module at path is the C library, libpthread or the dynamic loader: their
 * internals vary between glibc builds, and they are not the program's own code. */
bool sw_runtime_module(const char *path);

/* Whether c is one of the rwlock calls; one of the join calls. */
bool sw_call_is_rwlock(enum sw_call c);
bool sw_call_is_join(enum sw_call c);

/* Whether the futex word a thread waits on in the library call lib (SW_CALL_NONE: unknown)
 * is a lock word (a mutex, rwlock, stdio or loader lock, a joined thread's tid), whose holder
 * means something: not a condition variable's, a semaphore's or a barrier's word, unless t's
 * frames show a mutex being taken again on the way out of pthread_cond_wait
 * (__pthread_mutex_cond_lock, __lll_lock_wait). */
bool sw_futex_is_lock(const struct sw_thread_report *t, enum sw_call lib);

/* Whether the module at path is the dynamic loader (ld-linux-*.so, ld.so): a futex word in
 * it is the loader's lock. */
bool sw_loader_module(const char *path);

/* A stable hash of a stalled thread's call and stack: the call's name and the function names
 * of its frames, leaving out what differs between runs and hosts: addresses, inlined frames
 * (they exist only where debuginfo is installed), and frames in the C library and the
 * dynamic loader (their internals differ between glibc builds); frames without a name too,
 * unless no frame of the program's has one (a raw stack: no symbolizer, or no symbols): then
 * each counts by its module's file name and offset, so that raw stacks of different code
 * never share a fingerprint, nor a group. 0 is never returned. */
uint64_t sw_fingerprint(const char *call, const struct sw_frame *frames, unsigned n);

/* The fingerprint of a report entry: sw_fingerprint of its call and frames, then, when the
 * thread runs Python code, the function names of its Python frames (a Python program's native
 * frames are the interpreter's, the same whatever the program waits in). Equal to
 * sw_fingerprint for a thread without Python frames. */
uint64_t sw_fingerprint_thread(const struct sw_thread_report *t);

/* Combines several fingerprints regardless of their order (a deadlock's threads). */
uint64_t sw_fingerprint_combine(const uint64_t *fps, unsigned n);

/* "3f2a9c01b7d4e865": 16 lowercase hex digits and a NUL. */
void sw_fingerprint_hex(uint64_t fp, char out[17]);

/* The wait-for graph: node i waits for node next[i] (-1: for nobody we know, or its edge is
 * not stable yet). Finds the cycle through start, if any: fills cycle[] with its nodes in
 * order, start first, and returns its length; 0 if following the edges from start does not
 * come back to start (it may end, or run into a cycle start is not part of). */
unsigned sw_find_cycle(const int *next, unsigned n, unsigned start, unsigned *cycle, unsigned max);

#endif
