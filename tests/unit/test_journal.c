/* Unit tests for journal.c: journald's native protocol (text and binary-safe fields) and the
 * fields taken from a report. Runs as a standalone Check program; exits nonzero if any test
 * fails. The decoder below follows systemd's description of the protocol, independently of
 * the encoder. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "core/journal.h"
#include "support.h"

static char out[4096];

/* Finds field name in the entry [e, e + n) and returns its value and length, or NULL. */
static const char *decode(const char *e, size_t n, const char *name, size_t *len)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(e + i, '\n', n - i);
        const char *eq = memchr(e + i, '=', n - i);
        ck_assert_ptr_nonnull(nl);
        const char *v;
        size_t vlen, next;
        size_t namelen;
        if (eq != NULL && eq < nl) { /* NAME=value\n */
            namelen = (size_t)(eq - (e + i));
            v = eq + 1;
            vlen = (size_t)(nl - v);
            next = (size_t)(nl - e) + 1;
        } else { /* NAME\n, le64 length, value, \n */
            namelen = (size_t)(nl - (e + i));
            uint64_t l = 0;
            for (int k = 0; k < 8; k++)
                l |= (uint64_t)(unsigned char)nl[1 + k] << (8 * k);
            v = nl + 9;
            vlen = (size_t)l;
            ck_assert_int_eq(v[vlen], '\n');
            next = (size_t)(v - e) + vlen + 1;
        }
        if (namelen == strlen(name) && memcmp(e + i, name, namelen) == 0) {
            *len = vlen;
            return v;
        }
        i = next;
    }
    return NULL;
}

START_TEST(test_encode_length_prefixes_values_with_a_newline_and_leaves_out_null_ones)
{
    const char *multi = "line one\nline two";
    const struct sw_journal_field f[] = {
        {"MESSAGE", multi, strlen(multi)},
        {"PRIORITY", "4", 1},
        {"ABSENT", NULL, 0},
        {"STALLWATCH_THREAD", "a\0b", 3},
    };
    size_t n = sw_journal_encode(out, sizeof out, f, 4);
    ck_assert_uint_gt(n, 0);
    /* MESSAGE has a newline: binary form, 8-byte little-endian length. */
    ck_assert(memcmp(out, "MESSAGE\n\x11\0\0\0\0\0\0\0line one\nline two\n", 8 + 8 + 17 + 1) == 0);
    ck_assert(memcmp(out + 34, "PRIORITY=4\n", 11) == 0);
    size_t len;
    const char *v = decode(out, n, "STALLWATCH_THREAD", &len);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(len, 3);
    ck_assert(memcmp(v, "a\0b", 3) == 0);
    ck_assert_ptr_null(decode(out, n, "ABSENT", &len));
    ck_assert_uint_eq(n, 34 + 11 + strlen("STALLWATCH_THREAD=") + 3 + 1);
}
END_TEST

START_TEST(test_encode_fills_cap_exactly_and_returns_zero_for_one_byte_less)
{
    const struct sw_journal_field f[] = {{"MESSAGE", "0123456789", 10}};
    ck_assert_uint_eq(sw_journal_encode(out, 19, f, 1), 19); /* "MESSAGE=0123456789\n" */
    ck_assert_uint_eq(sw_journal_encode(out, 18, f, 1), 0);
}
END_TEST

static const struct sw_frame frames[] = {
    {.pc = 1, .module = "/usr/lib/x86_64-linux-gnu/libc.so.6", .function = "__futex_abstimed_wait"},
    {.pc = 2, .module = "/usr/lib/x86_64-linux-gnu/libc.so.6", .function = "___pthread_mutex_lock"},
    {.pc = 3, .module = "/opt/app/bin/server", .function = NULL},
    {.pc = 4, .module = "/opt/app/bin/server", .function = "take_b_after_a", .file = "abba.c",
     .line = 23},
};

START_TEST(test_report_fields_name_the_thread_and_its_first_named_frame_outside_libc)
{
    struct sw_thread_report t = {.tid = 4243, .name = "worker-a", .call = "pthread_mutex_lock",
                                 .cls = SW_CLASS_LOCK, .waited_ms = 5012, .frames = frames,
                                 .nframes = 4};
    struct sw_report r = {.event = "deadlock", .number = 7, .fingerprint = "0123456789abcdef",
                          .threads = &t, .nthreads = 1};
    struct sw_journal_field f[SW_JOURNAL_REPORT_FIELDS];
    char text[128];
    size_t k = sw_journal_report_fields(&r, f, text);
    ck_assert_uint_le(k, SW_JOURNAL_REPORT_FIELDS);
    size_t n = sw_journal_encode(out, sizeof out, f, k);
    ck_assert_uint_gt(n, 0);
    static const char *const want[][2] = {
        {"STALLWATCH_EVENT", "deadlock"},  {"STALLWATCH_REPORT", "7"},
        {"STALLWATCH_TID", "4243"},        {"STALLWATCH_THREAD", "worker-a"},
        {"STALLWATCH_CALL", "pthread_mutex_lock"}, {"STALLWATCH_CLASS", "lock"},
        {"STALLWATCH_WAITED_MS", "5012"},  {"STALLWATCH_FINGERPRINT", "0123456789abcdef"},
        {"CODE_FUNC", "take_b_after_a"},   {"CODE_FILE", "abba.c"},
        {"CODE_LINE", "23"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t len;
        const char *v = decode(out, n, want[i][0], &len);
        ck_assert_msg(v != NULL, "%s missing", want[i][0]);
        ck_assert_msg(len == strlen(want[i][1]) && memcmp(v, want[i][1], len) == 0,
                      "%s is %.*s", want[i][0], (int)len, v);
    }
    size_t len;
    ck_assert_ptr_null(decode(out, n, "STALLWATCH_STALL_REPORT", &len));
}
END_TEST

START_TEST(test_report_without_threads_has_stall_report_but_no_thread_or_code_fields)
{
    struct sw_report r = {.event = "suppressed", .number = 12, .stall_report = 3};
    struct sw_journal_field f[SW_JOURNAL_REPORT_FIELDS];
    char text[128];
    size_t n = sw_journal_encode(out, sizeof out, f, sw_journal_report_fields(&r, f, text));
    size_t len;
    const char *v = decode(out, n, "STALLWATCH_STALL_REPORT", &len);
    ck_assert(v != NULL && len == 1 && *v == '3');
    ck_assert_ptr_null(decode(out, n, "STALLWATCH_TID", &len));
    ck_assert_ptr_null(decode(out, n, "CODE_FUNC", &len));
}
END_TEST

START_TEST(test_code_frame_is_null_for_a_stack_of_c_library_frames_only)
{
    struct sw_thread_report t = {.tid = 1, .frames = frames, .nframes = 2};
    ck_assert_ptr_null(sw_journal_code_frame(&t));
}
END_TEST

static Suite *journal_suite(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");
    tcase_add_test(tc, test_encode_length_prefixes_values_with_a_newline_and_leaves_out_null_ones);
    tcase_add_test(tc, test_encode_fills_cap_exactly_and_returns_zero_for_one_byte_less);
    tcase_add_test(tc, test_report_fields_name_the_thread_and_its_first_named_frame_outside_libc);
    tcase_add_test(tc, test_report_without_threads_has_stall_report_but_no_thread_or_code_fields);
    tcase_add_test(tc, test_code_frame_is_null_for_a_stack_of_c_library_frames_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(journal_suite());
}
