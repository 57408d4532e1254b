/* The stall rule. Pure; called by the watchdog thread and by unit tests. */
#include "core/watch.h"

#include <string.h>

#define MS 1000000ull

uint64_t sw_watch_observe(struct sw_episode *w, uint32_t gen, uint64_t word, uint64_t now_ns)
{
    if (w->gen != gen) {
        memset(w, 0, sizeof *w);
        w->gen = gen;
    }
    if (word != w->word || w->first_ns == 0) {
        w->word = word;
        w->first_ns = now_ns;
        w->reported = 0;
        w->decided = 0;
        w->subject = 0;
        w->threshold_ns = 0;
        w->stall_report = 0;
        w->repeats = 0;
        w->next_repeat_ns = 0;
        w->fingerprint = 0;
        w->edge_owner = 0;
        w->edge_since_ns = 0;
        w->busy_t0_ns = w->busy_t1_ns = 0;
        w->quiet_until_ns = 0;
        w->busy_cpu0_ns = w->busy_cpu1_ns = 0;
        w->k_next_ns = w->k_still_ns = w->k_look_ns = 0;
        w->k_on = 0;
        return 0;
    }
    return now_ns > w->first_ns ? now_ns - w->first_ns : 0;
}

void sw_watch_forgive(struct sw_episode *w, uint64_t excess_ns)
{
    if (w->first_ns != 0)
        w->first_ns += excess_ns;
}

uint64_t sw_watch_min_threshold_ns(const struct sw_config *cfg)
{
    uint64_t min = 0;
    for (int c = SW_CLASS_LOCK; c < SW_CLASS_COUNT; c++)
        if (cfg->class_ns[c] != 0 && (min == 0 || cfg->class_ns[c] < min))
            min = cfg->class_ns[c];
    if (cfg->heartbeat.n > 0 && cfg->threshold_ns != 0 && (min == 0 || cfg->threshold_ns < min))
        min = cfg->threshold_ns;
    return min;
}

uint64_t sw_watch_period_ns(uint64_t min_threshold_ns)
{
    uint64_t p = min_threshold_ns / 25;
    if (p < 5 * MS)
        p = 5 * MS;
    if (p > 200 * MS)
        p = 200 * MS;
    return p;
}

uint64_t sw_watch_excess_ns(uint64_t period_ns, uint64_t actual_ns)
{
    uint64_t tolerated = period_ns + 1000 * MS + 2 * period_ns;
    return actual_ns > tolerated ? actual_ns - period_ns : 0;
}

uint64_t sw_watch_threshold_ns(const struct sw_config *cfg, enum sw_class cls, bool heartbeat,
                               bool watched)
{
    if (!watched || cls <= SW_CLASS_NONE || cls >= SW_CLASS_COUNT)
        return 0;
    uint64_t t = cfg->class_ns[cls];
    if (heartbeat && cfg->threshold_ns != 0 && (t == 0 || cfg->threshold_ns < t))
        t = cfg->threshold_ns;
    return t;
}
