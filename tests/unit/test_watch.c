/* Unit suite for the stall rule (src/watch.c), driven by an injected clock. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/watch.h"
#include "support.h"

#define MS 1000000ull
#define S  1000000000ull

static uint64_t in_call(uint64_t entries, enum sw_call call)
{
    return (entries << SW_CALL_BITS) | call;
}

START_TEST(test_outside_calls_time_since_the_last_completed_call_accumulates)
{
    struct sw_episode w = {0};
    ck_assert_uint_eq(sw_watch_observe(&w, 1, in_call(5, SW_CALL_NONE), 1 * S), 0);
    ck_assert_uint_eq(sw_watch_observe(&w, 1, in_call(5, SW_CALL_NONE), 100 * S), 99 * S);
    /* It completed another call since: progress. */
    ck_assert_uint_eq(sw_watch_observe(&w, 1, in_call(6, SW_CALL_NONE), 101 * S), 0);
}
END_TEST

START_TEST(test_same_call_accumulates_from_first_look)
{
    struct sw_episode w = {0};
    uint64_t word = in_call(7, SW_CALL_PTHREAD_MUTEX_LOCK);
    ck_assert_uint_eq(sw_watch_observe(&w, 1, word, 10 * S), 0);
    ck_assert_uint_eq(sw_watch_observe(&w, 1, word, 10 * S + 200 * MS), 200 * MS);
    ck_assert_uint_eq(sw_watch_observe(&w, 1, word, 15 * S), 5 * S);
}
END_TEST

START_TEST(test_new_entry_of_same_call_is_progress)
{
    struct sw_episode w = {0};
    sw_watch_observe(&w, 1, in_call(7, SW_CALL_READ), 1 * S);
    ck_assert_uint_eq(sw_watch_observe(&w, 1, in_call(7, SW_CALL_READ), 4 * S), 3 * S);
    /* The thread left read() and entered it again between two looks. */
    ck_assert_uint_eq(sw_watch_observe(&w, 1, in_call(8, SW_CALL_READ), 5 * S), 0);
    ck_assert_uint_eq(sw_watch_observe(&w, 1, in_call(8, SW_CALL_READ), 6 * S), 1 * S);
}
END_TEST

START_TEST(test_new_episode_clears_reported_and_decided)
{
    struct sw_episode w = {0};
    sw_watch_observe(&w, 1, in_call(1, SW_CALL_READ), 1 * S);
    w.reported = 1;
    w.decided = 1;
    w.threshold_ns = 5 * S;
    sw_watch_observe(&w, 1, in_call(1, SW_CALL_READ), 2 * S);
    ck_assert_int_eq(w.reported, 1);
    sw_watch_observe(&w, 1, in_call(2, SW_CALL_WRITE), 3 * S);
    ck_assert_int_eq(w.reported, 0);
    ck_assert_int_eq(w.decided, 0);
    ck_assert_uint_eq(w.threshold_ns, 0);
}
END_TEST

START_TEST(test_slot_reuse_starts_over)
{
    struct sw_episode w = {0};
    uint64_t word = in_call(3, SW_CALL_SEM_WAIT);
    sw_watch_observe(&w, 1, word, 1 * S);
    ck_assert_uint_eq(sw_watch_observe(&w, 1, word, 9 * S), 8 * S);
    w.reported = 1;
    /* Another thread got the slot and happens to show the same word. */
    ck_assert_uint_eq(sw_watch_observe(&w, 2, word, 10 * S), 0);
    ck_assert_int_eq(w.reported, 0);
    ck_assert_uint_eq(sw_watch_observe(&w, 2, word, 11 * S), 1 * S);
}
END_TEST

START_TEST(test_forgiven_oversleep_is_not_waiting)
{
    struct sw_episode w = {0};
    uint64_t word = in_call(1, SW_CALL_PTHREAD_MUTEX_LOCK);
    sw_watch_observe(&w, 1, word, 1 * S);
    sw_watch_forgive(&w, 3 * S); /* the process was stopped for 3 s */
    ck_assert_uint_eq(sw_watch_observe(&w, 1, word, 4 * S + 500 * MS), 500 * MS);
}
END_TEST

