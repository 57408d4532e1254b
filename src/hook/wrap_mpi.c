/* Exported wrappers for MPI: the collectives (class collective), the blocking point-to-point
 * calls and the completion calls (class peer), by the standard's profiling interface: each is
 * a function of the standard's name, found before libmpi's because the library is preloaded,
 * which calls the next definition of the same name (libmpi's, or that of another profiling
 * tool loaded after us, which thus still sees every call). The object is a struct
 * sw_mpi_call on the wrapper's stack: the communicator's entry in a table of the
 * communicators met (size, this process's rank, name), this collective's number on it, and
 * the peer rank and tag of a point-to-point call. Any thread.
 *
 * No MPI header is used: handles (MPI_Comm, MPI_Datatype, MPI_Op, MPI_Request) are passed
 * through as register-sized values, which fits both Open MPI (pointers) and MPICH (ints),
 * since the x86_64 calling convention gives an int and a pointer the same register or stack
 * slot. Nothing is resolved until the program's first MPI call: a program without MPI pays
 * nothing. The first call of each communicator asks libmpi its size, rank and name
 * (PMPI_Comm_size, PMPI_Comm_rank, PMPI_Comm_get_name: the profiling names, so that no tool
 * sees calls of ours); every later call costs a table probe and an atomic increment. */
#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>

#include "core/large.h"
#include "hook/interpose.h"
#include "hook/registry.h"
#include "hook/wrap_mpi.h"

typedef void *sw_mpi_h; /* a handle: MPI_Comm, MPI_Datatype, MPI_Op */

