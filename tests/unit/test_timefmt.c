/* Unit tests for timefmt.c: civil dates from Unix seconds and ISO 8601 timestamps. Runs as a
 * standalone Check program; exits nonzero if any test fails. glibc's gmtime_r serves as the
 * reference where its range allows (tests may lock; the code under test may not). */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"
#include "support.h"

/* ck_assert records every passed assertion through a pipe; loops only call Check on failure. */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

static void check_civil(int64_t t, int y, int mo, int d, int h, int mi, int s)
{
    struct sw_civil c;

    sw_civil_from_unix(t, &c);
    REQUIRE(c.year == y && c.month == mo && c.day == d && c.hour == h && c.min == mi && c.sec == s,
            "%lld: got %d-%02d-%02d %02d:%02d:%02d, want %d-%02d-%02d %02d:%02d:%02d", (long long)t,
            c.year, c.month, c.day, c.hour, c.min, c.sec, y, mo, d, h, mi, s);
}

static const char *iso(uint64_t ns)
{
    static char out[32];

    memset(out, 'x', sizeof(out));
    sw_time_iso8601(ns, out);
    return out;
}

START_TEST(test_epoch_is_1970_01_01_midnight)
{
    check_civil(0, 1970, 1, 1, 0, 0, 0);
}
END_TEST

START_TEST(test_one_second_before_epoch_is_1969_12_31_23_59_59)
{
    check_civil(-1, 1969, 12, 31, 23, 59, 59);
    check_civil(-86400, 1969, 12, 31, 0, 0, 0);
    check_civil(-86401, 1969, 12, 30, 23, 59, 59);
}
END_TEST

START_TEST(test_leap_day_2000_02_29_exists)
{
    check_civil(951782400, 2000, 2, 29, 0, 0, 0);
    check_civil(951868799, 2000, 2, 29, 23, 59, 59);
    check_civil(951868800, 2000, 3, 1, 0, 0, 0);
}
END_TEST

START_TEST(test_century_years_are_not_leap_unless_divisible_by_400)
{
    check_civil(-2203891200 - 86400, 1900, 2, 28, 0, 0, 0); /* 1900-03-01 minus a day */
    check_civil(-2203891200, 1900, 3, 1, 0, 0, 0);
    check_civil(4107542400, 2100, 3, 1, 0, 0, 0);
    check_civil(4107542400 - 1, 2100, 2, 28, 23, 59, 59);
}
END_TEST

START_TEST(test_2038_rollover_is_just_another_second)
{
    check_civil(2147483647, 2038, 1, 19, 3, 14, 7);
    check_civil(2147483648, 2038, 1, 19, 3, 14, 8);
    check_civil(4294967296, 2106, 2, 7, 6, 28, 16);
}
END_TEST

START_TEST(test_proleptic_years_zero_and_negative)
{
    check_civil(-62167219200, 0, 1, 1, 0, 0, 0);  /* 0000-01-01, a leap year */
    check_civil(-62162121600, 0, 2, 29, 0, 0, 0); /* 0000-01-01 + 59 days */
    check_civil(-62162121600 + 86400, 0, 3, 1, 0, 0, 0);
    check_civil(-62167219200 - 1, -1, 12, 31, 23, 59, 59);
}
END_TEST

START_TEST(test_matches_gmtime_every_day_from_year_minus_2000_to_6000)
{
    for (int64_t day = -1456000; day <= 1471000; day++) {
        int64_t t = day * 86400 + (day * 7919) % 86400 * (day < 0 ? -1 : 1);
        time_t tt = (time_t)t;
        struct tm tm;
        struct sw_civil c;

        REQUIRE(gmtime_r(&tt, &tm) != NULL, "gmtime_r failed");
        sw_civil_from_unix(t, &c);
        REQUIRE(c.year == tm.tm_year + 1900 && c.month == tm.tm_mon + 1 && c.day == tm.tm_mday &&
                    c.hour == tm.tm_hour && c.min == tm.tm_min && c.sec == tm.tm_sec,
                "mismatch at %lld", (long long)t);
    }
}
END_TEST

