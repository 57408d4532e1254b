/* Stalled collectives of parallel jobs, and the ranks' latest dumps (see jobs.h). Pure; any
 * context: the tables are the caller's. */
#include "core/jobs.h"

#include <stdlib.h>
#include <string.h>

void sw_jobs_init(struct sw_jobs *J, struct sw_jcoll *coll, unsigned ccap, struct sw_jrank *ranks,
                  unsigned rcap)
{
    memset(J, 0, sizeof *J);
    J->coll = coll;
    J->ccap = ccap;
    J->ranks = ranks;
    J->rcap = rcap;
}

static uint64_t mix(uint64_t h, const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = src != NULL ? strnlen(src, cap - 1) : 0;
    memcpy(dst, src != NULL ? src : "", n);
    dst[n] = '\0';
}

/* Whether a stored field equals s as it would be stored (cut to the field). */
static bool same(const char *stored, size_t cap, const char *s)
{
    return strncmp(stored, s != NULL ? s : "", cap - 1) == 0;
}

static uint64_t coll_hash(const char *job, const char *call, const char *comm, uint64_t seq)
{
    return mix(mix(mix(1469598103934665603ull ^ seq, job), call), comm);
}

static struct sw_jcoll *coll_find(struct sw_jcoll *t, unsigned cap, const char *job,
                                  const char *call, const char *comm, uint64_t seq)
{
    unsigned i = (unsigned)coll_hash(job, call, comm, seq) & (cap - 1);
    while (t[i].used && !(t[i].seq == seq && same(t[i].job, sizeof t[i].job, job) &&
                          same(t[i].call, sizeof t[i].call, call) &&
                          same(t[i].comm, sizeof t[i].comm, comm)))
        i = (i + 1) & (cap - 1);
    return &t[i];
}

static struct sw_jrank *rank_find(struct sw_jrank *t, unsigned cap, const char *job,
                                  unsigned rank)
{
    unsigned i = (unsigned)mix(1469598103934665603ull ^ rank, job) & (cap - 1);
    while (t[i].used && !(t[i].rank == rank && same(t[i].job, sizeof t[i].job, job)))
        i = (i + 1) & (cap - 1);
    return &t[i];
}

/* A stall, a repeat, or a dump one of whose threads waits in a collective: its rank entered
 * that collective (a rank that waited less than the threshold shows only in its dump). */
static bool waits(const struct sw_jevent *e)
{
    return (strcmp(e->event, "stall") == 0 || strcmp(e->event, "still-stalled") == 0 ||
            strcmp(e->event, "dump") == 0) &&
           e->cls != NULL && strcmp(e->cls, "collective") == 0 && e->seq != 0;
}

static enum sw_jobs_need add_dump(struct sw_jobs *J, const struct sw_jevent *e);

enum sw_jobs_need sw_jobs_add(struct sw_jobs *J, const struct sw_jevent *e)
{
    if (e->event == NULL || e->job == NULL || e->job[0] == '\0' || !e->ranked)
        return SW_JOBS_OK;
    if (strcmp(e->event, "dump") == 0) {
        enum sw_jobs_need need = add_dump(J, e);
        if (need != SW_JOBS_OK)
            return need;
    }
    if (waits(e)) {
        if ((J->cn + 1) * 4 > J->ccap * 3)
            return SW_JOBS_GROW_COLL;
        const char *comm = e->comm != NULL ? e->comm : "";
        struct sw_jcoll *c = coll_find(J->coll, J->ccap, e->job, e->call, comm, e->seq);
        if (!c->used) {
            memset(c, 0, sizeof *c);
            c->used = true;
            copy(c->job, sizeof c->job, e->job);
            copy(c->call, sizeof c->call, e->call);
            copy(c->comm, sizeof c->comm, comm);
            c->seq = e->seq;
            c->comm_size = -1;
            J->cn++;
        }
        if (e->size != 0)
            c->size = e->size;
        if (e->comm_size >= 0)
            c->comm_size = e->comm_size;
        if (e->rank < SW_JOBS_RANKS_MAX && !sw_jobs_waiting(c, e->rank)) {
            c->waiting[e->rank / 8] |= (uint8_t)(1u << (e->rank % 8));
            c->nwaiting++;
        }
    }
    return SW_JOBS_OK;
}