/* X(name, parameter list, argument list) of every wrapped MPI function. */
#define SW_MPI_FUNCS(X)                                                                            \
    X(MPI_Init, (int *argc, char ***argv), (argc, argv))                                           \
    X(MPI_Init_thread, (int *argc, char ***argv, int req, int *prov), (argc, argv, req, prov))     \
    X(MPI_Comm_free, (sw_mpi_h * c), (c))                                                          \
    X(MPI_Barrier, (sw_mpi_h c), (c))                                                              \
    X(MPI_Bcast, (void *b, int n, sw_mpi_h t, int root, sw_mpi_h c), (b, n, t, root, c))           \
    X(MPI_Reduce, (const void *s, void *r, int n, sw_mpi_h t, sw_mpi_h op, int root, sw_mpi_h c), \
      (s, r, n, t, op, root, c))                                                                   \
    X(MPI_Allreduce, (const void *s, void *r, int n, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c),        \
      (s, r, n, t, op, c))                                                                         \
    X(MPI_Gather,                                                                                  \
      (const void *s, int sn, sw_mpi_h st, void *r, int rn, sw_mpi_h rt, int root, sw_mpi_h c),   \
      (s, sn, st, r, rn, rt, root, c))                                                             \
    X(MPI_Gatherv,                                                                                 \
      (const void *s, int sn, sw_mpi_h st, void *r, const int *rn, const int *d, sw_mpi_h rt,      \
       int root, sw_mpi_h c),                                                                      \
      (s, sn, st, r, rn, d, rt, root, c))                                                          \
    X(MPI_Scatter,                                                                                 \
      (const void *s, int sn, sw_mpi_h st, void *r, int rn, sw_mpi_h rt, int root, sw_mpi_h c),   \
      (s, sn, st, r, rn, rt, root, c))                                                             \
    X(MPI_Scatterv,                                                                                \
      (const void *s, const int *sn, const int *d, sw_mpi_h st, void *r, int rn, sw_mpi_h rt,      \
       int root, sw_mpi_h c),                                                                      \
      (s, sn, d, st, r, rn, rt, root, c))                                                          \
    X(MPI_Allgather, (const void *s, int sn, sw_mpi_h st, void *r, int rn, sw_mpi_h rt, sw_mpi_h c), \
      (s, sn, st, r, rn, rt, c))                                                                   \
    X(MPI_Allgatherv,                                                                              \
      (const void *s, int sn, sw_mpi_h st, void *r, const int *rn, const int *d, sw_mpi_h rt,      \
       sw_mpi_h c),                                                                                \
      (s, sn, st, r, rn, d, rt, c))                                                                \
    X(MPI_Alltoall, (const void *s, int sn, sw_mpi_h st, void *r, int rn, sw_mpi_h rt, sw_mpi_h c), \
      (s, sn, st, r, rn, rt, c))                                                                   \
    X(MPI_Alltoallv,                                                                               \
      (const void *s, const int *sn, const int *sd, sw_mpi_h st, void *r, const int *rn,           \
       const int *rd, sw_mpi_h rt, sw_mpi_h c),                                                    \
      (s, sn, sd, st, r, rn, rd, rt, c))                                                           \
    X(MPI_Alltoallw,                                                                               \
      (const void *s, const int *sn, const int *sd, const sw_mpi_h *st, void *r, const int *rn,    \
       const int *rd, const sw_mpi_h *rt, sw_mpi_h c),                                             \
      (s, sn, sd, st, r, rn, rd, rt, c))                                                           \
    X(MPI_Reduce_scatter,                                                                          \
      (const void *s, void *r, const int *rn, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c),                \
      (s, r, rn, t, op, c))                                                                        \
    X(MPI_Reduce_scatter_block,                                                                    \
      (const void *s, void *r, int rn, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c), (s, r, rn, t, op, c)) \
    X(MPI_Scan, (const void *s, void *r, int n, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c),             \
      (s, r, n, t, op, c))                                                                         \
    X(MPI_Exscan, (const void *s, void *r, int n, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c),           \
      (s, r, n, t, op, c))                                                                         \
    X(MPI_Send, (const void *b, int n, sw_mpi_h t, int dest, int tag, sw_mpi_h c),                \
      (b, n, t, dest, tag, c))                                                                     \
    X(MPI_Ssend, (const void *b, int n, sw_mpi_h t, int dest, int tag, sw_mpi_h c),               \
      (b, n, t, dest, tag, c))                                                                     \
    X(MPI_Recv, (void *b, int n, sw_mpi_h t, int src, int tag, sw_mpi_h c, void *st),             \
      (b, n, t, src, tag, c, st))                                                                  \
    X(MPI_Sendrecv,                                                                                \
      (const void *s, int sn, sw_mpi_h st, int dest, int stag, void *r, int rn, sw_mpi_h rt,       \
       int src, int rtag, sw_mpi_h c, void *status),                                               \
      (s, sn, st, dest, stag, r, rn, rt, src, rtag, c, status))                                    \
    X(MPI_Probe, (int src, int tag, sw_mpi_h c, void *st), (src, tag, c, st))                      \
    X(MPI_Wait, (void *req, void *st), (req, st))                                                  \
    X(MPI_Waitall, (int n, void *reqs, void *sts), (n, reqs, sts))                                 \
    X(MPI_Waitany, (int n, void *reqs, int *idx, void *st), (n, reqs, idx, st))                    \
    X(MPI_Waitsome, (int n, void *reqs, int *out, int *idx, void *sts), (n, reqs, out, idx, sts))

#define SW_MPI_PROTO(name, params, args) SW_EXPORT int name params;
SW_MPI_FUNCS(SW_MPI_PROTO)
#undef SW_MPI_PROTO

static struct {
#define SW_MPI_FIELD(name, params, args) int(*name) params;
    SW_MPI_FUNCS(SW_MPI_FIELD)
#undef SW_MPI_FIELD
    int (*size)(sw_mpi_h, int *);
    int (*rank)(sw_mpi_h, int *);
    int (*get_name)(sw_mpi_h, char *, int *);
    bool wide; /* handles are pointers (Open MPI); else ints (MPICH and its kin) */
} next;
static _Atomic bool resolved;