START_TEST(test_extreme_seconds_give_in_range_fields)
{
    int64_t ts[] = {INT64_MIN,         INT64_MIN + 1,      INT64_MAX,
                    INT64_MAX - 86399, -67768040609740800, 67767976233316800};
    for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
        struct sw_civil c;
        sw_civil_from_unix(ts[i], &c);
        REQUIRE(c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= 31 && c.hour >= 0 &&
                    c.hour < 24 && c.min >= 0 && c.min < 60 && c.sec >= 0 && c.sec < 60,
                "field out of range for %lld", (long long)ts[i]);
    }
}
END_TEST

START_TEST(test_years_beyond_int_saturate)
{
    struct sw_civil c;

    sw_civil_from_unix(INT64_MAX, &c);
    ck_assert_int_eq(c.year, INT_MAX);
    sw_civil_from_unix(INT64_MIN, &c);
    ck_assert_int_eq(c.year, INT_MIN);
}
END_TEST

START_TEST(test_iso8601_has_millis_and_z)
{
    ck_assert_str_eq(iso(1795761340123000000u), "2026-11-27T06:35:40.123Z");
    ck_assert_uint_eq(strlen(iso(0)), 24);
}
END_TEST

START_TEST(test_iso8601_epoch)
{
    ck_assert_str_eq(iso(0), "1970-01-01T00:00:00.000Z");
}
END_TEST

START_TEST(test_iso8601_truncates_to_milliseconds)
{
    ck_assert_str_eq(iso(999999999), "1970-01-01T00:00:00.999Z");
    ck_assert_str_eq(iso(1000999999), "1970-01-01T00:00:01.000Z");
    ck_assert_str_eq(iso(951868799999999999u), "2000-02-29T23:59:59.999Z");
}
END_TEST

START_TEST(test_iso8601_largest_input_is_year_2554)
{
    ck_assert_str_eq(iso(UINT64_MAX), "2554-07-21T23:34:33.709Z");
}
END_TEST

START_TEST(test_iso8601_matches_strftime_for_random_instants)
{
    uint64_t x = 88172645463325252u;

    for (int i = 0; i < 200000; i++) {
        char want[64], ms[8];
        struct tm tm;
        time_t tt;
        uint64_t ns;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ns = x;
        tt = (time_t)(ns / 1000000000u);
        gmtime_r(&tt, &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
        ms[0] = '.';
        ms[1] = (char)('0' + ns / 100000000u % 10);
        ms[2] = (char)('0' + ns / 10000000u % 10);
        ms[3] = (char)('0' + ns / 1000000u % 10);
        ms[4] = 'Z';
        ms[5] = 0;
        strcat(want, ms);
        REQUIRE(strcmp(iso(ns), want) == 0, "%s != %s", iso(ns), want);
    }
}
END_TEST

START_TEST(test_timefmt_never_touches_errno)
{
    struct sw_civil c;
    char out[32];

    errno = 77;
    sw_civil_from_unix(-123456789, &c);
    sw_time_iso8601(123456789, out);
    ck_assert_int_eq(errno, 77);
}
END_TEST

static Suite *timefmt_suite(void)
{
    Suite *s = suite_create("timefmt");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_epoch_is_1970_01_01_midnight);
    tcase_add_test(tc, test_one_second_before_epoch_is_1969_12_31_23_59_59);
    tcase_add_test(tc, test_leap_day_2000_02_29_exists);
    tcase_add_test(tc, test_century_years_are_not_leap_unless_divisible_by_400);
    tcase_add_test(tc, test_2038_rollover_is_just_another_second);
    tcase_add_test(tc, test_proleptic_years_zero_and_negative);
    tcase_add_test(tc, test_matches_gmtime_every_day_from_year_minus_2000_to_6000);
    tcase_add_test(tc, test_extreme_seconds_give_in_range_fields);
    tcase_add_test(tc, test_years_beyond_int_saturate);
    tcase_add_test(tc, test_iso8601_has_millis_and_z);
    tcase_add_test(tc, test_iso8601_epoch);
    tcase_add_test(tc, test_iso8601_truncates_to_milliseconds);
    tcase_add_test(tc, test_iso8601_largest_input_is_year_2554);
    tcase_add_test(tc, test_iso8601_matches_strftime_for_random_instants);
    tcase_add_test(tc, test_timefmt_never_touches_errno);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(timefmt_suite());
}
