/* Unit suite for the JSON reader (src/core/jsonread.c): values of every kind, lookups, escapes,
 * and what is refused. */
#include <check.h>
#include <string.h>

#include "core/jsonread.h"
#include "support.h"

static struct sw_jtok tok[256];

static uint32_t parse(const char *s)
{
    return sw_json_parse(s, strlen(s), tok, 256);
}

START_TEST(test_a_report_line_is_read_and_looked_up)
{
    const char *s = "{\"event\":\"stall\",\"report\":12,\"threads\":[{\"tid\":7,\"name\":\"w\","
                    "\"frames\":[]},{\"tid\":8}],\"truncated\":true,\"x\":null,\"f\":-1.5e3}";
    ck_assert_uint_gt(parse(s), 0);
    char out[64];
    ck_assert(sw_json_str(s, tok, sw_json_get(s, tok, 0, "event"), out, sizeof out));
    ck_assert_str_eq(out, "stall");
    uint64_t v;
    ck_assert(sw_json_u64(s, tok, sw_json_get(s, tok, 0, "report"), &v));
    ck_assert_uint_eq(v, 12);
    int threads = sw_json_get(s, tok, 0, "threads");
    ck_assert_int_eq(tok[threads].type, SW_J_ARR);
    int second = sw_json_at(tok, threads, 1);
    ck_assert(sw_json_u64(s, tok, sw_json_get(s, tok, second, "tid"), &v));
    ck_assert_uint_eq(v, 8);
    ck_assert_int_eq(sw_json_at(tok, threads, 2), -1);
    ck_assert_int_eq(tok[sw_json_get(s, tok, 0, "truncated")].type, SW_J_TRUE);
    ck_assert_int_eq(tok[sw_json_get(s, tok, 0, "x")].type, SW_J_NULL);
    ck_assert(!sw_json_u64(s, tok, sw_json_get(s, tok, 0, "f"), &v)); /* not an integer */
    ck_assert_int_eq(sw_json_get(s, tok, 0, "missing"), -1);
    /* A key of an inner object is not a key of the outer one. */
    ck_assert_int_eq(sw_json_get(s, tok, 0, "tid"), -1);
}
END_TEST

START_TEST(test_escapes_are_unescaped_into_utf8)
{
    const char *s = "[\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\\ud800x\"]";
    ck_assert_uint_gt(parse(s), 0);
    char out[64];
    ck_assert(sw_json_str(s, tok, 1, out, sizeof out));
    ck_assert_str_eq(out, "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx");
    /* Cut to the buffer, never inside a character. */
    char small[9];
    ck_assert(sw_json_str(s, tok, 1, small, sizeof small));
    ck_assert_str_eq(small, "a\"b\\c\n\xc3\xa9");
}
END_TEST

START_TEST(test_what_is_not_one_json_value_is_refused)
{
    const char *bad[] = {"", "stallwatch #1 stall pid=4", "{\"a\":1", "{\"a\" 1}", "[1,]",
                         "{\"a\":1}x", "\"raw\ncontrol\"", "01", "-", "1.", "tru", "[\"\\x\"]",
                         "{1:2}", "[\"\\u12g4\"]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(parse(bad[i]) == 0, "accepted %s", bad[i]);
    ck_assert_uint_gt(parse("  {\"a\" : [ 1 , 2 ] }  "), 0);
    /* Too deep, or more tokens than room. */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    ck_assert_uint_eq(sw_json_parse(deep, 200, tok, 256), 0);
    ck_assert_uint_eq(sw_json_parse("[1,2,3]", 7, tok, 3), 0);
    ck_assert_uint_eq(sw_json_parse("[1,2,3]", 7, tok, 4), 4);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("jsonread");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_a_report_line_is_read_and_looked_up);
    tcase_add_test(tc, test_escapes_are_unescaped_into_utf8);
    tcase_add_test(tc, test_what_is_not_one_json_value_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
