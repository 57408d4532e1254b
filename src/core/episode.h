/* Private: the watchdog's decisions, as a pure module: which threads are stall candidates,
 * the API's promises, who is a member of a stall and which group a member joins, when a
 * wait-for cycle is a deadlock, and the bookkeeping of every episode (an episode is the life
 * of one slot word: one call, or the time since the thread last completed one).
 *
 * Pure: no clock, no I/O. The watchdog hands it what one look at each slot saw (struct
 * sw_obs) and the time; whatever else a decision needs (a descriptor's class, a thread's
 * name or CPU time, a lock's owner, another look at a slot) comes through the injected
 * struct sw_world. Out come report plans (struct sw_plan) in the order they are to be
 * written; the watchdog inspects and writes each and tells the module the outcome
 * (sw_episode_done). Runs on the watchdog thread and in unit tests (tests/unit/test_episode.c,
 * with a world made of arrays). */
#ifndef SW_EPISODE_H
#define SW_EPISODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/calls.h"
#include "core/config.h"
#include "core/kernel.h"
#include "core/policy.h"

#define SW_SCOPES_MAX  6    /* nested stallwatch_scope_begin regions tracked per thread */
#define SW_CANDS_MAX   4096 /* candidates (and lock waiters) one scan keeps; the rest wait */
#define SW_CHAIN_MAX   8    /* owners followed from a stalled thread */
#define SW_GROUPS_MAX  16   /* distinct stacks in one stall report */
#define SW_CYCLE_MAX   (SW_CHAIN_MAX * 4)
#define SW_NAME_MAX    16   /* thread names, as the kernel keeps them */

/* The bookkeeping of one slot's current episode, kept in the slot (hook/slot.h) but read and
 * written by this module only. The first cache line holds what a scan of an idle slot reads. */
struct sw_episode {
    uint64_t word;         /* the word at the last look */
    uint64_t first_ns;     /* when the watchdog first saw this word; 0: not tracking */
    uint32_t gen;          /* slot generation this state belongs to */
    uint8_t reported;      /* this episode was reported (or suppressed, or joined a group) */
    uint8_t decided;       /* cls and threshold_ns are known for this episode */
    uint8_t cls;           /* class decided for this episode */
    uint8_t subject;       /* this thread is threads[0] of report stall_report */
    uint64_t threshold_ns; /* 0: never a stall */

    /* The episode's reports. */
    uint32_t stall_report; /* number of the report this episode belongs to; 0: none */
    uint32_t repeats;      /* still-stalled reports so far */
    uint64_t next_repeat_ns;
    uint8_t unwatched; /* STALLWATCH_WATCH/IGNORE leave this thread out */
    uint8_t api;       /* the thread has made an API promise in this gen (see look_at_api) */
    uint8_t pad[2];

    /* Who holds the lock this thread waits for, and since when it is the same one. */
    pid_t edge_owner; /* 0: none known */
    uint64_t edge_since_ns;
    /* (A scan of an idle slot reads only the fields above: the first line.) */

    uintptr_t obj;           /* the episode's object, kept for the recovered report */
    uint64_t quiet_until_ns; /* no new stall before this: the one it was part of recovered */
    uint64_t fingerprint;    /* of the stall report this thread is the subject of */
    char name[SW_NAME_MAX];  /* thread name, read when the episode was decided or reported */

    /* stallwatch_heartbeat and stallwatch_scope_begin promises. */
    uint32_t hb_seen;     /* the slot's hb_count at the last look */
    uint32_t hb_report;   /* the report of the missed promise; 0: none (or not reported) */
    uint8_t hb_missed;    /* the current promise was missed (reported or suppressed) */
    uint8_t scope_missed; /* bit i: scope[i] overran (reported or suppressed) */
    uint16_t pad2;
    uint64_t hb_first_ns; /* when hb_seen was first seen; 0: not armed */
    uint32_t scope_seen[SW_SCOPES_MAX];
    uint32_t scope_report[SW_SCOPES_MAX];
    uint64_t scope_first_ns[SW_SCOPES_MAX];

    /* STALLWATCH_BUSY: two samples of the thread's CPU time (see busy_now). */
    uint64_t busy_t0_ns, busy_cpu0_ns, busy_t1_ns, busy_cpu1_ns;

