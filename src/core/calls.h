/* Private: ids, names, classes and interruption policy of the interposed calls.
 * Pure data; usable from any context, including signal handlers. */
#ifndef SW_CALLS_H
#define SW_CALLS_H

#include <stdint.h>

/* A slot word is (entries << SW_CALL_BITS) | call id: the low byte names the call the thread
 * is in (0: none), the rest counts the interposed calls it has entered. */
#define SW_CALL_BITS 8
#define SW_CALL_MASK ((uint64_t)0xff)

/* Stall classes, each with its own threshold. */
enum sw_class {
    SW_CLASS_NONE = 0,
    SW_CLASS_LOCK,
    SW_CLASS_DISK,
    SW_CLASS_PEER,
    SW_CLASS_WAIT,
    SW_CLASS_IDLE,
    SW_CLASS_BUSY,      /* on CPU without completing an interposed call (STALLWATCH_BUSY) */
    SW_CLASS_HEARTBEAT, /* a heartbeat thread or a stallwatch_heartbeat promise was missed */
    SW_CLASS_SCOPE,     /* a stallwatch_scope_begin region overran its timeout */
    SW_CLASS_COUNT,
    /* Only in the call table: decided by the watchdog when it looks. */
    SW_CLASS_FD = SW_CLASS_COUNT,
    SW_CLASS_PATH,
};

/* What a slot's object word holds while the thread is in the call. */
enum sw_objkind {
    SW_OBJ_NONE = 0,
    SW_OBJ_ADDR,   /* address of a mutex, condvar, futex word... */
    SW_OBJ_FD,     /* file descriptor number */
    SW_OBJ_PID,    /* pid or id argument of a wait call */
    SW_OBJ_PATH,   /* const char * path argument, read through process_vm_readv */
    SW_OBJ_THREAD, /* pthread_t being joined */
};

enum sw_intr {
    SW_INTR_RESTART = 0,
    SW_INTR_RETRY,
    SW_INTR_NEVER,
    SW_INTR_SIGWAIT,
};

enum sw_call {
    SW_CALL_NONE = 0,
#define SW_CALL(id, name, cls, obj, intr) SW_CALL_##id,
#include "core/calls.def"
#undef SW_CALL
    SW_CALL_COUNT,
};

struct sw_call_info {
    const char *name;
    uint8_t cls;     /* enum sw_class, possibly SW_CLASS_FD or SW_CLASS_PATH */
    uint8_t objkind; /* enum sw_objkind */
    uint8_t intr;    /* enum sw_intr */
};

/* Indexed by enum sw_call; row 0 is { "none", SW_CLASS_NONE, ... }. */
extern const struct sw_call_info sw_calls[SW_CALL_COUNT];

/* "lock", "disk", "peer", "wait", "idle"; "none" for SW_CLASS_NONE. */
const char *sw_class_name(enum sw_class cls);

#endif
