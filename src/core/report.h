/* Private: the report model (one event, its threads and their frames) and its two
 * renderings, text and JSON. Formatting is pure: it reads the model, writes into a caller's
 * scratch buffer and hands complete records to a callback; no allocation, no locks, no
 * errno. Runs on the watchdog thread and in unit tests. */
#ifndef SW_REPORT_H
#define SW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/calls.h"

enum sw_format {
    SW_FORMAT_TEXT = 0,
    SW_FORMAT_JSON,
};

struct sw_frame {
    uint64_t pc;          /* the frame's address as unwound (a return address for callers) */
    const char *module;   /* path of the containing module; NULL if unknown */
    uint64_t offset;      /* pc's offset in the module file's address space (pc - load bias);
                           * meaningful only when module is set */
    const char *build_id; /* lowercase hex of the module's GNU build-id; NULL if unknown */
    const char *function; /* NULL if unknown */
    const char *file;     /* source file; NULL if unknown */
    unsigned line;        /* 0 if unknown */
    bool inlined;         /* this function was inlined into the next frame's (same pc) */
};

/* One frame of a thread's Python stack, as CPython's own dump of its threads gives it
 * (pystack.c, pyparse.c). */
struct sw_py_frame {
    const char *function; /* the code object's name; NULL if unknown */
    const char *file;     /* the code object's file name; NULL if unknown */
    unsigned line;        /* 0 if unknown */
};

struct sw_thread_report {
    pid_t tid;
    const char *name;   /* thread name (comm); NULL if unknown */
    const char *call;   /* name of the interposed function the program called */
    enum sw_class cls;  /* class the stall was judged in */
    uint64_t waited_ms; /* time spent in the call so far */

    enum sw_objkind objkind;
    uint64_t object;       /* SW_OBJ_ADDR / SW_OBJ_THREAD: address or pthread_t;
                            * SW_OBJ_PID: the pid argument (as int64); see also below */
    int fd;                /* SW_OBJ_FD: the descriptor */
    const char *fd_target; /* SW_OBJ_FD: "pipe:[123]", "socket:[456]", "/path"; NULL unknown */
    const char *path;      /* SW_OBJ_PATH: the path argument; NULL if unreadable */
    const char *query;     /* SW_OBJ_QUERY: what a lookup asks for; NULL if unreadable */
    /* SW_OBJ_MPI: the communicator's name ("MPI_COMM_WORLD", a name the program gave it) or
     * its handle ("0x..."); NULL unknown. Its size and this process's rank in it (-1
     * unknown), the collective's number on it (0: not a collective), and a point-to-point
     * call's peer rank and tag (SW_MPI_NONE: none). */
    const char *communicator;
    int64_t comm_size, comm_rank;
    uint64_t seq;
    int64_t peer, tag;
    /* SW_OBJ_IPC: object is the SysV id; SW_OBJ_CHILD: object is the child's pid, 0 unknown */
    const char *lock; /* what the lock waited for is ("stdout's stdio lock"); NULL */
    bool kernel;      /* the call was seen in the kernel, outside every interposed call */

    char state;          /* thread state letter from /proc ('S', 'D', 'R'...); 0 unknown */
    const char *wchan;   /* kernel wait channel; NULL unknown */
    const char *capture; /* how the stack was taken: "signal" or "proc"; NULL: no stack */
    const char *note;    /* one human sentence about a degraded capture; NULL if none */

    const char *role;          /* why the thread is in the report, for threads after the first:
                                * "owner" (holds what the one before waits for), "waiter" (same
                                * object, another stack), "cycle" (deadlock member), "other"
                                * (STALLWATCH_ALL_THREADS); NULL for threads[0] */
    pid_t owner_tid;           /* the thread holding the lock this one waits for; 0 unknown */
    pid_t owner_pid;           /* the process holding the file lock this one waits for; 0 unknown */
    const char *owner_process; /* that process's name; NULL unknown */
    const char *scope;         /* the stallwatch_scope_begin region that overran; NULL none */
    unsigned count;    /* threads this entry stands for (same call, object and stack); 0: 1 */
    const pid_t *tids; /* up to SW_REPORT_TIDS_MAX of them, when count > 1 */
    unsigned ntids;

    const struct sw_frame *frames;
    unsigned nframes;

    /* The Python stack of a thread that runs Python code, innermost first; NULL (or 0
     * frames): none, the thread runs no Python code or the process none at all. */
    const struct sw_py_frame *python_frames;
    unsigned npython_frames;
};

#define SW_REPORT_TIDS_MAX 32

struct sw_report {
    const char *event;       /* "stall", "deadlock", "still-stalled", "recovered", "suppressed",
                              * "dump" (stallwatch dump: every thread) */
    unsigned number;         /* report number in this process, from 1 */
    unsigned stall_report;   /* the report that opened this stall (still-stalled, recovered); 0 */
    const char *fingerprint; /* stable hash of the hang, 16 hex digits; NULL none */
    unsigned suppressed;     /* "suppressed": how many reports the rate limit withheld */
    pid_t pid;
    const char *process; /* program name, as invoked, read at start (argv[0]'s file name) */
    const char *comm;    /* the process's comm, when it differs from process; NULL otherwise */
    const char *title;   /* the command line now (/proc/self/cmdline), which programs rewrite to
                          * say what they do ("postgres: walwriter"); NULL unknown */
    uint64_t time_ns;    /* CLOCK_REALTIME, ns since the epoch */
    bool attached;       /* written by `stallwatch dump` or `watch` from outside the process */
    const char *host;    /* the node name (uname), read at start; NULL unknown */
    const char *job;     /* the parallel job's id from its launcher's variables; NULL none */
    bool ranked;         /* started by a parallel launcher: rank (and size, 0 unknown) known */
    unsigned rank, size;
    const struct sw_thread_report *threads; /* threads[0] is the stalled thread */
    unsigned nthreads;
};

/* Receives one complete record: a text line (no newline) or a whole JSON object. */
typedef void (*sw_record_fn)(void *ctx, const char *rec, size_t len);

/* Renders r and hands each record to fn. scratch (at least SW_REPORT_MIN_SCRATCH bytes) bounds
 * a record's size: a JSON report that would not fit drops frames from the end of the last
 * threads first (a thread's native frames before its Python frames), then whole threads, and
 * says so with "truncated":true; a text line that would not fit is cut and ends with "...".
 * Returns the number of records emitted. */
#define SW_REPORT_MIN_SCRATCH 4096
unsigned sw_report_emit(const struct sw_report *r, enum sw_format fmt, char *scratch, size_t cap,
                        sw_record_fn fn, void *ctx);

#endif