    /* The kernel fallback (see look_outside): a thread outside every interposed call whose CPU
     * time stands still is looked at in the kernel, and what it waits in there (the wait) is
     * judged like a call. Reset with the episode. */
    uint64_t k_next_ns;  /* the next sample of the CPU time is due */
    uint64_t k_cpu_ns;   /* the CPU time at the samples since k_still_ns */
    uint64_t k_still_ns; /* the first sample of that CPU time; 0: no sample yet */
    uint64_t k_look_ns;  /* no look in the kernel before this */
    uint64_t k_since_ns; /* the wait's start, as far as the samples tell */
    uint64_t k_word;     /* the wait as a slot word: the slot's with the system call's row */
    uintptr_t k_obj;
    uint64_t k_threshold_ns;
    long k_nr;              /* the look that saw the wait: call number, first arguments */
    uint64_t k_arg[2];
    uint8_t k_on;           /* a wait is seen: the fields above describe it */
    uint8_t k_cls;
    uint8_t k_lock;   /* a lock whose holder is known: an edge of the wait-for graph */
    uint8_t k_signal; /* SW_KSIG_*: whether our capture signal is invisible to it */
    uint8_t pad3[4];
};

_Static_assert(offsetof(struct sw_episode, edge_since_ns) < 64, "a scan's fields: one line");

/* One consistent look at a live slot. */
struct sw_obs {
    bool exited;  /* the thread exited while the subject of a report (the slot waits for us) */
    unsigned idx; /* the slot's index in the registry */
    uint32_t gen;
    pid_t tid;
    uint64_t word; /* (entries << SW_CALL_BITS) | call */
    uintptr_t obj;
};

/* The slot's API counters, read with every look (they share the identity's cache line), and
 * its open regions, read only for a thread that has made a promise (see sw_world.scopes). */
struct sw_api_obs {
    uint32_t hb_timeout_ms; /* read before hb_count: see look_at_api */
    uint32_t hb_count;
    uint32_t depth;
    uint32_t seq[SW_SCOPES_MAX];
    uint32_t timeout_ms[SW_SCOPES_MAX];
};

/* What the decisions may ask of the world beyond the looks they are given. Every function
 * gets ctx first. */
struct sw_world {
    void *ctx;
    /* The registry: slots [0, capacity) exist; episode(idx) is slot idx's bookkeeping. */
    unsigned (*capacity)(void *ctx);
    struct sw_episode *(*episode)(void *ctx, unsigned idx);
    /* A consistent look at slot idx: false when it is not live, has no tid yet, or changed
     * while read (which is progress). */
    bool (*look)(void *ctx, unsigned idx, struct sw_obs *out);
    /* Fills seq[i] and timeout_ms[i] of slot idx for i < n. */
    void (*scopes)(void *ctx, unsigned idx, unsigned n, struct sw_api_obs *out);
    /* The class of a call whose table class is SW_CLASS_FD or SW_CLASS_PATH (disk or peer,
     * from what the descriptor or path is). */
    enum sw_class (*classify)(void *ctx, enum sw_call call, uintptr_t obj);
    /* The thread's name into out (NUL-terminated); 0 or -errno. Costs I/O: asked sparingly. */
    int (*name)(void *ctx, pid_t tid, char *out, size_t cap);
    /* The thread's CPU time; 0 or -errno. */
    int (*cpu_ns)(void *ctx, pid_t tid, uint64_t *ns);
    /* The thread of ours holding the lock (or the thread being joined) that thread tid waits
     * for in call on obj; 0: unknown. */
    pid_t (*owner)(void *ctx, pid_t tid, enum sw_call call, uintptr_t obj);
    /* What thread tid is doing in the kernel now (its state letter only when want_state);
     * 0 or -errno. Costs a read of /proc: asked once per threshold at most per thread. */
    int (*kernel)(void *ctx, pid_t tid, bool want_state, struct sw_klook *out);
    /* Holds slot idx of generation gen while its thread is the subject of an open report
     * (held), so that its exit leaves the slot to be seen exited; or lets it go, freeing it
     * if its thread has exited. */
    void (*hold)(void *ctx, unsigned idx, uint32_t gen, bool held);
};