/* At the program's first MPI call (MPI_Init or MPI_Init_thread, made before the program
 * holds locks of its own, as a rule): every next definition at once (idempotent; racing
 * resolvers store the same values). One that is not found (an older MPI lacks it, or libmpi
 * was loaded with RTLD_LOCAL, so that RTLD_NEXT cannot see it) is looked for again, in the
 * caller's own scope, when it is called (next_in_scope_of). */
static void resolve(void)
{
    if (atomic_load_explicit(&resolved, memory_order_acquire))
        return;
#define SW_MPI_RESOLVE(name, params, args) next.name = (int(*) params)dlsym(RTLD_NEXT, #name);
    SW_MPI_FUNCS(SW_MPI_RESOLVE)
#undef SW_MPI_RESOLVE
    next.size = (int (*)(sw_mpi_h, int *))dlsym(RTLD_NEXT, "PMPI_Comm_size");
    next.rank = (int (*)(sw_mpi_h, int *))dlsym(RTLD_NEXT, "PMPI_Comm_rank");
    next.get_name = (int (*)(sw_mpi_h, char *, int *))dlsym(RTLD_NEXT, "PMPI_Comm_get_name");
    next.wide = dlsym(RTLD_NEXT, "ompi_mpi_comm_world") != NULL;
    atomic_store_explicit(&resolved, true, memory_order_release);
}

/* The communicators met, by handle (open addressing, never removed: an entry whose
 * communicator was freed is described anew, and counts from 0, when its handle comes back). */
#define COMMS 256
SW_LARGE static struct sw_mpi_comm comms[COMMS];

bool sw_mpi_used(void)
{
    return atomic_load_explicit(&resolved, memory_order_acquire);
}

/* The definition of name in the scope of the object that contains the caller's code: for a
 * libmpi loaded with RTLD_LOCAL (a plugin's dependency), which RTLD_NEXT does not search. NULL
 * if it is not there either. */
static void *next_in_scope_of(const char *name, const void *caller)
{
    Dl_info info;
    if (dladdr(caller, &info) == 0 || info.dli_fname == NULL)
        return NULL;
    void *h = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (h == NULL)
        return NULL;
    void *p = dlsym(h, name);
    dlclose(h);
    return p;
}

/* MPI_ERR_OTHER as Open MPI numbers it: what a wrapper returns when no next definition exists
 * at all, rather than calling through a null pointer. */
#define SW_MPI_ERR_OTHER 16

/* The next definition of NAME, found again in the caller's scope when RTLD_NEXT had none. */
#define NEXT(NAME)                                                                                 \
    (next.NAME != NULL ? next.NAME                                                                 \
                       : (__typeof__(next.NAME))next_in_scope_of(#NAME,                            \
                                                                  __builtin_return_address(0)))

static uint64_t handle_of(sw_mpi_h c)
{
    uint64_t h = (uint64_t)(uintptr_t)c;
    return next.wide ? h : (uint32_t)h;
}

/* The first wrapper to meet a communicator asks its size, rank and name. */
static void describe(struct sw_mpi_comm *e, sw_mpi_h c)
{
    int v = -1, len = 0;
    e->name[0] = '\0'; /* an entry described again: nothing of the freed communicator's */
    e->size = next.size != NULL && next.size(c, &v) == 0 ? v : -1;
    v = -1;
    e->rank = next.rank != NULL && next.rank(c, &v) == 0 ? v : -1;
    char name[256]; /* MPI_MAX_OBJECT_NAME: 64 in Open MPI, 128 in MPICH */
    if (next.get_name != NULL && next.get_name(c, name, &len) == 0 && len > 0) {
        size_t n = (size_t)len < sizeof e->name - 1 ? (size_t)len : sizeof e->name - 1;
        memcpy(e->name, name, n);
        e->name[n] = '\0';
    }
    atomic_store_explicit((_Atomic uint32_t *)&e->ready, 1, memory_order_release);
}

