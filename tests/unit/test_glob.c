/* Check suite for src/glob.c: single-pattern matching and comma-separated pattern lists.
 * A standalone test program; exits nonzero if any test fails. */
#include <check.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/glob.h"
#include "support.h"

#define MATCH(p, s)    ck_assert_msg(sw_glob_match(p, s), "\"%s\" should match \"%s\"", p, s)
#define NO_MATCH(p, s) ck_assert_msg(!sw_glob_match(p, s), "\"%s\" should not match \"%s\"", p, s)

/* ---- sw_glob_match ---- */

START_TEST(test_literal_pattern_matches_whole_name_only)
{
    MATCH("worker", "worker");
    NO_MATCH("worker", "worker-1");
    NO_MATCH("worker", "work");
    NO_MATCH("worker", "Worker");
}
END_TEST

START_TEST(test_empty_pattern_matches_only_empty_name)
{
    MATCH("", "");
    NO_MATCH("", "a");
}
END_TEST

START_TEST(test_star_matches_any_run_including_empty)
{
    MATCH("*", "");
    MATCH("*", "anything/at.all");
    MATCH("worker-*", "worker-");
    MATCH("worker-*", "worker-12");
    MATCH("*-io", "disk-io");
    MATCH("a*b*c", "abc");
    MATCH("a*b*c", "aXXbYYc");
    MATCH("a**b", "ab");
    NO_MATCH("a*b*c", "aXXbYY");
    NO_MATCH("worker-*", "worker");
}
END_TEST

START_TEST(test_star_backtracks_to_a_later_occurrence)
{
    MATCH("*ab", "aab");
    MATCH("*aab", "aaab");
    MATCH("a*ab", "aXaab");
    MATCH("*a?c*", "xxabcyy");
    NO_MATCH("*ab", "aba");
}
END_TEST

