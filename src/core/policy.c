/* The still-stalled back-off and the rate limit. Pure; watchdog thread and unit tests. */
#include "core/policy.h"

/* One report's worth of tokens: refilling per_min reports per minute means adding per_min
 * tokens per nanosecond in these units, with no rounding. */
#define TOKEN (60ull * 1000000000ull)

uint64_t sw_policy_repeat_delay_ns(uint64_t first_ns, uint32_t repeats)
{
    if (first_ns == 0)
        return 0;
    if (first_ns >= SW_REPEAT_CAP_NS)
        return first_ns;
    uint64_t d = first_ns;
    for (uint32_t i = 0; i < repeats && d < SW_REPEAT_CAP_NS; i++)
        d *= 2;
    return d < SW_REPEAT_CAP_NS ? d : SW_REPEAT_CAP_NS;
}

void sw_rate_init(struct sw_rate *r, unsigned per_min, uint64_t now_ns)
{
    r->per_min = per_min;
    r->tokens = (uint64_t)per_min * TOKEN;
    r->last_ns = now_ns;
    r->suppressed = 0;
}

static void refill(struct sw_rate *r, uint64_t now_ns)
{
    uint64_t cap = (uint64_t)r->per_min * TOKEN;
    if (now_ns > r->last_ns) {
        uint64_t dt = now_ns - r->last_ns;
        /* dt * per_min overflows only past ~5,800 years / per_min: cap it first. */
        uint64_t add = dt >= TOKEN ? cap : dt * r->per_min;
        r->tokens = cap - r->tokens <= add ? cap : r->tokens + add;
    }
    r->last_ns = now_ns;
}

bool sw_rate_take(struct sw_rate *r, uint64_t now_ns)
{
    if (r->per_min == 0)
        return true;
    refill(r, now_ns);
    if (r->tokens >= TOKEN) {
        r->tokens -= TOKEN;
        return true;
    }
    r->suppressed++;
    return false;
}

unsigned sw_rate_summary_due(struct sw_rate *r, uint64_t now_ns)
{
    if (r->suppressed == 0 || r->per_min == 0)
        return 0;
    refill(r, now_ns);
    if (r->tokens < TOKEN)
        return 0;
    r->tokens -= TOKEN;
    unsigned n = r->suppressed;
    r->suppressed = 0;
    return n;
}
