/* Unit tests for syslog_frame.c: the glibc-compatible "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MSG"
 * datagram. Runs as a standalone Check program; exits nonzero if any test fails. glibc's
 * syslog(3) formats the stamp with strftime "%h %e %T" in the C locale, which serves as the
 * reference here. */
#include <check.h>
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/syslog_frame.h"
#include "support.h"

/* ck_assert records every passed assertion through a pipe; loops only call Check on failure. */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

static char out[4096];

static size_t frame(int64_t t, const char *ident, const char *msg)
{
    size_t n = sw_syslog_frame(out, sizeof(out), 12, t, ident, 4242, msg, msg ? strlen(msg) : 0);

    ck_assert_uint_eq(n, strlen(out));
    return n;
}

START_TEST(test_frame_has_glibc_layout)
{
    frame(1795761340, "abba", "stallwatch #1 stall pid=4242");
    ck_assert_str_eq(out, "<12>Nov 27 06:35:40 abba[4242]: stallwatch #1 stall pid=4242");
}
END_TEST

START_TEST(test_day_is_space_padded_to_two)
{
    frame(1794009600 + 3723, "x", "m"); /* 2026-11-07 01:02:03 */
    ck_assert_str_eq(out, "<12>Nov  7 01:02:03 x[4242]: m");
}
END_TEST

START_TEST(test_time_fields_are_zero_padded)
{
    frame(0, "x", "m");
    ck_assert_str_eq(out, "<12>Jan  1 00:00:00 x[4242]: m");
}
END_TEST

START_TEST(test_every_month_has_its_english_abbreviation)
{
    static const char *names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const int64_t first[] = {1767225600, 1769904000, 1772323200, 1775001600,
                                    1777593600, 1780272000, 1782864000, 1785542400,
                                    1788220800, 1790812800, 1793491200, 1796083200};
    for (int m = 0; m < 12; m++) {
        char want[64];
        frame(first[m] + 86400 * 10, "x", "m"); /* the 11th of each month of 2026 */
        snprintf(want, sizeof(want), "<12>%s 11 00:00:00 x[4242]: m", names[m]);
        ck_assert_str_eq(out, want);
    }
}
END_TEST

START_TEST(test_stamp_matches_strftime_h_e_T_for_many_times)
{
    uint64_t x = 2463534242u;

    setlocale(LC_TIME, "C");
    for (int i = 0; i < 100000; i++) {
        char want[64], stamp[32];
        struct tm tm;
        time_t tt;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        tt = (time_t)(int64_t)(x % 20000000000u) - 5000000000;
        gmtime_r(&tt, &tm);
        strftime(stamp, sizeof(stamp), "%h %e %T", &tm);
        snprintf(want, sizeof(want), "<12>%s id[4242]: m", stamp);
        sw_syslog_frame(out, sizeof(out), 12, (int64_t)tt, "id", 4242, "m", 1);
        REQUIRE(strcmp(out, want) == 0, "%s != %s", out, want);
    }
}
END_TEST

START_TEST(test_local_time_before_epoch_is_framed)
{
    frame(-1, "x", "m");
    ck_assert_str_eq(out, "<12>Dec 31 23:59:59 x[4242]: m");
}
END_TEST

START_TEST(test_pri_and_pid_are_printed_as_given)
{
    sw_syslog_frame(out, sizeof(out), 191, 0, "x", 1, "m", 1);
    ck_assert_str_eq(out, "<191>Jan  1 00:00:00 x[1]: m");
    sw_syslog_frame(out, sizeof(out), 0, 0, "x", 2147483647, "m", 1);
    ck_assert_str_eq(out, "<0>Jan  1 00:00:00 x[2147483647]: m");
}
END_TEST

START_TEST(test_ident_unsafe_characters_become_underscore)
{
    frame(0, "my app[1]:\x01\xc3\xa9\x7f~", "m");
    ck_assert_str_eq(out, "<12>Jan  1 00:00:00 my_app_1______~[4242]: m");
}
END_TEST