START_TEST(test_star_runs_do_not_blow_up)
{
    char s[4001];

    memset(s, 'a', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    /* Exponential backtracking would not finish within Check's timeout. */
    NO_MATCH("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", s);
    NO_MATCH("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b*", s);
    MATCH("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", s);
}
END_TEST

START_TEST(test_question_matches_exactly_one_byte)
{
    MATCH("w?", "w1");
    NO_MATCH("w?", "w");
    NO_MATCH("w?", "w12");
    MATCH("???", "a/.");
}
END_TEST

START_TEST(test_class_matches_listed_bytes)
{
    MATCH("io-[abc]", "io-b");
    NO_MATCH("io-[abc]", "io-d");
    NO_MATCH("io-[abc]", "io-");
}
END_TEST

START_TEST(test_class_range_matches_inclusive_bounds)
{
    MATCH("w[0-9]", "w0");
    MATCH("w[0-9]", "w9");
    NO_MATCH("w[0-9]", "wa");
    MATCH("w[a-cx-z]", "wy");
    NO_MATCH("w[a-cx-z]", "wd");
}
END_TEST

START_TEST(test_reversed_range_matches_nothing)
{
    NO_MATCH("[z-a]", "m");
    NO_MATCH("[z-a]", "a");
    MATCH("[!z-a]", "m");
}
END_TEST

START_TEST(test_negated_class_matches_other_bytes)
{
    MATCH("[!a]", "b");
    NO_MATCH("[!a]", "a");
    MATCH("[!0-9]x", "ax");
    NO_MATCH("[!0-9]x", "5x");
    NO_MATCH("[!a]", "");
}
END_TEST

START_TEST(test_caret_is_not_negation)
{
    MATCH("[^a]", "^");
    MATCH("[^a]", "a");
    NO_MATCH("[^a]", "b");
}
END_TEST

START_TEST(test_close_bracket_first_in_class_is_a_member)
{
    MATCH("[]]", "]");
    MATCH("[]a]", "a");
    MATCH("[!]]", "a");
    NO_MATCH("[!]]", "]");
}
END_TEST

START_TEST(test_dash_at_class_edges_is_a_member)
{
    MATCH("[-a]", "-");
    MATCH("[a-]", "-");
    MATCH("[a-]", "a");
    NO_MATCH("[a-]", "b");
}
END_TEST

START_TEST(test_backslash_escapes_metacharacters)
{
    MATCH("a\\*", "a*");
    NO_MATCH("a\\*", "ab");
    MATCH("\\?", "?");
    NO_MATCH("\\?", "x");
    MATCH("\\[x]", "[x]");
    MATCH("\\\\", "\\");
    MATCH("\\a", "a");
}
END_TEST

START_TEST(test_backslash_escapes_inside_class)
{
    MATCH("[\\]]", "]");
    MATCH("[\\!a]", "!");
    MATCH("[a\\-z]", "-");
    NO_MATCH("[a\\-z]", "b");
    MATCH("[+-\\-]", ",");
    MATCH("[+-\\-]", "-");
    NO_MATCH("[+-\\-]", ".");
}
END_TEST

START_TEST(test_bytes_compare_unsigned)
{
    MATCH("[\x80-\xff]", "\xc3");
    NO_MATCH("[\x80-\xff]", "a");
    MATCH("caf\xc3\xa9", "caf\xc3\xa9");
}
END_TEST

START_TEST(test_malformed_pattern_matches_literally)
{
    MATCH("a[b", "a[b");
    NO_MATCH("a[b", "ab");
    MATCH("a\\", "a\\");
}
END_TEST

/* Differential check against glibc's fnmatch(3) without flags, on random well-formed patterns
 * over an alphabet of metacharacters (no '^' or "[:", which glibc extends). */
START_TEST(test_agrees_with_fnmatch_on_well_formed_patterns)
{
    static const char pat_bytes[] = "ab*?[]!-\\";
    static const char str_bytes[] = "ab-!]\\[";
    uint32_t seed = 12345;
    unsigned compared = 0;

    for (int iter = 0; iter < 200000; iter++) {
        char pat[10];
        char str[8];
        struct sw_globs g;
        int plen;
        int slen;
        int r;

        seed = seed * 1103515245u + 12345u;
        plen = (int)(seed >> 16) % 9;
        seed = seed * 1103515245u + 12345u;
        slen = (int)(seed >> 16) % 7;
        for (int i = 0; i < plen; i++) {
            seed = seed * 1103515245u + 12345u;
            pat[i] = pat_bytes[(seed >> 16) % (sizeof pat_bytes - 1)];
        }
        pat[plen] = '\0';
        for (int i = 0; i < slen; i++) {
            seed = seed * 1103515245u + 12345u;
            str[i] = str_bytes[(seed >> 16) % (sizeof str_bytes - 1)];
        }
        str[slen] = '\0';
        if (sw_globs_parse(&g, pat) != 0 || g.n != 1 || strcmp(g.pat[0], pat) != 0)
            continue; /* malformed, or changed by list splitting */
        r = fnmatch(pat, str, 0);
        if (r != 0 && r != FNM_NOMATCH)
            continue;
        if (sw_glob_match(pat, str) != (r == 0)) /* not ck_assert: too slow in a loop */
            ck_abort_msg("\"%s\" vs \"%s\": fnmatch says %d", pat, str, r);
        compared++;
    }
    ck_assert_uint_gt(compared, 50000);
}
END_TEST

/* ---- sw_globs_parse ---- */

START_TEST(test_parse_splits_on_commas_and_trims_blanks)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, " main ,\tworker-* , io\t"), 0);
    ck_assert_uint_eq(g.n, 3);
    ck_assert_str_eq(g.pat[0], "main");
    ck_assert_str_eq(g.pat[1], "worker-*");
    ck_assert_str_eq(g.pat[2], "io");
}
END_TEST

START_TEST(test_parse_keeps_inner_blanks)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, " my thread "), 0);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_str_eq(g.pat[0], "my thread");
}
END_TEST

START_TEST(test_parse_skips_empty_items)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, ",,a,, ,b,"), 0);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_str_eq(g.pat[0], "a");
    ck_assert_str_eq(g.pat[1], "b");
}
END_TEST

START_TEST(test_parse_of_empty_or_null_list_is_empty)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, ""), 0);
    ck_assert_uint_eq(g.n, 0);
    ck_assert_int_eq(sw_globs_parse(&g, " , ,"), 0);
    ck_assert_uint_eq(g.n, 0);
    ck_assert_int_eq(sw_globs_parse(&g, NULL), 0);
    ck_assert_uint_eq(g.n, 0);
}
END_TEST

START_TEST(test_escaped_comma_stays_in_pattern)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "a\\,b,c"), 0);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_str_eq(g.pat[0], "a\\,b");
    ck_assert(sw_globs_match(&g, "a,b", false));
    ck_assert(sw_globs_match(&g, "c", false));
}
END_TEST