/* A dump: its rank's latest, unless an older one than that kept. */
static enum sw_jobs_need add_dump(struct sw_jobs *J, const struct sw_jevent *e)
{
    if ((J->rn + 1) * 4 > J->rcap * 3)
        return SW_JOBS_GROW_RANKS;
    struct sw_jrank *r = rank_find(J->ranks, J->rcap, e->job, e->rank);
    const char *time = e->time != NULL ? e->time : "";
    if (r->used && strcmp(time, r->time) < 0)
        return SW_JOBS_OK; /* an older dump than the one kept */
    if (!r->used) {
        memset(r, 0, sizeof *r);
        r->used = true;
        copy(r->job, sizeof r->job, e->job);
        r->rank = e->rank;
        J->rn++;
    }
    copy(r->host, sizeof r->host, e->host);
    copy(r->time, sizeof r->time, time);
    r->pid = e->pid;
    r->nframes = e->nframes < SW_TRIAGE_FRAMES_MAX ? e->nframes : SW_TRIAGE_FRAMES_MAX;
    for (unsigned i = 0; i < r->nframes; i++)
        r->frames[i] = e->frames[i];
    return SW_JOBS_OK;
}

void sw_jobs_rehash_coll(struct sw_jobs *J, struct sw_jcoll *table, unsigned cap)
{
    for (unsigned i = 0; i < J->ccap; i++) {
        const struct sw_jcoll *c = &J->coll[i];
        if (c->used)
            *coll_find(table, cap, c->job, c->call, c->comm, c->seq) = *c;
    }
    J->coll = table;
    J->ccap = cap;
}

void sw_jobs_rehash_ranks(struct sw_jobs *J, struct sw_jrank *table, unsigned cap)
{
    for (unsigned i = 0; i < J->rcap; i++) {
        const struct sw_jrank *r = &J->ranks[i];
        if (r->used)
            *rank_find(table, cap, r->job, r->rank) = *r;
    }
    J->ranks = table;
    J->rcap = cap;
}

bool sw_jobs_waiting(const struct sw_jcoll *c, unsigned rank)
{
    return rank < SW_JOBS_RANKS_MAX && (c->waiting[rank / 8] >> (rank % 8)) & 1;
}

bool sw_jobs_knows_culprits(const struct sw_jcoll *c)
{
    return c->size != 0 && c->size <= SW_JOBS_RANKS_MAX && c->comm_size == (int64_t)c->size &&
           c->comm[0] != '\0' && strncmp(c->comm, "0x", 2) != 0;
}

const struct sw_jrank *sw_jobs_rank(const struct sw_jobs *J, const char *job, unsigned rank)
{
    const struct sw_jrank *r = rank_find(J->ranks, J->rcap, job, rank);
    return r->used ? r : NULL;
}

static int by_collective(const void *a, const void *b)
{
    const struct sw_jcoll *x = *(const struct sw_jcoll *const *)a;
    const struct sw_jcoll *y = *(const struct sw_jcoll *const *)b;
    int d = strcmp(x->job, y->job);
    if (d == 0)
        d = strcmp(x->comm, y->comm);
    if (d == 0)
        d = (x->seq > y->seq) - (x->seq < y->seq);
    return d != 0 ? d : strcmp(x->call, y->call);
}

unsigned sw_jobs_sorted(const struct sw_jobs *J, const struct sw_jcoll **order)
{
    unsigned n = 0;
    for (unsigned i = 0; i < J->ccap; i++)
        if (J->coll[i].used)
            order[n++] = &J->coll[i];
    qsort(order, n, sizeof *order, by_collective);
    return n;
}
