/* Unit suite for triage's grouping (src/core/triage.c): one group per fingerprint, counts,
 * recovered and open, hosts, times, the longest wait, growth, order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/triage.h"
#include "support.h"

static struct sw_triage T;

static void setup(void)
{
    sw_triage_init(&T, calloc(4, sizeof(struct sw_tgroup)), 4);
}

static void teardown(void)
{
    free(T.slot);
}

static void add(const char *event, const char *fp, const char *host, const char *time,
                uint64_t waited)
{
    struct sw_tframe f = {"take_b_after_a", "abba.c", "/bin/abba", 17};
    struct sw_tevent e = {event, fp, host, "abba", time, waited, {"worker-a", "worker-b"}, 2,
                          &f, 1};
    while (!sw_triage_add(&T, &e)) {
        unsigned cap = T.cap * 2;
        struct sw_tgroup *old = T.slot;
        sw_triage_rehash(&T, calloc(cap, sizeof *old), cap);
        free(old);
    }
}

static const struct sw_tgroup *group(const char *fp)
{
    for (unsigned i = 0; i < T.cap; i++)
        if (T.slot[i].used && strcmp(T.slot[i].fingerprint, fp) == 0)
            return &T.slot[i];
    return NULL;
}

START_TEST(test_reports_of_one_hang_on_many_hosts_are_one_group)
{
    add("deadlock", "aaaa", "node1", "2026-12-04T10:00:02.000Z", 1000);
    add("deadlock", "aaaa", "node2", "2026-12-04T10:00:01.000Z", 1200);
    add("still-stalled", "aaaa", "node1", "2026-12-04T10:01:02.000Z", 61000);
    add("deadlock", "aaaa", "node1", "2026-12-04T10:00:03.000Z", 900);
    ck_assert_uint_eq(T.n, 1);
    const struct sw_tgroup *g = group("aaaa");
    ck_assert_str_eq(g->event, "deadlock");
    ck_assert_uint_eq(g->count, 3); /* still-stalled repeats a report, it is no new hang */
    ck_assert_uint_eq(g->hosts.n, 2);
    ck_assert_str_eq(g->first, "2026-12-04T10:00:01.000Z");
    ck_assert_str_eq(g->last, "2026-12-04T10:01:02.000Z");
    ck_assert_uint_eq(g->longest_wait_ms, 61000);
    ck_assert_uint_eq(g->threads.n, 2);
    ck_assert_uint_eq(g->nframes, 1);
    ck_assert_str_eq(g->frames[0].function, "take_b_after_a");
}
END_TEST

START_TEST(test_recoveries_close_stalls_and_make_no_group_of_their_own)
{
    add("stall", "bbbb", "n", "t1", 5000);
    add("stall", "bbbb", "n", "t2", 5000);
    add("recovered", "bbbb", "n", "t3", 7000);
    ck_assert_uint_eq(T.n, 1);
    const struct sw_tgroup *g = group("bbbb");
    ck_assert_uint_eq(g->count, 2);
    ck_assert_uint_eq(g->recovered, 1);
    ck_assert_uint_eq(sw_triage_open(g), 1);
    add("recovered", "bbbb", "n", "t4", 5000);
    add("recovered", "bbbb", "n", "t5", 5000); /* more than opened (an earlier file missing) */
    ck_assert_uint_eq(sw_triage_open(g), 0);
    ck_assert_str_eq(g->event, "stall");
}
END_TEST

START_TEST(test_dumps_and_reports_without_fingerprint_are_counted_not_grouped)
{
    add("dump", NULL, "n", "t", 0);
    add("suppressed", "", "n", "t", 0);
    ck_assert_uint_eq(T.n, 0);
    ck_assert_uint_eq(T.reports, 2);
}
END_TEST

START_TEST(test_the_table_grows_and_keeps_every_group)
{
    char fp[17];
    for (unsigned i = 0; i < 100; i++) {
        snprintf(fp, sizeof fp, "%016x", i * 2654435761u);
        add(i % 2 ? "stall" : "deadlock", fp, "n", "t", i);
        if (i % 3 == 0)
            add("recovered", fp, "n", "t", i);
    }
    ck_assert_uint_eq(T.n, 100);
    ck_assert_uint_ge(T.cap, 128);
    snprintf(fp, sizeof fp, "%016x", 99 * 2654435761u);
    ck_assert_uint_eq(group(fp)->longest_wait_ms, 99);
    const struct sw_tgroup *order[100];
    ck_assert_uint_eq(sw_triage_sorted(&T, order), 100);
    /* Open groups first. */
    bool seen_closed = false;
    for (unsigned i = 0; i < 100; i++) {
        bool open = sw_triage_open(order[i]) > 0;
        ck_assert(!(open && seen_closed));
        seen_closed |= !open;
    }
}
END_TEST

START_TEST(test_repeats_and_recoveries_without_their_stall_make_no_group)
{
    add("recovered", "dddd", "n", "t1", 5000);
    add("still-stalled", "dddd", "n", "t0", 4000);
    add("stall", "eeee", "n", "t0", 1000);
    const struct sw_tgroup *order[4];
    ck_assert_uint_eq(sw_triage_sorted(&T, order), 1);
    ck_assert_str_eq(order[0]->fingerprint, "eeee");
    /* The stall read later still finds its recovery counted. */
    add("stall", "dddd", "n", "t0", 1000);
    ck_assert_uint_eq(sw_triage_sorted(&T, order), 2);
    ck_assert_uint_eq(sw_triage_open(group("dddd")), 0);
}
END_TEST

START_TEST(test_sets_keep_a_few_and_say_there_are_more)
{
    char host[16];
    for (unsigned i = 0; i < 20; i++) {
        snprintf(host, sizeof host, "node%u", i);
        add("stall", "cccc", host, "t", 0);
    }
    const struct sw_tgroup *g = group("cccc");
    ck_assert_uint_eq(g->hosts.n, SW_TRIAGE_SET_MAX);
    ck_assert(g->hosts.more);
}
END_TEST

START_TEST(test_library_frames_are_not_the_programs_own)
{
    ck_assert(!sw_triage_own_module("/usr/lib/x86_64-linux-gnu/libc.so.6"));
    ck_assert(!sw_triage_own_module("/lib64/ld-linux-x86-64.so.2"));
    ck_assert(!sw_triage_own_module("/usr/lib/stallwatch/libstallwatch.so"));
    ck_assert(!sw_triage_own_module("[vdso]"));
    ck_assert(!sw_triage_own_module("linux-vdso.so.1"));
    ck_assert(sw_triage_own_module("/usr/bin/redis-server"));
    ck_assert(sw_triage_own_module("/opt/app/libcore.so"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("triage");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reports_of_one_hang_on_many_hosts_are_one_group);
    tcase_add_test(tc, test_recoveries_close_stalls_and_make_no_group_of_their_own);
    tcase_add_test(tc, test_dumps_and_reports_without_fingerprint_are_counted_not_grouped);
    tcase_add_test(tc, test_the_table_grows_and_keeps_every_group);
    tcase_add_test(tc, test_repeats_and_recoveries_without_their_stall_make_no_group);
    tcase_add_test(tc, test_sets_keep_a_few_and_say_there_are_more);
    tcase_add_test(tc, test_library_frames_are_not_the_programs_own);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