static struct sw_mpi_comm *comm_entry(sw_mpi_h c)
{
    uint64_t h = handle_of(c);
    if (h == 0)
        return NULL;
    unsigned i = (unsigned)((h * 0x9e3779b97f4a7c15ull) >> 56) % COMMS;
    for (unsigned probe = 0; probe < COMMS; probe++, i = (i + 1) % COMMS) {
        _Atomic uint64_t *slot = (_Atomic uint64_t *)&comms[i].handle;
        uint64_t seen = atomic_load_explicit(slot, memory_order_acquire);
        if (seen == h) {
            /* Freed (MPI_Comm_free) and its handle given out again: described anew. */
            uint32_t one = 1;
            if (atomic_compare_exchange_strong((_Atomic uint32_t *)&comms[i].stale, &one, 0)) {
                atomic_store((_Atomic uint32_t *)&comms[i].seq, 0);
                describe(&comms[i], c);
            }
            return &comms[i];
        }
        if (seen == 0) {
            uint64_t expected = 0;
            if (atomic_compare_exchange_strong(slot, &expected, h)) {
                describe(&comms[i], c);
                return &comms[i];
            }
            if (expected == h)
                return &comms[i];
        }
    }
    return NULL; /* more communicators than entries: reported without one */
}

static void collective(struct sw_mpi_call *m, sw_mpi_h c)
{
    resolve();
    m->comm = comm_entry(c);
    m->seq = m->comm != NULL
                 ? atomic_fetch_add_explicit((_Atomic uint32_t *)&((struct sw_mpi_comm *)m->comm)->seq,
                                             1, memory_order_relaxed) +
                       1
                 : 0;
    m->peer = SW_MPI_NONE;
    m->tag = SW_MPI_NONE;
}

static void point_to_point(struct sw_mpi_call *m, sw_mpi_h c, int peer, int tag)
{
    resolve();
    m->comm = comm_entry(c);
    m->seq = 0;
    m->peer = peer;
    m->tag = tag;
}

static void completion(struct sw_mpi_call *m)
{
    resolve();
    *m = (struct sw_mpi_call){NULL, 0, SW_MPI_NONE, SW_MPI_NONE};
}

#define COLLECTIVE(NAME, call, params, args)                                                       \
    SW_EXPORT int NAME params                                                                      \
    {                                                                                              \
        struct sw_mpi_call m;                                                                      \
        collective(&m, c);                                                                         \
        __typeof__(next.NAME) fn_ = NEXT(NAME);                                                    \
        if (fn_ == NULL)                                                                           \
            return SW_MPI_ERR_OTHER;                                                               \
        SW_WRAP(call, &m, fn_ args);                                                               \
    }

/* The calls that start MPI: they resolve the next definitions before the program's threads
 * hold locks of their own, as a rule, start the process's watching (a rank that computes
 * without a call afterwards must still answer job-wide dump requests), and are not marked (a
 * start slowed by a loaded machine is no hang; a rank that never starts leaves the others in
 * their first collective).
 * MPI_Finalize is not wrapped: ranks that finish first wait in it for the others, which is no
 * hang of theirs either. */
#define STARTING(NAME, params, args)                                                               \
    SW_EXPORT int NAME params                                                                      \
    {                                                                                              \
        resolve();                                                                                 \
        sw_registry_start();                                                                       \
        __typeof__(next.NAME) fn_ = NEXT(NAME);                                                    \
        return fn_ != NULL ? fn_ args : SW_MPI_ERR_OTHER;                                          \
    }

STARTING(MPI_Init, (int *argc, char ***argv), (argc, argv))
STARTING(MPI_Init_thread, (int *argc, char ***argv, int req, int *prov), (argc, argv, req, prov))

/* A communicator freed: its entry is described again when its handle comes back (Open MPI
 * reuses the memory, MPICH the numbers), and its count starts again. */
SW_EXPORT int MPI_Comm_free(sw_mpi_h *c)
{
    struct sw_mpi_call m;
    collective(&m, c != NULL ? *c : NULL);
    __typeof__(next.MPI_Comm_free) fn = NEXT(MPI_Comm_free);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    struct sw_slot *k = sw_enter(SW_CALL_MPI_COMM_FREE, (uintptr_t)&m);
    int r = fn(c);
    int e = errno;
    sw_leave(k);
    if (m.comm != NULL)
        atomic_store((_Atomic uint32_t *)&((struct sw_mpi_comm *)m.comm)->stale, 1);
    errno = e;
    return r;
}

