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
    SW_CLASS_LOOKUP,    /* name-service lookups: DNS, users, groups (STALLWATCH_LOOKUP) */
    SW_CLASS_COLLECTIVE, /* MPI collectives (STALLWATCH_COLLECTIVE) */
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
    SW_OBJ_QUERY,  /* address of a struct sw_query on the wrapper's stack: the name asked for */
    SW_OBJ_IPC,    /* SysV semaphore set or message queue id */
    SW_OBJ_CHILD,  /* nothing: the child is found when the watchdog looks (system, pclose) */
    SW_OBJ_MPI,    /* address of a struct sw_mpi_call on the wrapper's stack */
    SW_OBJ_COUNT,
};

/* What a name-service lookup asks for, built by the lookup wrappers on their own stack (a
 * few stores) and read by the watchdog through process_vm_readv while the call lasts: the
 * object word of SW_OBJ_QUERY calls points at it. Unused members are 0. */
struct sw_query {
    const char *name;    /* host, user, group or domain name */
    const char *service; /* getaddrinfo's service */
    const void *addr;    /* gethostbyaddr's address (len bytes) or getnameinfo's sockaddr */
    uint32_t len;        /* of addr */
    int32_t family;      /* gethostbyaddr's type (AF_INET...); 0 when addr is a sockaddr */
    int64_t id;          /* getpwuid's uid, getgrgid's gid; -1 unused */
};

/* One communicator an MPI wrapper has seen: its handle, size and name (read once, by the
 * first wrapper that meets it) and the count of collective calls made on it. A table of these
 * lives in the library's memory (hook/wrap_mpi.c); the watchdog reads an entry while a call
 * on it lasts. */
#define SW_MPI_NAME_MAX 48
struct sw_mpi_comm {
    uint64_t handle;  /* as the program passes it; 0: the entry is free */
    uint32_t seq;     /* collective calls made on it so far by this process */
    int32_t size;     /* its number of ranks; -1 unknown */
    int32_t rank;     /* this process's rank in it; -1 unknown */
    uint32_t ready;   /* 1 once size, rank and name are written */
    uint32_t stale;   /* 1 once freed (MPI_Comm_free): described again when met again */
    char name[SW_MPI_NAME_MAX]; /* MPI_Comm_get_name's: "MPI_COMM_WORLD", a user's, or "" */
};

/* What an MPI call waits for, built by its wrapper on its own stack: the object word of
 * SW_OBJ_MPI calls points at it. */
struct sw_mpi_call {
    const struct sw_mpi_comm *comm; /* NULL: not known (completion calls, a full table) */
    uint32_t seq;                   /* collectives: this call's number on comm, from 1; else 0 */
    int32_t peer;                   /* point-to-point: the peer's rank in comm; SW_MPI_NONE */
    int32_t tag;                    /* point-to-point: the tag; SW_MPI_NONE */
};
#define SW_MPI_NONE INT32_MIN

enum sw_intr {
    SW_INTR_RESTART = 0,
    SW_INTR_RETRY,
    SW_INTR_NEVER,
    SW_INTR_SIGWAIT,
    SW_INTR_KERNEL, /* not a wrapper: a system call the watchdog saw a thread blocked in */
};

enum sw_call {
    SW_CALL_NONE = 0,
#define SW_CALL(id, name, cls, obj, intr) SW_CALL_##id,
#define SW_KCALL(id, name, cls, obj)      SW_CALL_##id,
#include "core/calls.def"
#undef SW_KCALL
#undef SW_CALL
    SW_CALL_COUNT,
};

struct sw_call_info {
    uint16_t name;   /* its offset in a string table of calls.c: use sw_call_name */
    uint8_t cls;     /* enum sw_class, possibly SW_CLASS_FD or SW_CLASS_PATH */
    uint8_t objkind; /* enum sw_objkind */
    uint8_t intr;    /* enum sw_intr */
};

/* Indexed by enum sw_call; row 0 is { "none", SW_CLASS_NONE, ... }. */
extern const struct sw_call_info sw_calls[SW_CALL_COUNT];

/* The call's name, "pthread_mutex_lock"; "none" for SW_CALL_NONE. (An offset rather than a
 * pointer: the table then needs no relocation, and the pages every process's loader writes
 * stay fewer.) */
const char *sw_call_name(unsigned call);

/* "lock", "disk", "peer", "wait", "idle", "lookup"...; "none" for SW_CLASS_NONE. */
const char *sw_class_name(enum sw_class cls);

/* Calls that run the program's own code (a library's constructors and destructors): an
 * interposed call made inside them is the thread's call for as long as it lasts, instead of
 * being hidden behind the outer one (hook/enter.c). */
static inline int sw_call_runs_program_code(unsigned call)
{
    return call == SW_CALL_DLOPEN || call == SW_CALL_DLMOPEN || call == SW_CALL_DLCLOSE;
}

#endif