START_TEST(test_forgive_ignores_slots_never_looked_at)
{
    struct sw_episode w = {0};
    sw_watch_forgive(&w, 3 * S);
    ck_assert_uint_eq(w.first_ns, 0);
}
END_TEST

START_TEST(test_new_episode_forgets_the_last_ones_report_and_lock_edge)
{
    struct sw_episode w = {0};
    sw_watch_observe(&w, 1, in_call(1, SW_CALL_PTHREAD_MUTEX_LOCK), 1 * S);
    w.stall_report = 7;
    w.subject = 1;
    w.repeats = 2;
    w.edge_owner = 1234;
    w.fingerprint = 99;
    sw_watch_observe(&w, 1, in_call(2, SW_CALL_NONE), 2 * S);
    ck_assert_uint_eq(w.stall_report, 0);
    ck_assert_uint_eq(w.subject, 0);
    ck_assert_uint_eq(w.repeats, 0);
    ck_assert_int_eq(w.edge_owner, 0);
    ck_assert_uint_eq(w.fingerprint, 0);
}
END_TEST

START_TEST(test_excess_tolerates_scheduling_delay)
{
    uint64_t p = 200 * MS;
    ck_assert_uint_eq(sw_watch_excess_ns(p, p), 0);
    ck_assert_uint_eq(sw_watch_excess_ns(p, p + 900 * MS), 0);
    ck_assert_uint_eq(sw_watch_excess_ns(p, 3 * p + 1 * S), 0);
    ck_assert_uint_eq(sw_watch_excess_ns(p, 3 * S + p), 3 * S);
}
END_TEST

START_TEST(test_period_is_a_25th_of_the_threshold_within_bounds)
{
    ck_assert_uint_eq(sw_watch_period_ns(5 * S), 200 * MS);
    ck_assert_uint_eq(sw_watch_period_ns(1 * S), 40 * MS);
    ck_assert_uint_eq(sw_watch_period_ns(60 * S), 200 * MS);
    ck_assert_uint_eq(sw_watch_period_ns(50 * MS), 5 * MS);
}
END_TEST

static void config_with(struct sw_config *c, const char *const *env)
{
    sw_config_parse(c, (char *const *)env, "prog", NULL, NULL);
}

START_TEST(test_min_threshold_covers_classes_and_heartbeat)
{
    struct sw_config c;
    const char *env1[] = {"STALLWATCH_THRESHOLD=5s", "STALLWATCH_IDLE=2s", NULL};
    config_with(&c, env1);
    ck_assert_uint_eq(sw_watch_min_threshold_ns(&c), 2 * S);
    const char *env2[] = {"STALLWATCH_THRESHOLD=1s", "STALLWATCH_LOCK=3s", "STALLWATCH_DISK=4s",
                          "STALLWATCH_LOOKUP=5s", "STALLWATCH_COLLECTIVE=6s", NULL};
    config_with(&c, env2);
    ck_assert_uint_eq(sw_watch_min_threshold_ns(&c), 3 * S);
    const char *env3[] = {"STALLWATCH_THRESHOLD=1s", "STALLWATCH_LOCK=3s", "STALLWATCH_DISK=4s",
                          "STALLWATCH_LOOKUP=5s", "STALLWATCH_COLLECTIVE=6s",
                          "STALLWATCH_HEARTBEAT=main", NULL};
    config_with(&c, env3);
    ck_assert_uint_eq(sw_watch_min_threshold_ns(&c), 1 * S);
    const char *env4[] = {"STALLWATCH_THRESHOLD=off", NULL};
    config_with(&c, env4);
    ck_assert_uint_eq(sw_watch_min_threshold_ns(&c), 0);
}
END_TEST