START_TEST(test_null_ident_and_null_message_are_empty)
{
    size_t n = sw_syslog_frame(out, sizeof(out), 12, 0, NULL, 7, NULL, 10);

    ck_assert_str_eq(out, "<12>Jan  1 00:00:00 [7]: ");
    ck_assert_uint_eq(n, strlen(out));
}
END_TEST

START_TEST(test_newlines_in_message_become_spaces)
{
    frame(0, "x", "a\nb\n\nc\n");
    ck_assert_str_eq(out, "<12>Jan  1 00:00:00 x[4242]: a b  c ");
}
END_TEST

START_TEST(test_message_length_is_taken_from_msg_len_not_nul)
{
    size_t n = sw_syslog_frame(out, sizeof(out), 12, 0, "x", 1, "abcdef", 3);

    ck_assert_str_eq(out, "<12>Jan  1 00:00:00 x[1]: abc");
    ck_assert_uint_eq(n, strlen(out));
}
END_TEST

START_TEST(test_message_is_cut_to_fit_and_nul_terminated)
{
    const char *hdr = "<12>Jan  1 00:00:00 x[1]: ";
    size_t h = strlen(hdr);
    char small[64];

    for (size_t cap = h + 1; cap < sizeof(small); cap++) {
        size_t n;
        memset(small, 'Z', sizeof(small));
        n = sw_syslog_frame(small, cap, 12, 0, "x", 1, "0123456789012345678901234567890123456789",
                            40);
        ck_assert_uint_eq(n, cap - 1 < h + 40 ? cap - 1 : h + 40);
        ck_assert_uint_eq(strlen(small), n);
        ck_assert(memcmp(small, hdr, h) == 0);
        ck_assert_int_eq(small[cap - 1 < n + 1 ? cap - 1 : n], '\0');
        if (cap < sizeof(small))
            ck_assert_int_eq(small[cap], 'Z'); /* nothing written past cap */
    }
}
END_TEST

START_TEST(test_cut_does_not_split_a_utf8_sequence)
{
    const char *hdr = "<12>Jan  1 00:00:00 x[1]: ";
    size_t h = strlen(hdr);
    char small[64];
    size_t n;

    /* room for "ab" and two bytes of the three-byte euro sign: both of those are dropped */
    n = sw_syslog_frame(small, h + 5, 12, 0, "x", 1, "ab\xe2\x82\xac", 5);
    ck_assert_uint_eq(n, h + 2);
    ck_assert_str_eq(small + h, "ab");
    n = sw_syslog_frame(small, h + 6, 12, 0, "x", 1, "ab\xe2\x82\xac", 5);
    ck_assert_str_eq(small + h, "ab\xe2\x82\xac");
    ck_assert_uint_eq(n, h + 5);
}
END_TEST

START_TEST(test_returns_zero_when_the_header_does_not_fit)
{
    char small[32];
    const char *hdr = "<12>Jan  1 00:00:00 x[1]: ";
    size_t h = strlen(hdr);

    for (size_t cap = 0; cap <= h; cap++) {
        memset(small, 'Z', sizeof(small));
        ck_assert_uint_eq(sw_syslog_frame(small, cap, 12, 0, "x", 1, "m", 1), 0);
        if (cap > 0)
            ck_assert_int_eq(small[0], '\0');
        ck_assert_int_eq(small[cap], 'Z');
    }
    ck_assert_uint_eq(sw_syslog_frame(small, h + 1, 12, 0, "x", 1, "m", 1), h);
    ck_assert_str_eq(small, hdr);
}
END_TEST

START_TEST(test_frame_never_touches_errno)
{
    errno = 99;
    frame(123, "x", "m\n");
    sw_syslog_frame(out, 3, 12, 0, "x", 1, "m", 1);
    ck_assert_int_eq(errno, 99);
}
END_TEST

/* ---- RFC 5424 ---- */

static const struct sw_sd_param params5424[] = {
    {"report", "3"},
    {"event", "stall"},
    {"stall_report", NULL},
    {"thread", "we\"ird]\\name"},
};