/* A thread as a report's subject: what the watchdog needs to inspect it. */
struct sw_subject {
    unsigned idx; /* the slot */
    uint32_t gen;
    pid_t tid;
    uint64_t word; /* the slot word the decision was made on */
    uintptr_t obj; /* the call's object (when word has a call) */
    enum sw_class cls;
    uint64_t waited_ns;
    const char *name; /* the thread's name; NULL unknown */
    /* The call was seen in the kernel (the kernel fallback), not marked by a wrapper: the
     * slot's word is word without the call; ksignal (SW_KSIG_*, core/kernel.h) says whether
     * our capture signal is invisible to it. */
    bool kernel;
    uint8_t ksignal;
};

enum sw_plan_kind {
    SW_PLAN_WARM,       /* capture and symbolize the subject's stack, report nothing */
    SW_PLAN_RECOVERED,  /* the subject of a stall report left its call */
    SW_PLAN_DEADLOCK,   /* a wait-for cycle, members in order */
    SW_PLAN_STALL,      /* past its threshold: the subject and the members waiting with it */
    SW_PLAN_REPEAT,     /* reported, still stalled: a still-stalled report is due */
    SW_PLAN_HEARTBEAT,  /* a stallwatch_heartbeat promise was missed */
    SW_PLAN_HB_BACK,    /* ... and the thread beat again */
    SW_PLAN_SCOPE,      /* a stallwatch_scope_begin region overran */
    SW_PLAN_SCOPE_DONE, /* ... and ended */
    SW_PLAN_SUPPRESSED, /* the rate limit withheld reports: how many */
};

/* One report to write (or, when !allowed, to account for without writing). */
struct sw_plan {
    enum sw_plan_kind kind;
    bool allowed; /* the rate limit gave it a token */
    /* The threads, subject first: STALL its members (same call on the same object, or, for a
     * call without an object, the other candidates in the same call); DEADLOCK the cycle in
     * order; one for every other kind. */
    const struct sw_subject *members;
    unsigned nmembers;
    const pid_t *owners;   /* DEADLOCK: who each member waits for */
    bool by_object;        /* STALL: the members wait on one object (see sw_grouping_skip) */
    uint32_t stall_report; /* RECOVERED, REPEAT, HB_BACK, SCOPE_DONE: the report it follows */
    uint64_t fingerprint;  /* RECOVERED, REPEAT: the stall's */
    unsigned scope;        /* SCOPE, SCOPE_DONE: the region's depth */
    unsigned suppressed;   /* SUPPRESSED */
    /* REPEAT: the threads still stalled with the subject (the subject among them) */
    const pid_t *tids;
    unsigned ntids, count;
};

/* The decisions' state: settings, the rate limit, and what the current scan collected.
 * Large (candidates and waiters of one scan): static in the watchdog. */
struct sw_episodes {
    const struct sw_config *cfg;
    const struct sw_world *world;
    pid_t pid;                 /* the main thread's tid ("main" matches it whatever its name) */
    uint64_t min_threshold_ns; /* UINT64_MAX when every threshold is off */
    uint64_t deadlock_ns;      /* 0: deadlocks not looked for */
    uint64_t kernel_ns;        /* the kernel fallback's smallest threshold; 0: off */
    uint64_t kernel_sample_ns; /* its CPU samples' period */
    struct sw_rate rate;
    bool warmed; /* the process's one warm-up was planned */

    /* The current scan and the plan iterator: their counts here, before the arrays, so that
     * starting (sw_episodes_init) writes one page of the struct, not one per array. */
    uint64_t now_ns, excess_ns;
    bool final; /* the last look before exit: recoveries only */
    unsigned ncands, nwaiters;
    unsigned stage, pos;
    unsigned ncycles;
    struct sw_cand {
        enum sw_plan_kind kind;
        struct sw_subject su;
        uint32_t stall_report;
        uint64_t fingerprint;
        unsigned scope;
    } cands[SW_CANDS_MAX];
    struct sw_waiter {
        unsigned idx;
        uint32_t gen;
        pid_t tid;
        uint64_t word;
        uintptr_t obj;
        uint64_t waited_ns;
    } waiters[SW_CANDS_MAX];
    int next_node[SW_CANDS_MAX];
    bool in_cycle[SW_CANDS_MAX];
    bool edge_ok[SW_CANDS_MAX]; /* stable for the deadlock time */

