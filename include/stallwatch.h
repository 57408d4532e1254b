/* stallwatch: optional explicit promises for programs run under libstallwatch.so.
 *
 * Everything here is optional: the shim watches every thread without any of it. These calls
 * let a thread promise more than the shim can infer: "I will beat again within N ms", "this
 * region finishes within N ms". A missed promise is reported as a stall, with the thread's
 * stack and (for regions) the region's name.
 *
 * No link-time dependency: a program compiled with this header links without -lstallwatch and
 * runs unchanged when the shim is not preloaded. The functions below are static inline
 * wrappers around weak references that the dynamic loader fills in only when
 * libstallwatch.so is loaded; otherwise every call is a no-op. (This needs a position-
 * independent executable, the default of Debian's gcc; a -no-pie build should link with
 * -Wl,-z,dynamic-undefined-weak.)
 *
 * Every function is cheap (a few stores to the calling thread's own record: no system call,
 * no lock, no allocation) and safe to call from any thread, including signal handlers. */
#ifndef STALLWATCH_H
#define STALLWATCH_H

#ifdef __cplusplus
extern "C" {
#endif

#define STALLWATCH_API_VERSION 1

/* The implementations, present only when libstallwatch.so is loaded. Call the wrappers. */
void stallwatch__heartbeat(unsigned timeout_ms) __attribute__((weak));
void stallwatch__heartbeat_stop(void) __attribute__((weak));
void stallwatch__scope_begin(const char *what, unsigned timeout_ms) __attribute__((weak));
void stallwatch__scope_end(void) __attribute__((weak));
int stallwatch__active(void) __attribute__((weak));

/* The calling thread promises its next heartbeat within timeout_ms (0: STALLWATCH_THRESHOLD).
 * If none comes in time, the thread is reported as stalled, with "call":"heartbeat" (or the
 * call it is blocked in) and its current stack; the next heartbeat reports it recovered. */
static inline void stallwatch_heartbeat(unsigned timeout_ms)
{
    if (stallwatch__heartbeat)
        stallwatch__heartbeat(timeout_ms);
}

/* Withdraws the calling thread's heartbeat promise. */
static inline void stallwatch_heartbeat_stop(void)
{
    if (stallwatch__heartbeat_stop)
        stallwatch__heartbeat_stop();
}

/* Opens a region of the calling thread that must end (stallwatch_scope_end) within timeout_ms
 * (0: STALLWATCH_THRESHOLD). Regions nest; each has its own timeout. `what` names the region
 * in the report: it must stay valid until the region ends (a string literal is ideal). */
static inline void stallwatch_scope_begin(const char *what, unsigned timeout_ms)
{
    if (stallwatch__scope_begin)
        stallwatch__scope_begin(what, timeout_ms);
}

/* Closes the innermost open region of the calling thread. */
static inline void stallwatch_scope_end(void)
{
    if (stallwatch__scope_end)
        stallwatch__scope_end();
}

/* 1 when libstallwatch.so is loaded and watching this process, 0 otherwise. */
static inline int stallwatch_active(void)
{
    return stallwatch__active ? stallwatch__active() : 0;
}

#ifdef __cplusplus
}
#endif

#endif