COLLECTIVE(MPI_Barrier, MPI_BARRIER, (sw_mpi_h c), (c))
COLLECTIVE(MPI_Bcast, MPI_BCAST, (void *b, int n, sw_mpi_h t, int root, sw_mpi_h c),
           (b, n, t, root, c))
COLLECTIVE(MPI_Reduce, MPI_REDUCE,
           (const void *s, void *r, int n, sw_mpi_h t, sw_mpi_h op, int root, sw_mpi_h c),
           (s, r, n, t, op, root, c))
COLLECTIVE(MPI_Allreduce, MPI_ALLREDUCE,
           (const void *s, void *r, int n, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c),
           (s, r, n, t, op, c))
COLLECTIVE(MPI_Gather, MPI_GATHER,
           (const void *s, int sn, sw_mpi_h st, void *r, int rn, sw_mpi_h rt, int root,
            sw_mpi_h c),
           (s, sn, st, r, rn, rt, root, c))
COLLECTIVE(MPI_Gatherv, MPI_GATHERV,
           (const void *s, int sn, sw_mpi_h st, void *r, const int *rn, const int *d,
            sw_mpi_h rt, int root, sw_mpi_h c),
           (s, sn, st, r, rn, d, rt, root, c))
COLLECTIVE(MPI_Scatter, MPI_SCATTER,
           (const void *s, int sn, sw_mpi_h st, void *r, int rn, sw_mpi_h rt, int root,
            sw_mpi_h c),
           (s, sn, st, r, rn, rt, root, c))
COLLECTIVE(MPI_Scatterv, MPI_SCATTERV,
           (const void *s, const int *sn, const int *d, sw_mpi_h st, void *r, int rn,
            sw_mpi_h rt, int root, sw_mpi_h c),
           (s, sn, d, st, r, rn, rt, root, c))
COLLECTIVE(MPI_Allgather, MPI_ALLGATHER,
           (const void *s, int sn, sw_mpi_h st, void *r, int rn, sw_mpi_h rt, sw_mpi_h c),
           (s, sn, st, r, rn, rt, c))
COLLECTIVE(MPI_Allgatherv, MPI_ALLGATHERV,
           (const void *s, int sn, sw_mpi_h st, void *r, const int *rn, const int *d,
            sw_mpi_h rt, sw_mpi_h c),
           (s, sn, st, r, rn, d, rt, c))
COLLECTIVE(MPI_Alltoall, MPI_ALLTOALL,
           (const void *s, int sn, sw_mpi_h st, void *r, int rn, sw_mpi_h rt, sw_mpi_h c),
           (s, sn, st, r, rn, rt, c))
COLLECTIVE(MPI_Alltoallv, MPI_ALLTOALLV,
           (const void *s, const int *sn, const int *sd, sw_mpi_h st, void *r, const int *rn,
            const int *rd, sw_mpi_h rt, sw_mpi_h c),
           (s, sn, sd, st, r, rn, rd, rt, c))
COLLECTIVE(MPI_Alltoallw, MPI_ALLTOALLW,
           (const void *s, const int *sn, const int *sd, const sw_mpi_h *st, void *r,
            const int *rn, const int *rd, const sw_mpi_h *rt, sw_mpi_h c),
           (s, sn, sd, st, r, rn, rd, rt, c))
COLLECTIVE(MPI_Reduce_scatter, MPI_REDUCE_SCATTER,
           (const void *s, void *r, const int *rn, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c),
           (s, r, rn, t, op, c))
COLLECTIVE(MPI_Reduce_scatter_block, MPI_REDUCE_SCATTER_BLOCK,
           (const void *s, void *r, int rn, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c),
           (s, r, rn, t, op, c))
