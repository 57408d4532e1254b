/* Private: `stallwatch triage`'s jobs: per parallel job and stalled collective (its call,
 * communicator and number on it), the ranks that waited in it and the culprits, the ranks of
 * the job that never entered it, with their host, pid and the frames of their latest dump.
 * Memory is the caller's: two tables it grows when sw_jobs_add says so, bounded by the number
 * of stalled collectives and of ranks that dumped, never by the number of reports. Pure; any
 * context. */
#ifndef SW_JOBS_H
#define SW_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/triage.h"

#define SW_JOBS_RANKS_MAX 4096 /* ranks tracked per collective (a bit each) */

/* What one report line says about a job, as the caller read it. */
struct sw_jevent {
    const char *event;      /* "stall", "still-stalled", "dump"... */
    const char *job;        /* NULL or "": not a job's */
    bool ranked;
    unsigned rank, size;    /* size 0: unknown */
    int64_t pid;
    const char *host, *time; /* NULL unknown; time is ISO 8601 UTC */
    /* Its first thread's call, class and collective (stall events). */
    const char *call, *cls, *comm;
    int64_t comm_size; /* -1 unknown */
    uint64_t seq;      /* 0: not a collective */
    /* A dump's frames: the program's own, of its first thread that has any. */
    const struct sw_tframe *frames;
    unsigned nframes;
};

struct sw_jcoll {
    bool used;
    char job[64], call[32], comm[64];
    uint64_t seq;
    unsigned size;     /* the job's size, from the reports; 0 unknown */
    int64_t comm_size; /* -1 unknown */
    unsigned nwaiting;
    uint8_t waiting[SW_JOBS_RANKS_MAX / 8];
};

struct sw_jrank {
    bool used;
    char job[64];
    unsigned rank;
    char host[72], time[32];
    int64_t pid;
    struct sw_tframe frames[SW_TRIAGE_FRAMES_MAX];
    unsigned nframes;
};

struct sw_jobs {
    struct sw_jcoll *coll; /* hash tables of ccap and rcap slots (powers of two) */
    unsigned ccap, cn;
    struct sw_jrank *ranks;
    unsigned rcap, rn;
};

enum sw_jobs_need {
    SW_JOBS_OK = 0,
    SW_JOBS_GROW_COLL,  /* the collectives' table must grow first */
    SW_JOBS_GROW_RANKS, /* the ranks' table must grow first */
};

/* Starts with the caller's zeroed tables. */
void sw_jobs_init(struct sw_jobs *J, struct sw_jcoll *coll, unsigned ccap, struct sw_jrank *ranks,
                  unsigned rcap);

/* Folds one report in: a stall (or still-stalled) in a collective marks its rank waiting in
 * it; a dump becomes its rank's latest, and marks its rank waiting in the collective one of
 * its threads is in (call, cls, comm, seq: the caller's pick). Anything else, or a report of
 * no job, is ignored. Not SW_JOBS_OK: the caller grows that table (sw_jobs_rehash_*) and adds
 * the event again (adding a dump twice is harmless). */
enum sw_jobs_need sw_jobs_add(struct sw_jobs *J, const struct sw_jevent *e);

void sw_jobs_rehash_coll(struct sw_jobs *J, struct sw_jcoll *table, unsigned cap);
void sw_jobs_rehash_ranks(struct sw_jobs *J, struct sw_jrank *table, unsigned cap);

/* Whether rank waited in c. */
bool sw_jobs_waiting(const struct sw_jcoll *c, unsigned rank);

/* Whether c's culprits can be named: the job's size is known, c's communicator spans the
 * whole job (its size is the job's), so every rank of the job should have entered it, and it
 * is named alike on every rank (not by a handle, "0x...", which differs from rank to rank). */
bool sw_jobs_knows_culprits(const struct sw_jcoll *c);

/* rank's latest dump in job; NULL if it wrote none. */
const struct sw_jrank *sw_jobs_rank(const struct sw_jobs *J, const char *job, unsigned rank);

/* The collectives in order: by job, then communicator, then number, then call, into order
 * (room for J->cn pointers); returns how many. */
unsigned sw_jobs_sorted(const struct sw_jobs *J, const struct sw_jcoll **order);

#endif