static size_t frame5424(long tz, const char *host, const char *msg)
{
    size_t n = sw_syslog_frame5424(out, sizeof out, 12, 1795761340123456789ull, tz, host,
                                   "my app", 4242, "stall", "stallwatch@32473", params5424, 4,
                                   msg, strlen(msg));
    ck_assert_uint_eq(n, strlen(out));
    return n;
}

START_TEST(test_5424_layout_with_structured_data)
{
    frame5424(0, "host1", "line one\nline two");
    ck_assert_str_eq(out, "<12>1 2026-11-27T06:35:40.123456+00:00 host1 my_app 4242 stall "
                          "[stallwatch@32473 report=\"3\" event=\"stall\" "
                          "thread=\"we\\\"ird\\]\\\\name\"] line one line two");
}
END_TEST

START_TEST(test_5424_local_offset_and_nil_hostname)
{
    frame5424(-(5 * 3600 + 30 * 60), "", "m");
    ck_assert_str_eq(out, "<12>1 2026-11-27T01:05:40.123456-05:30 - my_app 4242 stall "
                          "[stallwatch@32473 report=\"3\" event=\"stall\" "
                          "thread=\"we\\\"ird\\]\\\\name\"] m");
    frame5424(3600, NULL, "m");
    ck_assert_ptr_nonnull(strstr(out, "T07:35:40.123456+01:00 - my_app"));
}
END_TEST

START_TEST(test_5424_long_values_are_cut)
{
    static char longv[400];
    memset(longv, 'v', sizeof longv - 1);
    const struct sw_sd_param p[] = {{"thread", longv}};
    static char host[400];
    memset(host, 'h', sizeof host - 1);
    size_t n = sw_syslog_frame5424(out, sizeof out, 12, 0, 0, host, "a", 1, NULL, "sd@1", p, 1,
                                   "m", 1);
    ck_assert_uint_gt(n, 0);
    const char *sd = strchr(out, '[');
    ck_assert_ptr_nonnull(sd);
    ck_assert_uint_eq(strlen(sd), strlen("[sd@1 thread=\"\"] m") + 128);
    ck_assert_ptr_nonnull(strstr(out, " - [sd@1")); /* NULL msgid is the nil value */
    ck_assert_uint_eq(strspn(out + strlen("<12>1 1970-01-01T00:00:00.000000+00:00 "), "h"), 255);
    ck_assert_uint_eq(sw_syslog_frame5424(out, 40, 12, 0, 0, "h", "a", 1, NULL, "sd@1", p, 1,
                                          "m", 1),
                      0);
}
END_TEST

static Suite *syslog_frame_suite(void)
{
    Suite *s = suite_create("syslog_frame");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_frame_has_glibc_layout);
    tcase_add_test(tc, test_day_is_space_padded_to_two);
    tcase_add_test(tc, test_time_fields_are_zero_padded);
    tcase_add_test(tc, test_every_month_has_its_english_abbreviation);
    tcase_add_test(tc, test_stamp_matches_strftime_h_e_T_for_many_times);
    tcase_add_test(tc, test_local_time_before_epoch_is_framed);
    tcase_add_test(tc, test_pri_and_pid_are_printed_as_given);
    tcase_add_test(tc, test_ident_unsafe_characters_become_underscore);
    tcase_add_test(tc, test_null_ident_and_null_message_are_empty);
    tcase_add_test(tc, test_newlines_in_message_become_spaces);
    tcase_add_test(tc, test_message_length_is_taken_from_msg_len_not_nul);
    tcase_add_test(tc, test_message_is_cut_to_fit_and_nul_terminated);
    tcase_add_test(tc, test_cut_does_not_split_a_utf8_sequence);
    tcase_add_test(tc, test_returns_zero_when_the_header_does_not_fit);
    tcase_add_test(tc, test_frame_never_touches_errno);
    tcase_add_test(tc, test_5424_layout_with_structured_data);
    tcase_add_test(tc, test_5424_local_offset_and_nil_hostname);
    tcase_add_test(tc, test_5424_long_values_are_cut);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(syslog_frame_suite());
}
