/* Unit suite for the /proc task file parsers (src/core/procparse.c). */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "core/procparse.h"
#include "support.h"

START_TEST(test_stat_fields_count_from_the_last_parenthesis)
{
    char line[] = "4242 (a) b (c) ) S 1 2 3 4 5 6 7 8 9 10 25 17 0 0 20 0 1";
    char state;
    uint64_t ticks;
    ck_assert(sw_parse_stat(line, &state, &ticks));
    ck_assert_int_eq(state, 'S');
    ck_assert_uint_eq(ticks, 42);
}
END_TEST

START_TEST(test_a_stat_line_cut_short_is_refused)
{
    char a[] = "4242 (x) R 1 2 3";
    char b[] = "4242 x R 1";
    char state;
    uint64_t ticks;
    ck_assert(!sw_parse_stat(a, &state, &ticks));
    ck_assert(!sw_parse_stat(b, &state, &ticks));
}
END_TEST

/* Field 22, counted from the last parenthesis too; a line without it is refused. */
START_TEST(test_the_start_time_is_field_22)
{
    char line[] = "7 (a) b) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 19 20\n";
    char cut[] = "7 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18";
    uint64_t ticks = 0;
    ck_assert(sw_parse_stat_start(line, &ticks));
    ck_assert_uint_eq(ticks, 987654);
    ck_assert(!sw_parse_stat_start(cut, &ticks));
}
END_TEST

START_TEST(test_syscall_lines_blocked_in_one_outside_and_running)
{
    long nr;
    uint64_t args[6], sp, pc;
    ck_assert_int_eq(sw_parse_syscall("202 0x55d0 0x80 0x2 0x0 0x0 0x0 0x7ffd10 0x7f0a12",
                                      &nr, args, &sp, &pc), 0);
    ck_assert_int_eq(nr, 202);
    ck_assert_uint_eq(args[0], 0x55d0);
    ck_assert_uint_eq(args[2], 2);
    ck_assert_uint_eq(sp, 0x7ffd10);
    ck_assert_uint_eq(pc, 0x7f0a12);
    ck_assert_int_eq(sw_parse_syscall("-1 0x7ffd20 0x7f0a34", &nr, args, &sp, &pc), 0);
    ck_assert_int_eq(nr, -1);
    ck_assert_uint_eq(args[0], 0);
    ck_assert_uint_eq(sp, 0x7ffd20);
    ck_assert_int_eq(sw_parse_syscall("running", &nr, args, &sp, &pc), -EAGAIN);
    ck_assert_int_eq(sw_parse_syscall("202 0x1 0x2", &nr, args, &sp, &pc), -EINVAL);
    ck_assert_int_eq(sw_parse_syscall("x", &nr, args, &sp, &pc), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("procparse");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_stat_fields_count_from_the_last_parenthesis);
    tcase_add_test(tc, test_a_stat_line_cut_short_is_refused);
    tcase_add_test(tc, test_syscall_lines_blocked_in_one_outside_and_running);
    tcase_add_test(tc, test_the_start_time_is_field_22);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