START_TEST(test_escaped_trailing_blank_is_kept)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "a\\ , b"), 0);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_str_eq(g.pat[0], "a\\ ");
    ck_assert(sw_globs_match(&g, "a ", false));
}
END_TEST

START_TEST(test_parse_rejects_unterminated_class)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "ok,worker-[0-9"), -EINVAL);
    ck_assert_int_eq(sw_globs_parse(&g, "[]"), -EINVAL);
    ck_assert_int_eq(sw_globs_parse(&g, "[!]"), -EINVAL);
    ck_assert_int_eq(sw_globs_parse(&g, "[a\\]"), -EINVAL);
}
END_TEST

START_TEST(test_parse_rejects_comma_inside_class)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "[,;]"), -EINVAL);
}
END_TEST

START_TEST(test_parse_rejects_trailing_backslash)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "a\\"), -EINVAL);
    ck_assert_int_eq(sw_globs_parse(&g, "a\\,b"), 0);
    ck_assert_int_eq(sw_globs_parse(&g, "b,a\\"), -EINVAL);
    ck_assert_int_eq(sw_globs_parse(&g, "[a-\\"), -EINVAL);
}
END_TEST

START_TEST(test_parse_accepts_exactly_max_items)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p"), 0);
    ck_assert_uint_eq(g.n, SW_GLOBS_MAX);
    ck_assert_str_eq(g.pat[SW_GLOBS_MAX - 1], "p");
}
END_TEST

START_TEST(test_parse_rejects_too_many_items)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"), -EINVAL);
    ck_assert_uint_eq(g.n, 0);
}
END_TEST

START_TEST(test_parse_accepts_list_that_just_fits)
{
    struct sw_globs g;
    char list[SW_GLOBS_TEXT];

    /* One pattern of SW_GLOBS_TEXT - 1 bytes plus its NUL fills the text exactly. */
    memset(list, 'x', sizeof list - 1);
    list[sizeof list - 1] = '\0';
    ck_assert_int_eq(sw_globs_parse(&g, list), 0);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_uint_eq(strlen(g.pat[0]), SW_GLOBS_TEXT - 1);
}
END_TEST

START_TEST(test_parse_rejects_list_that_does_not_fit)
{
    struct sw_globs g;
    char list[SW_GLOBS_TEXT + 1];

    memset(list, 'x', sizeof list - 1);
    list[sizeof list - 1] = '\0';
    ck_assert_int_eq(sw_globs_parse(&g, list), -EINVAL);
    /* Two items: the NUL separators count too. */
    memset(list, 'x', sizeof list - 1);
    list[100] = ',';
    list[sizeof list - 1] = '\0';
    ck_assert_int_eq(sw_globs_parse(&g, list), -EINVAL);
}
END_TEST

START_TEST(test_blanks_do_not_count_against_the_size)
{
    struct sw_globs g;
    char list[2 * SW_GLOBS_TEXT];

    memset(list, ' ', sizeof list - 1);
    list[sizeof list - 1] = '\0';
    list[10] = 'a';
    ck_assert_int_eq(sw_globs_parse(&g, list), 0);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_str_eq(g.pat[0], "a");
}
END_TEST

START_TEST(test_failed_parse_leaves_list_empty)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "a,b"), 0);
    ck_assert_int_eq(sw_globs_parse(&g, "c,[d"), -EINVAL);
    ck_assert_uint_eq(g.n, 0);
    ck_assert(!sw_globs_match(&g, "a", false));
    ck_assert(!sw_globs_match(&g, "c", true));
}
END_TEST

/* ---- sw_globs_match ---- */

START_TEST(test_list_matches_if_any_pattern_matches)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "db-*,io-[0-9]"), 0);
    ck_assert(sw_globs_match(&g, "db-writer", false));
    ck_assert(sw_globs_match(&g, "io-3", false));
    ck_assert(!sw_globs_match(&g, "io-x", false));
}
END_TEST

START_TEST(test_empty_list_matches_nothing)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, ""), 0);
    ck_assert(!sw_globs_match(&g, "main", true));
    ck_assert(!sw_globs_match(&g, "", false));
}
END_TEST