START_TEST(test_heartbeat_tightens_every_class_to_the_base_threshold)
{
    struct sw_config c;
    const char *env[] = {"STALLWATCH_THRESHOLD=2s", "STALLWATCH_LOCK=10s", NULL};
    config_with(&c, env);
    ck_assert_uint_eq(sw_watch_threshold_ns(&c, SW_CLASS_LOCK, false, true), 10 * S);
    ck_assert_uint_eq(sw_watch_threshold_ns(&c, SW_CLASS_LOCK, true, true), 2 * S);
    ck_assert_uint_eq(sw_watch_threshold_ns(&c, SW_CLASS_PEER, false, true), 0);
    ck_assert_uint_eq(sw_watch_threshold_ns(&c, SW_CLASS_PEER, true, true), 2 * S);
    ck_assert_uint_eq(sw_watch_threshold_ns(&c, SW_CLASS_IDLE, true, true), 2 * S);
}
END_TEST

START_TEST(test_unwatched_thread_is_never_a_stall)
{
    struct sw_config c;
    const char *env[] = {"STALLWATCH_THRESHOLD=2s", NULL};
    config_with(&c, env);
    ck_assert_uint_eq(sw_watch_threshold_ns(&c, SW_CLASS_LOCK, false, false), 0);
    ck_assert_uint_eq(sw_watch_threshold_ns(&c, SW_CLASS_LOCK, true, false), 0);
}
END_TEST

/* The whole rule as the watchdog applies it: scans every period; the report is due at the
 * first scan where the observed wait reaches the threshold. Wherever in the period the call
 * began, the report comes no later than threshold + 10% + 100 ms after it began. */
START_TEST(test_detection_deadline_holds_for_any_phase)
{
    const uint64_t thresholds[] = {100 * MS, 250 * MS, 1 * S, 5 * S, 60 * S};
    for (unsigned k = 0; k < sizeof thresholds / sizeof thresholds[0]; k++) {
        uint64_t t = thresholds[k], p = sw_watch_period_ns(t);
        for (uint64_t phase = 0; phase < p; phase += p / 7 + 1) {
            struct sw_episode w = {0};
            uint64_t begin = 10 * S + phase, word = in_call(1, SW_CALL_PTHREAD_MUTEX_LOCK);
            uint64_t reported_at = 0;
            for (uint64_t now = 10 * S; now < begin + 2 * t + S; now += p) {
                uint64_t waited = now >= begin ? sw_watch_observe(&w, 1, word, now)
                                               : sw_watch_observe(&w, 1, 0, now);
                if (waited >= t) {
                    reported_at = now;
                    break;
                }
            }
            ck_assert_uint_ne(reported_at, 0);
            ck_assert_uint_ge(reported_at - begin, t);
            ck_assert_uint_le(reported_at - begin, t + t / 10 + 100 * MS);
        }
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("watch");
    TCase *tc = tcase_create("rule");
    tcase_add_test(tc, test_outside_calls_time_since_the_last_completed_call_accumulates);
    tcase_add_test(tc, test_same_call_accumulates_from_first_look);
    tcase_add_test(tc, test_new_entry_of_same_call_is_progress);
    tcase_add_test(tc, test_new_episode_clears_reported_and_decided);
    tcase_add_test(tc, test_slot_reuse_starts_over);
    tcase_add_test(tc, test_forgiven_oversleep_is_not_waiting);
    tcase_add_test(tc, test_forgive_ignores_slots_never_looked_at);
    tcase_add_test(tc, test_new_episode_forgets_the_last_ones_report_and_lock_edge);
    tcase_add_test(tc, test_excess_tolerates_scheduling_delay);
    tcase_add_test(tc, test_period_is_a_25th_of_the_threshold_within_bounds);
    tcase_add_test(tc, test_min_threshold_covers_classes_and_heartbeat);
    tcase_add_test(tc, test_heartbeat_tightens_every_class_to_the_base_threshold);
    tcase_add_test(tc, test_unwatched_thread_is_never_a_stall);
    tcase_add_test(tc, test_detection_deadline_holds_for_any_phase);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