    /* The plan iterator's arrays. */
    unsigned cycles[SW_CANDS_MAX]; /* the fresh cycles, back to back; cycle_len[k] each */
    unsigned cycle_len[SW_CANDS_MAX];
    struct sw_subject members[SW_CANDS_MAX];
    pid_t owners[SW_CYCLE_MAX];
    pid_t tids[SW_REPORT_TIDS_MAX];
};

/* Settles the settings' consequences (the smallest threshold, the deadlock time) and the rate
 * limit, starting at now_ns. */
void sw_episodes_init(struct sw_episodes *E, const struct sw_config *cfg,
                      const struct sw_world *world, pid_t pid, uint64_t now_ns);

/* The scan period for these settings (see sw_watch_period_ns), before API promises. */
uint64_t sw_episodes_base_period_ns(const struct sw_episodes *E);

/* Starts a scan at now_ns; excess_ns of oversleep is forgiven to every open episode (the
 * process was stopped). final: the last look before exit, which plans recoveries only. */
void sw_episodes_scan_begin(struct sw_episodes *E, uint64_t now_ns, uint64_t excess_ns, bool final);

/* One look at a live slot, whose bookkeeping is ep (the world's episode(o->idx), passed by the
 * scan, which has the slot at hand): records it and collects what it makes due. */
void sw_episodes_look(struct sw_episodes *E, struct sw_episode *ep, const struct sw_obs *o,
                      const struct sw_api_obs *api);

/* The next report to write, in order: the warm-up, recoveries, deadlocks, then stalls,
 * repeats and promises as their threads were seen, then the rate limit's summary. false when
 * there is none left. The plan's arrays stay valid until the next call. */
bool sw_episodes_next(struct sw_episodes *E, struct sw_plan *plan);

/* The outcome of plan: number is the report written (0: none, it was not allowed or its
 * subject moved on), fingerprint the report's, member_ok[i] whether member i was in it (NULL:
 * all). Updates the episodes of every thread the plan concerned. */
void sw_episodes_done(struct sw_episodes *E, const struct sw_plan *plan, uint32_t number,
                      uint64_t fingerprint, const bool *member_ok);

/* A subject for any live slot as it is now, for threads a report takes in besides its members
 * (owners, STALLWATCH_ALL_THREADS): its class from its call, its wait if the episode tracks the
 * same word, its name (read if unknown). false: the slot is not live. */
bool sw_episodes_subject_at(struct sw_episodes *E, unsigned idx, struct sw_subject *out);

/* Whether a thread so named is left out by STALLWATCH_WATCH/IGNORE. */
bool sw_episodes_unwatched_name(const struct sw_episodes *E, const char *name, pid_t tid);

/* ---- grouping a stall's members by stack ------------------------------------------------- */

struct sw_group {
    uint64_t fingerprint;
    unsigned entry; /* the report entry that stands for the group */
    unsigned count;
    pid_t tids[SW_REPORT_TIDS_MAX];
};

struct sw_grouping {
    struct sw_group groups[SW_GROUPS_MAX];
    unsigned ngroups;
    unsigned unread; /* members counted with the first group without reading their stacks */
};

void sw_grouping_init(struct sw_grouping *g);

/* Whether member i (0: the subject) is to be counted with the first group without reading its
 * stack: once the report's symbolization budget is spent, a member's stack would come back
 * raw, fingerprint differently and split the group. Only for members waiting on the same
 * object (by_object), and once the first group exists. */
bool sw_grouping_skip(const struct sw_grouping *g, bool by_object, unsigned i, bool budget_spent);

/* Counts a skipped member with the first group. */
void sw_grouping_count_unread(struct sw_grouping *g, pid_t tid);

/* Adds a member whose stack has fingerprint fp and whose entry in the report is entry: true
 * when it opens a new group (its entry stays), false when it joins one (same stack; or, past
 * SW_GROUPS_MAX stacks, the last), and its entry is to be dropped. */
bool sw_grouping_add(struct sw_grouping *g, uint64_t fp, pid_t tid, unsigned entry);

#endif