START_TEST(test_main_pattern_matches_main_thread_whatever_its_name)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "worker-*,main"), 0);
    ck_assert(sw_globs_match(&g, "myserver", true));
    ck_assert(sw_globs_match(&g, NULL, true));
    ck_assert(!sw_globs_match(&g, "myserver", false));
}
END_TEST

START_TEST(test_main_pattern_also_matches_a_thread_named_main)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "main"), 0);
    ck_assert(sw_globs_match(&g, "main", false));
}
END_TEST

START_TEST(test_only_the_exact_main_pattern_names_the_main_thread)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "mai*,\\main,mai[n],Main"), 0);
    ck_assert(!sw_globs_match(&g, "myserver", true));
    ck_assert(sw_globs_match(&g, "main", false));
}
END_TEST

START_TEST(test_unknown_name_matches_as_empty_string)
{
    struct sw_globs g;

    ck_assert_int_eq(sw_globs_parse(&g, "*"), 0);
    ck_assert(sw_globs_match(&g, NULL, false));
    ck_assert_int_eq(sw_globs_parse(&g, "?*"), 0);
    ck_assert(!sw_globs_match(&g, NULL, false));
}
END_TEST

static Suite *glob_suite(void)
{
    Suite *s = suite_create("glob");
    TCase *m = tcase_create("match");
    TCase *p = tcase_create("parse");
    TCase *l = tcase_create("list");

    tcase_add_test(m, test_literal_pattern_matches_whole_name_only);
    tcase_add_test(m, test_empty_pattern_matches_only_empty_name);
    tcase_add_test(m, test_star_matches_any_run_including_empty);
    tcase_add_test(m, test_star_backtracks_to_a_later_occurrence);
    tcase_add_test(m, test_star_runs_do_not_blow_up);
    tcase_add_test(m, test_question_matches_exactly_one_byte);
    tcase_add_test(m, test_class_matches_listed_bytes);
    tcase_add_test(m, test_class_range_matches_inclusive_bounds);
    tcase_add_test(m, test_reversed_range_matches_nothing);
    tcase_add_test(m, test_negated_class_matches_other_bytes);
    tcase_add_test(m, test_caret_is_not_negation);
    tcase_add_test(m, test_close_bracket_first_in_class_is_a_member);
    tcase_add_test(m, test_dash_at_class_edges_is_a_member);
    tcase_add_test(m, test_backslash_escapes_metacharacters);
    tcase_add_test(m, test_backslash_escapes_inside_class);
    tcase_add_test(m, test_bytes_compare_unsigned);
    tcase_add_test(m, test_malformed_pattern_matches_literally);
    tcase_add_test(m, test_agrees_with_fnmatch_on_well_formed_patterns);
    suite_add_tcase(s, m);

    tcase_add_test(p, test_parse_splits_on_commas_and_trims_blanks);
    tcase_add_test(p, test_parse_keeps_inner_blanks);
    tcase_add_test(p, test_parse_skips_empty_items);
    tcase_add_test(p, test_parse_of_empty_or_null_list_is_empty);
    tcase_add_test(p, test_escaped_comma_stays_in_pattern);
    tcase_add_test(p, test_escaped_trailing_blank_is_kept);
    tcase_add_test(p, test_parse_rejects_unterminated_class);
    tcase_add_test(p, test_parse_rejects_comma_inside_class);
    tcase_add_test(p, test_parse_rejects_trailing_backslash);
    tcase_add_test(p, test_parse_accepts_exactly_max_items);
    tcase_add_test(p, test_parse_rejects_too_many_items);
    tcase_add_test(p, test_parse_accepts_list_that_just_fits);
    tcase_add_test(p, test_parse_rejects_list_that_does_not_fit);
    tcase_add_test(p, test_blanks_do_not_count_against_the_size);
    tcase_add_test(p, test_failed_parse_leaves_list_empty);
    suite_add_tcase(s, p);

    tcase_add_test(l, test_list_matches_if_any_pattern_matches);
    tcase_add_test(l, test_empty_list_matches_nothing);
    tcase_add_test(l, test_main_pattern_matches_main_thread_whatever_its_name);
    tcase_add_test(l, test_main_pattern_also_matches_a_thread_named_main);
    tcase_add_test(l, test_only_the_exact_main_pattern_names_the_main_thread);
    tcase_add_test(l, test_unknown_name_matches_as_empty_string);
    suite_add_tcase(s, l);
    return s;
}

int main(void)
{
    return unit_run(glob_suite());
}
