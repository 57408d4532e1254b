/* Unit suite for the life of a stall in the log (src/policy.c): the still-stalled back-off and
 * the reports-per-minute limit, on an injected clock. */
#include <check.h>

#include "core/policy.h"
#include "support.h"

#define S   1000000000ull
#define MIN (60 * S)
#define H   (3600 * S)

START_TEST(test_repeat_doubles_from_the_setting)
{
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(1 * MIN, 0), 1 * MIN);
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(1 * MIN, 1), 2 * MIN);
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(1 * MIN, 2), 4 * MIN);
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(1 * MIN, 5), 32 * MIN);
}
END_TEST

START_TEST(test_repeat_is_capped_at_an_hour)
{
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(1 * MIN, 6), H);
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(1 * MIN, 1000), H);
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(1 * MIN, UINT32_MAX), H);
}
END_TEST

START_TEST(test_repeat_longer_than_an_hour_stays_as_set)
{
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(2 * H, 0), 2 * H);
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(2 * H, 3), 2 * H);
}
END_TEST

START_TEST(test_repeat_off_reports_once)
{
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(0, 0), 0);
    ck_assert_uint_eq(sw_policy_repeat_delay_ns(0, 7), 0);
}
END_TEST

/* The schedule a stall lives by: still-stalled at 1, 3, 7, 15... minutes after the first. */
START_TEST(test_repeat_schedule_over_a_day)
{
    uint64_t t = 0;
    unsigned reports = 0;
    for (uint32_t r = 0; t < 24 * H; r++) {
        t += sw_policy_repeat_delay_ns(1 * MIN, r);
        if (t < 24 * H)
            reports++;
    }
    /* 1+2+4+8+16+32 = 63 minutes for 6 repeats, then hourly: 6 + 22. */
    ck_assert_uint_eq(reports, 6 + 22);
}
END_TEST

START_TEST(test_rate_allows_the_budget_then_suppresses)
{
    struct sw_rate r;
    sw_rate_init(&r, 30, 1000 * S);
    for (int i = 0; i < 30; i++)
        ck_assert(sw_rate_take(&r, 1000 * S));
    ck_assert(!sw_rate_take(&r, 1000 * S));
    ck_assert(!sw_rate_take(&r, 1000 * S));
    ck_assert_uint_eq(r.suppressed, 2);
}
END_TEST

START_TEST(test_rate_refills_continuously)
{
    struct sw_rate r;
    sw_rate_init(&r, 30, 0);
    for (int i = 0; i < 30; i++)
        sw_rate_take(&r, 0);
    ck_assert(!sw_rate_take(&r, 1 * S));
    /* 30 a minute: one every 2 s. */
    ck_assert(sw_rate_take(&r, 2 * S));
    ck_assert(!sw_rate_take(&r, 3 * S));
    ck_assert(sw_rate_take(&r, 4 * S));
}
END_TEST

START_TEST(test_rate_never_exceeds_the_budget_in_any_minute)
{
    struct sw_rate r;
    sw_rate_init(&r, 10, 0);
    /* A report attempt every 100 ms for ten minutes: no window of 60 s holds more than
     * 10 + 10 (the bucket's start plus what it refills in the window). */
    static uint64_t allowed_at[6000];
    unsigned n = 0;
    for (uint64_t t = 0; t < 600 * S; t += S / 10)
        if (sw_rate_take(&r, t))
            allowed_at[n++] = t;
    for (unsigned i = 0; i < n; i++) {
        unsigned in_window = 0;
        for (unsigned j = i; j < n && allowed_at[j] < allowed_at[i] + MIN; j++)
            in_window++;
        ck_assert_uint_le(in_window, 20);
    }
    /* Over ten minutes the average is the rate: 10 a minute (and the first minute's 10). */
    ck_assert_uint_ge(n, 100);
    ck_assert_uint_le(n, 111);
}
END_TEST

START_TEST(test_summary_comes_when_a_token_is_back_and_counts_once)
{
    struct sw_rate r;
    sw_rate_init(&r, 6, 0);
    for (int i = 0; i < 6; i++)
        sw_rate_take(&r, 0);
    for (int i = 0; i < 5; i++)
        ck_assert(!sw_rate_take(&r, 1 * S));
    ck_assert_uint_eq(sw_rate_summary_due(&r, 2 * S), 0); /* no token yet: 1 per 10 s */
    ck_assert_uint_eq(sw_rate_summary_due(&r, 10 * S), 5);
    ck_assert_uint_eq(sw_rate_summary_due(&r, 100 * S), 0); /* said once */
    ck_assert_uint_eq(r.suppressed, 0);
}
END_TEST

START_TEST(test_no_limit_never_suppresses)
{
    struct sw_rate r;
    sw_rate_init(&r, 0, 0);
    for (int i = 0; i < 100000; i++)
        ck_assert(sw_rate_take(&r, 0));
    ck_assert_uint_eq(sw_rate_summary_due(&r, 0), 0);
}
END_TEST

static Suite *policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("policy");
    tcase_add_test(tc, test_repeat_doubles_from_the_setting);
    tcase_add_test(tc, test_repeat_is_capped_at_an_hour);
    tcase_add_test(tc, test_repeat_longer_than_an_hour_stays_as_set);
    tcase_add_test(tc, test_repeat_off_reports_once);
    tcase_add_test(tc, test_repeat_schedule_over_a_day);
    tcase_add_test(tc, test_rate_allows_the_budget_then_suppresses);
    tcase_add_test(tc, test_rate_refills_continuously);
    tcase_add_test(tc, test_rate_never_exceeds_the_budget_in_any_minute);
    tcase_add_test(tc, test_summary_comes_when_a_token_is_back_and_counts_once);
    tcase_add_test(tc, test_no_limit_never_suppresses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(policy_suite());
}
