/* One group per fingerprint (see triage.h). Pure; any context: the table is the caller's. */
#include "core/triage.h"

#include "core/diagnose.h"

#include <stdlib.h>
#include <string.h>

void sw_triage_init(struct sw_triage *T, struct sw_tgroup *table, unsigned cap)
{
    memset(T, 0, sizeof *T);
    T->slot = table;
    T->cap = cap;
}

static uint64_t hash(const char *fp)
{
    uint64_t h = 1469598103934665603ull;
    for (; *fp != '\0'; fp++)
        h = (h ^ (unsigned char)*fp) * 1099511628211ull;
    return h;
}

static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The slot of fp: its group, or the empty slot where it goes. */
static struct sw_tgroup *find(struct sw_tgroup *table, unsigned cap, const char *fp)
{
    unsigned i = (unsigned)hash(fp) & (cap - 1);
    while (table[i].used && strcmp(table[i].fingerprint, fp) != 0)
        i = (i + 1) & (cap - 1);
    return &table[i];
}

static void set_add(struct sw_tset *s, const char *item)
{
    if (item == NULL || *item == '\0')
        return;
    for (unsigned i = 0; i < s->n; i++)
        if (strncmp(s->item[i], item, sizeof s->item[i] - 1) == 0)
            return;
    if (s->n == SW_TRIAGE_SET_MAX) {
        s->more = true;
        return;
    }
    copy(s->item[s->n++], sizeof s->item[0], item);
}

static bool opens(const char *event)
{
    return strcmp(event, "stall") == 0 || strcmp(event, "deadlock") == 0;
}

bool sw_triage_add(struct sw_triage *T, const struct sw_tevent *e)
{
    if (e->event == NULL || e->fingerprint == NULL || e->fingerprint[0] == '\0') {
        T->reports++;
        return true; /* a dump, a suppressed summary: nothing to group */
    }
    if ((T->n + 1) * 4 > T->cap * 3)
        return false;
    T->reports++;
    struct sw_tgroup *g = find(T->slot, T->cap, e->fingerprint);
    if (!g->used) {
        memset(g, 0, sizeof *g);
        g->used = true;
        copy(g->fingerprint, sizeof g->fingerprint, e->fingerprint);
        T->n++;
    }
    if (opens(e->event)) {
        g->count++;
        if (g->event[0] == '\0' || strcmp(e->event, "deadlock") == 0)
            copy(g->event, sizeof g->event, e->event);
        for (unsigned i = 0; i < e->nthreads; i++)
            set_add(&g->threads, e->threads[i]);
        if (g->nframes == 0) {
            for (unsigned i = 0; i < e->nframes && i < SW_TRIAGE_FRAMES_MAX; i++)
                g->frames[g->nframes++] = e->frames[i];
        }
    } else if (strcmp(e->event, "recovered") == 0) {
        g->recovered++;
    }
    set_add(&g->hosts, e->host);
    set_add(&g->processes, e->process);
    if (e->time != NULL && *e->time != '\0') {
        if (g->first[0] == '\0' || strcmp(e->time, g->first) < 0)
            copy(g->first, sizeof g->first, e->time);
        if (strcmp(e->time, g->last) > 0)
            copy(g->last, sizeof g->last, e->time);
    }
    if (e->waited_ms > g->longest_wait_ms)
        g->longest_wait_ms = e->waited_ms;
    return true;
}

void sw_triage_rehash(struct sw_triage *T, struct sw_tgroup *table, unsigned cap)
{
    for (unsigned i = 0; i < T->cap; i++)
        if (T->slot[i].used)
            *find(table, cap, T->slot[i].fingerprint) = T->slot[i];
    T->slot = table;
    T->cap = cap;
}

uint64_t sw_triage_open(const struct sw_tgroup *g)
{
    return g->count > g->recovered ? g->count - g->recovered : 0;
}

/* Open groups first, then by count, then by fingerprint. */
static int order_of(const void *pa, const void *pb)
{
    const struct sw_tgroup *a = *(const struct sw_tgroup *const *)pa;
    const struct sw_tgroup *b = *(const struct sw_tgroup *const *)pb;
    bool ao = sw_triage_open(a) > 0, bo = sw_triage_open(b) > 0;
    if (ao != bo)
        return ao ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->fingerprint, b->fingerprint);
}

unsigned sw_triage_sorted(const struct sw_triage *T, const struct sw_tgroup **order)
{
    unsigned n = 0;
    for (unsigned i = 0; i < T->cap; i++)
        if (T->slot[i].used && T->slot[i].count > 0)
            order[n++] = &T->slot[i];
    qsort(order, n, sizeof *order, order_of);
    return n;
}

bool sw_triage_own_module(const char *module)
{
    if (module == NULL || *module == '\0')
        return true; /* unknown: keep */
    const char *base = strrchr(module, '/');
    base = base != NULL ? base + 1 : module;
    return !sw_runtime_module(module) && strncmp(base, "ld.so", 5) != 0 &&
           strncmp(base, "libstallwatch", 13) != 0 && strcmp(module, "[vdso]") != 0 &&
           strncmp(base, "linux-vdso", 10) != 0;
}