COLLECTIVE(MPI_Scan, MPI_SCAN,
           (const void *s, void *r, int n, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c),
           (s, r, n, t, op, c))
COLLECTIVE(MPI_Exscan, MPI_EXSCAN,
           (const void *s, void *r, int n, sw_mpi_h t, sw_mpi_h op, sw_mpi_h c),
           (s, r, n, t, op, c))

SW_EXPORT int MPI_Send(const void *b, int n, sw_mpi_h t, int dest, int tag, sw_mpi_h c)
{
    struct sw_mpi_call m;
    point_to_point(&m, c, dest, tag);
    __typeof__(next.MPI_Send) fn = NEXT(MPI_Send);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    SW_WRAP(MPI_SEND, &m, fn(b, n, t, dest, tag, c));
}

SW_EXPORT int MPI_Ssend(const void *b, int n, sw_mpi_h t, int dest, int tag, sw_mpi_h c)
{
    struct sw_mpi_call m;
    point_to_point(&m, c, dest, tag);
    __typeof__(next.MPI_Ssend) fn = NEXT(MPI_Ssend);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    SW_WRAP(MPI_SSEND, &m, fn(b, n, t, dest, tag, c));
}

SW_EXPORT int MPI_Recv(void *b, int n, sw_mpi_h t, int src, int tag, sw_mpi_h c, void *st)
{
    struct sw_mpi_call m;
    point_to_point(&m, c, src, tag);
    __typeof__(next.MPI_Recv) fn = NEXT(MPI_Recv);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    SW_WRAP(MPI_RECV, &m, fn(b, n, t, src, tag, c, st));
}

/* The peer is the source: a Sendrecv whose send completes still waits for its receive. */
SW_EXPORT int MPI_Sendrecv(const void *s, int sn, sw_mpi_h st, int dest, int stag, void *r,
                           int rn, sw_mpi_h rt, int src, int rtag, sw_mpi_h c, void *status)
{
    struct sw_mpi_call m;
    point_to_point(&m, c, src, rtag);
    __typeof__(next.MPI_Sendrecv) fn = NEXT(MPI_Sendrecv);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    SW_WRAP(MPI_SENDRECV, &m,
            fn(s, sn, st, dest, stag, r, rn, rt, src, rtag, c, status));
}

SW_EXPORT int MPI_Probe(int src, int tag, sw_mpi_h c, void *st)
{
    struct sw_mpi_call m;
    point_to_point(&m, c, src, tag);
    __typeof__(next.MPI_Probe) fn = NEXT(MPI_Probe);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    SW_WRAP(MPI_PROBE, &m, fn(src, tag, c, st));
}

SW_EXPORT int MPI_Wait(void *req, void *st)
{
    struct sw_mpi_call m;
    completion(&m);
    __typeof__(next.MPI_Wait) fn = NEXT(MPI_Wait);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    SW_WRAP(MPI_WAIT, &m, fn(req, st));
}

SW_EXPORT int MPI_Waitall(int n, void *reqs, void *sts)
{
    struct sw_mpi_call m;
    completion(&m);
    __typeof__(next.MPI_Waitall) fn = NEXT(MPI_Waitall);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    SW_WRAP(MPI_WAITALL, &m, fn(n, reqs, sts));
}

SW_EXPORT int MPI_Waitany(int n, void *reqs, int *idx, void *st)
{
    struct sw_mpi_call m;
    completion(&m);
    __typeof__(next.MPI_Waitany) fn = NEXT(MPI_Waitany);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    SW_WRAP(MPI_WAITANY, &m, fn(n, reqs, idx, st));
}

SW_EXPORT int MPI_Waitsome(int n, void *reqs, int *out, int *idx, void *sts)
{
    struct sw_mpi_call m;
    completion(&m);
    __typeof__(next.MPI_Waitsome) fn = NEXT(MPI_Waitsome);
    if (fn == NULL)
        return SW_MPI_ERR_OTHER;
    SW_WRAP(MPI_WAITSOME, &m, fn(n, reqs, out, idx, sts));
}
