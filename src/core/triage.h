/* Private: `stallwatch triage`'s bookkeeping: reports of many processes and hosts folded into
 * one group per fingerprint (the event that opened it, how often, where, when, how many
 * recovered and how many are still open, the longest wait, thread names and the first frames
 * of the program's own code). Memory is the caller's: a table of groups it grows when
 * sw_triage_add says so, so what a run holds is bounded by the number of groups, never by the
 * number of reports. Pure; any context. */
#ifndef SW_TRIAGE_H
#define SW_TRIAGE_H

#include <stdbool.h>
#include <stdint.h>

#define SW_TRIAGE_SET_MAX    8 /* hosts, processes, threads kept per group (then "more") */
#define SW_TRIAGE_FRAMES_MAX 5

struct sw_tframe {
    char function[128], file[160], module[160];
    unsigned line;
};

/* What one report line says, as the caller read it. */
struct sw_tevent {
    const char *event;       /* "stall", "deadlock", "still-stalled", "recovered", "dump"... */
    const char *fingerprint; /* NULL: not groupable (dump, suppressed) */
    const char *host, *process, *time; /* NULL unknown; time is ISO 8601 UTC */
    uint64_t waited_ms;      /* the longest of its threads' */
    const char *threads[SW_TRIAGE_SET_MAX];
    unsigned nthreads;
    const struct sw_tframe *frames; /* the program's own, innermost first */
    unsigned nframes;
};

struct sw_tset {
    char item[SW_TRIAGE_SET_MAX][72];
    unsigned n;
    bool more; /* items beyond SW_TRIAGE_SET_MAX were seen */
};

struct sw_tgroup {
    bool used;
    char fingerprint[17];
    char event[16];            /* the event that opened it: stall or deadlock */
    uint64_t count;            /* stall and deadlock reports */
    uint64_t recovered;        /* recovered reports of the same fingerprint */
    char first[32], last[32];  /* times of its reports, earliest and latest */
    uint64_t longest_wait_ms;
    struct sw_tset hosts, processes, threads;
    struct sw_tframe frames[SW_TRIAGE_FRAMES_MAX];
    unsigned nframes;
};

struct sw_triage {
    struct sw_tgroup *slot; /* a hash table of cap slots (a power of two) */
    unsigned cap, n;
    uint64_t reports, skipped;
};

/* Starts with the caller's table (cap a power of two, every slot zeroed). */
void sw_triage_init(struct sw_triage *T, struct sw_tgroup *table, unsigned cap);

/* Folds one report in. false when the table must grow first (it is over three quarters
 * full): the caller moves it with sw_triage_rehash and adds the event again. */
bool sw_triage_add(struct sw_triage *T, const struct sw_tevent *e);

/* Moves every group into a bigger zeroed table (cap a power of two). */
void sw_triage_rehash(struct sw_triage *T, struct sw_tgroup *table, unsigned cap);

/* The groups in the order a person reads them: open ones first, then by count, then by
 * fingerprint, into order (room for T->n pointers into the table); returns how many. A
 * fingerprint seen only in repeats and recoveries (its stall report was not among the inputs)
 * is kept to count them but is no group of its own. */
unsigned sw_triage_sorted(const struct sw_triage *T, const struct sw_tgroup **order);

/* The number of a group's stalls still open: count - recovered, never below 0. */
uint64_t sw_triage_open(const struct sw_tgroup *g);

/* Whether a frame of module is the program's own code (not the C library, the dynamic
 * loader, libpthread, the kernel's vDSO or the shim). */
bool sw_triage_own_module(const char *module);

#endif
