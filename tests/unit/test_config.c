/* Check suite for src/config.c: durations (parse and format) and STALLWATCH_* parsing with its
 * defaults, fallbacks and one-line diagnostics. A standalone test program; exits nonzero if
 * any test fails. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "core/config.h"
#include "support.h"

#define S  1000000000ULL
#define MS 1000000ULL

/* ---- helpers ---- */

#define MAX_LINES 64
#define LINE_CAP  2048

struct lines {
    unsigned n;
    char line[MAX_LINES][LINE_CAP];
};

/* Each test runs in its own process (Check forks), so file-scope state is per test. */
static struct lines diag;
static struct sw_config cfg;

static void collect(void *ctx, const char *line)
{
    struct lines *l = ctx;

    if (l->n < MAX_LINES)
        snprintf(l->line[l->n], LINE_CAP, "%s", line);
    l->n++;
}

/* Parses a NULL-terminated list of "NAME=value" strings with progname "prog". */
static void parse(const char *first, ...)
{
    char *env[64];
    size_t n = 0;
    va_list ap;

    va_start(ap, first);
    for (const char *e = first; e != NULL; e = va_arg(ap, const char *))
        env[n++] = (char *)e;
    va_end(ap);
    env[n] = NULL;
    memset(&diag, 0, sizeof diag);
    sw_config_parse(&cfg, env, "prog", collect, &diag);
}

static void assert_one_line(const char *expected)
{
    ck_assert_uint_eq(diag.n, 1);
    ck_assert_str_eq(diag.line[0], expected);
}

static void assert_one_line_containing(const char *part)
{
    ck_assert_uint_eq(diag.n, 1);
    ck_assert_msg(strstr(diag.line[0], part) != NULL, "\"%s\" not in \"%s\"", part, diag.line[0]);
}

static void assert_no_lines(void)
{
    ck_assert_msg(diag.n == 0, "unexpected diagnostic: %s", diag.n ? diag.line[0] : "");
}

static uint64_t dur(const char *s)
{
    uint64_t ns = 12345;

    ck_assert_msg(sw_parse_duration(s, &ns) == 0, "\"%s\" should parse", s);
    return ns;
}

static void reject(const char *s)
{
    uint64_t ns = 12345;

    ck_assert_msg(sw_parse_duration(s, &ns) == -EINVAL, "\"%s\" should be rejected", s);
    ck_assert_msg(ns == 12345, "\"%s\": output changed on failure", s);
}

static const char *fmt(uint64_t ns)
{
    static char out[64];

    sw_format_duration(ns, out, sizeof out);
    return out;
}

/* ---- sw_parse_duration ---- */

START_TEST(test_duration_accepts_each_unit)
{
    ck_assert_uint_eq(dur("250ms"), 250 * MS);
    ck_assert_uint_eq(dur("5s"), 5 * S);
    ck_assert_uint_eq(dur("2m"), 120 * S);
    ck_assert_uint_eq(dur("1h"), 3600 * S);
}
END_TEST

START_TEST(test_duration_bare_number_is_seconds)
{
    ck_assert_uint_eq(dur("7"), 7 * S);
    ck_assert_uint_eq(dur("0.25"), 250 * MS);
    ck_assert_uint_eq(dur("007"), 7 * S);
}
END_TEST

START_TEST(test_duration_accepts_exact_decimals)
{
    ck_assert_uint_eq(dur("1.5s"), 1500 * MS);
    ck_assert_uint_eq(dur("0.5ms"), 500000);
    ck_assert_uint_eq(dur("1.000000001s"), S + 1);
    ck_assert_uint_eq(dur("0.000001ms"), 1);
    ck_assert_uint_eq(dur("0.1s"), 100 * MS);
    ck_assert_uint_eq(dur("1.5m"), 90 * S);
    ck_assert_uint_eq(dur("2.5h"), 9000 * S);
    ck_assert_uint_eq(dur("1.50"), 1500 * MS);
}
END_TEST

START_TEST(test_duration_off_and_zero_mean_disabled)
{
    ck_assert_uint_eq(dur("off"), 0);
    ck_assert_uint_eq(dur("OFF"), 0);
    ck_assert_uint_eq(dur("Off"), 0);
    ck_assert_uint_eq(dur("0"), 0);
    ck_assert_uint_eq(dur("0s"), 0);
    ck_assert_uint_eq(dur("0ms"), 0);
    ck_assert_uint_eq(dur("0.0h"), 0);
}
END_TEST

START_TEST(test_duration_rejects_empty)
{
    reject("");
    reject(NULL);
}
END_TEST

START_TEST(test_duration_rejects_whitespace)
{
    reject(" ");
    reject(" 5s");
    reject("5s ");
    reject("5 s");
    reject("\t5s");
    reject("5s\n");
    reject("o ff");
}
END_TEST

START_TEST(test_duration_rejects_sign)
{
    reject("+5s");
    reject("-3s");
    reject("-0");
    reject("+0");
}
END_TEST

START_TEST(test_duration_rejects_trailing_junk)
{
    reject("5s x");
    reject("5ss");
    reject("5sx");
    reject("5.");
    reject("5.s");
    reject("1.5.2s");
    reject("offx");
    reject("5s\x01");
}
END_TEST

START_TEST(test_duration_rejects_unknown_units)
{
    reject("5d");
    reject("5us");
    reject("5ns");
    reject("5sec");
    reject("5S");
    reject("5MS");
    reject("5M");
    reject("5e3");
    reject("inf");
    reject("nan");
}
END_TEST

START_TEST(test_duration_rejects_missing_leading_digit)
{
    reject(".5");
    reject(".5s");
    reject("s");
    reject("ms");
}
END_TEST

START_TEST(test_duration_rejects_more_than_nine_decimals)
{
    ck_assert_uint_eq(dur("1.123456789s"), 1123456789);
    reject("1.1234567890s");
    reject("0.0000000000");
}
END_TEST

START_TEST(test_duration_rejects_hex)
{
    reject("0x10");
    reject("0x10s");
    reject("0X1");
}
END_TEST

START_TEST(test_duration_rejects_overflow)
{
    reject("18446744074s");
    reject("18446744073.709551616s");
    reject("5124096h");
    reject("99999999999999999999999999");
    reject("18446744073709551616ms");
}
END_TEST

START_TEST(test_duration_accepts_largest_value)
{
    ck_assert_uint_eq(dur("18446744073.709551615s"), UINT64_MAX);
    ck_assert_uint_eq(dur("18446744073709.551615ms"), UINT64_MAX);
}
END_TEST

START_TEST(test_duration_rejects_fraction_of_a_nanosecond)
{
    /* With at most 9 decimals only milliseconds can split a nanosecond. */
    reject("0.0000001ms");
    reject("1.0000005ms");
    reject("0.123456789ms");
    ck_assert_uint_eq(dur("0.000000001m"), 60);
    ck_assert_uint_eq(dur("0.000000001h"), 3600);
}
END_TEST

/* ---- sw_format_duration ---- */

START_TEST(test_format_writes_off_for_zero)
{
    ck_assert_str_eq(fmt(0), "off");
}
END_TEST

START_TEST(test_format_uses_shortest_exact_spelling)
{
    ck_assert_str_eq(fmt(5 * S), "5s");
    ck_assert_str_eq(fmt(1500 * MS), "1.5s");
    ck_assert_str_eq(fmt(120 * S), "2m");
    ck_assert_str_eq(fmt(90 * S), "90s");
    ck_assert_str_eq(fmt(3600 * S), "1h");
    ck_assert_str_eq(fmt(9000 * S), "150m");
    ck_assert_str_eq(fmt(1234567), "1.234567ms");
    ck_assert_str_eq(fmt(S + 1), "1.000000001s");
    ck_assert_str_eq(fmt(UINT64_MAX), "18446744073.709551615s");
}
END_TEST

START_TEST(test_format_prefers_integer_part_and_no_decimal_point)
{
    ck_assert_str_eq(fmt(250 * MS), "250ms");
    ck_assert_str_eq(fmt(500 * MS), "500ms");
    ck_assert_str_eq(fmt(1 * MS), "1ms");
}
END_TEST

START_TEST(test_format_writes_sub_millisecond_values_in_ms)
{
    ck_assert_str_eq(fmt(1), "0.000001ms");
    ck_assert_str_eq(fmt(500000), "0.5ms");
    ck_assert_str_eq(fmt(999999), "0.999999ms");
}
END_TEST

START_TEST(test_format_truncates_to_capacity)
{
    char out[4];

    memset(out, 'x', sizeof out);
    sw_format_duration(1500 * MS, out, sizeof out);
    ck_assert_str_eq(out, "1.5");
    sw_format_duration(5 * S, out, 0); /* must not write */
    ck_assert_str_eq(out, "1.5");
}
END_TEST

static void round_trip(uint64_t ns)
{
    char out[32];
    uint64_t back = ~ns;

    /* Plain ifs: each ck_assert records a checkpoint, too slow for 200000 values. */
    sw_format_duration(ns, out, sizeof out);
    if (strlen(out) >= sizeof out - 1)
        ck_abort_msg("%" PRIu64 " -> \"%s\": possibly truncated", ns, out);
    if (sw_parse_duration(out, &back) != 0)
        ck_abort_msg("%" PRIu64 " -> \"%s\" does not parse", ns, out);
    if (back != ns)
        ck_abort_msg("%" PRIu64 " -> \"%s\" -> %" PRIu64, ns, out, back);
}

START_TEST(test_format_round_trips_through_parse)
{
    static const uint64_t units[] = {1, 10, 1000, MS, 10 * MS, S, 60 * S, 3600 * S};
    uint64_t x = 88172645463325252ULL;

    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        for (uint64_t k = 0; k <= 1000; k++)
            round_trip(k * units[u]);
    }
    for (int shift = 0; shift < 64; shift++) {
        round_trip(1ULL << shift);
        round_trip((1ULL << shift) - 1);
        round_trip((1ULL << shift) + 1);
    }
    round_trip(UINT64_MAX);
    round_trip(UINT64_MAX - 1);
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13; /* xorshift64 */
        x ^= x >> 7;
        x ^= x << 17;
        round_trip(x);
        round_trip(x >> (x & 63));
    }
}
END_TEST

/* ---- defaults ---- */

#define NS_PER_S_TEST 1000000000ull

static void assert_defaults(void)
{
    ck_assert(!cfg.disabled);
    ck_assert_uint_eq(cfg.threshold_ns, 5 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_NONE], 0);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 5 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_DISK], 5 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_PEER], 0);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_WAIT], 0);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_IDLE], 0);
    ck_assert_uint_eq(cfg.heartbeat.n, 0);
    ck_assert_uint_eq(cfg.watch.n, 0);
    ck_assert_uint_eq(cfg.ignore.n, 0);
    ck_assert_uint_eq(cfg.noutputs, 1);
    ck_assert_int_eq(cfg.outputs[0].kind, SW_OUT_SYSLOG);
    ck_assert_int_eq(cfg.format, SW_FORMAT_TEXT);
    ck_assert_str_eq(cfg.syslog_socket, "/dev/log");
    ck_assert_int_eq(cfg.facility, LOG_USER);
    ck_assert_str_eq(cfg.ident, "prog");
    ck_assert_uint_eq(cfg.frames, 64);
    ck_assert(!cfg.debuginfod);
    ck_assert_uint_eq(cfg.repeat_ns, 60 * NS_PER_S_TEST);
    ck_assert_uint_eq(cfg.rate_per_min, 30);
    ck_assert_uint_eq(cfg.deadlock_ns, 1 * NS_PER_S_TEST);
    ck_assert(!cfg.all_threads);
    ck_assert(!cfg.action_abort);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_BUSY], 0);
}

START_TEST(test_defaults_without_environment)
{
    parse(NULL);
    assert_no_lines();
    assert_defaults();

    memset(&diag, 0, sizeof diag);
    sw_config_parse(&cfg, NULL, "prog", collect, &diag);
    assert_no_lines();
    assert_defaults();
}
END_TEST

START_TEST(test_empty_value_is_treated_as_unset)
{
    parse("STALLWATCH_THRESHOLD=", "STALLWATCH_LOCK=", "STALLWATCH_DISK=", "STALLWATCH_PEER=",
          "STALLWATCH_WAIT=", "STALLWATCH_IDLE=", "STALLWATCH_HEARTBEAT=", "STALLWATCH_OUTPUT=",
          "STALLWATCH_FORMAT=", "STALLWATCH_SYSLOG_SOCKET=", "STALLWATCH_FACILITY=",
          "STALLWATCH_IDENT=", "STALLWATCH_FRAMES=", "STALLWATCH_WATCH=", "STALLWATCH_IGNORE=",
          "STALLWATCH_DISABLE=", "STALLWATCH_DEBUGINFOD=", "STALLWATCH_REPEAT=", "STALLWATCH_RATE=",
          "STALLWATCH_DEADLOCK=", "STALLWATCH_ALL_THREADS=", "STALLWATCH_ACTION=",
          "STALLWATCH_BUSY=", NULL);
    assert_no_lines();
    assert_defaults();
}
END_TEST

START_TEST(test_other_variables_are_ignored)
{
    parse("PATH=/bin", "stallwatch_threshold=1s", "STALLWATCHLOCK=1s", "STALLWATCH_LOCK",
          "XSTALLWATCH_LOCK=1s", "=", "", NULL);
    assert_no_lines();
    assert_defaults();
}
END_TEST

START_TEST(test_valid_environment_yields_no_lines)
{
    parse("STALLWATCH_THRESHOLD=2s", "STALLWATCH_LOCK=1s", "STALLWATCH_DISK=10s",
          "STALLWATCH_PEER=30s", "STALLWATCH_WAIT=1m", "STALLWATCH_IDLE=1h",
          "STALLWATCH_HEARTBEAT=loop-*", "STALLWATCH_OUTPUT=stderr,file:/tmp/sw.log",
          "STALLWATCH_FORMAT=json", "STALLWATCH_SYSLOG_SOCKET=/run/log",
          "STALLWATCH_FACILITY=daemon", "STALLWATCH_IDENT=myapp", "STALLWATCH_FRAMES=32",
          "STALLWATCH_WATCH=main,db-*", "STALLWATCH_IGNORE=gc", "STALLWATCH_DISABLE=1",
          "STALLWATCH_DEBUGINFOD=1", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.threshold_ns, 2 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 1 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_DISK], 10 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_PEER], 30 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_WAIT], 60 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_IDLE], 3600 * S);
    ck_assert_uint_eq(cfg.heartbeat.n, 1);
    ck_assert_str_eq(cfg.heartbeat.pat[0], "loop-*");
    ck_assert_uint_eq(cfg.noutputs, 2);
    ck_assert_int_eq(cfg.outputs[0].kind, SW_OUT_STDERR);
    ck_assert_int_eq(cfg.outputs[1].kind, SW_OUT_FILE);
    ck_assert_str_eq(cfg.outputs[1].path, "/tmp/sw.log");
    ck_assert_int_eq(cfg.format, SW_FORMAT_JSON);
    ck_assert_str_eq(cfg.syslog_socket, "/run/log");
    ck_assert_int_eq(cfg.facility, LOG_DAEMON);
    ck_assert_str_eq(cfg.ident, "myapp");
    ck_assert_uint_eq(cfg.frames, 32);
    ck_assert_uint_eq(cfg.watch.n, 2);
    ck_assert(sw_globs_match(&cfg.watch, "db-1", false));
    ck_assert_uint_eq(cfg.ignore.n, 1);
    ck_assert(cfg.disabled);
    ck_assert(cfg.debuginfod);
}
END_TEST

START_TEST(test_null_diag_callback_is_allowed)
{
    char *env[] = {"STALLWATCH_LOCK=bad", "STALLWATCH_NOPE=1", NULL};

    sw_config_parse(&cfg, env, "prog", NULL, NULL);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 5 * S);
}
END_TEST

/* ---- thresholds ---- */

START_TEST(test_lock_defaults_to_threshold)
{
    parse("STALLWATCH_THRESHOLD=3s", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.threshold_ns, 3 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 3 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_DISK], 3 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_PEER], 0);
}
END_TEST

START_TEST(test_threshold_applies_whatever_the_order)
{
    parse("STALLWATCH_LOCK=1s", "STALLWATCH_THRESHOLD=3s", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 1 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_DISK], 3 * S);

    parse("STALLWATCH_THRESHOLD=3s", "STALLWATCH_LOCK=1s", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 1 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_DISK], 3 * S);

    parse("STALLWATCH_DISK=bad", "STALLWATCH_THRESHOLD=3s", NULL);
    assert_one_line_containing("; using 3s");
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_DISK], 3 * S);
}
END_TEST

START_TEST(test_class_can_be_turned_off_while_threshold_is_set)
{
    parse("STALLWATCH_THRESHOLD=3s", "STALLWATCH_DISK=off", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 3 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_DISK], 0);
}
END_TEST

START_TEST(test_threshold_off_turns_off_lock_and_disk_by_default)
{
    parse("STALLWATCH_THRESHOLD=off", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.threshold_ns, 0);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 0);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_DISK], 0);
}
END_TEST

START_TEST(test_peer_wait_idle_take_their_own_values)
{
    parse("STALLWATCH_PEER=250ms", "STALLWATCH_WAIT=2m", "STALLWATCH_IDLE=1.5h", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_PEER], 250 * MS);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_WAIT], 120 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_IDLE], 5400 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 5 * S);
}
END_TEST

START_TEST(test_bad_threshold_falls_back_to_5s)
{
    parse("STALLWATCH_THRESHOLD=5x", NULL);
    assert_one_line("stallwatch: STALLWATCH_THRESHOLD=\"5x\" is not a duration "
                    "(e.g. 500ms, 5s, 2m, off); using 5s");
    ck_assert_uint_eq(cfg.threshold_ns, 5 * S);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 5 * S);
}
END_TEST

START_TEST(test_bad_lock_falls_back_to_parsed_threshold)
{
    parse("STALLWATCH_LOCK=-3s", NULL);
    assert_one_line("stallwatch: STALLWATCH_LOCK=\"-3s\" is not a duration "
                    "(e.g. 500ms, 5s, 2m, off); using 5s");
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 5 * S);

    parse("STALLWATCH_LOCK=-3s", "STALLWATCH_THRESHOLD=1.5s", NULL);
    assert_one_line("stallwatch: STALLWATCH_LOCK=\"-3s\" is not a duration "
                    "(e.g. 500ms, 5s, 2m, off); using 1.5s");
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 1500 * MS);
}
END_TEST

START_TEST(test_bad_lock_with_threshold_off_falls_back_to_off)
{
    parse("STALLWATCH_THRESHOLD=off", "STALLWATCH_LOCK=soon", NULL);
    assert_one_line_containing("; using off");
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 0);
}
END_TEST

START_TEST(test_bad_threshold_and_bad_lock_give_two_lines_and_5s)
{
    parse("STALLWATCH_LOCK=x", "STALLWATCH_THRESHOLD=y", NULL);
    ck_assert_uint_eq(diag.n, 2);
    ck_assert_ptr_nonnull(strstr(diag.line[0], "STALLWATCH_THRESHOLD=\"y\""));
    ck_assert_ptr_nonnull(strstr(diag.line[1], "STALLWATCH_LOCK=\"x\""));
    ck_assert_ptr_nonnull(strstr(diag.line[1], "; using 5s"));
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 5 * S);
}
END_TEST

START_TEST(test_bad_peer_falls_back_to_off)
{
    parse("STALLWATCH_PEER=5d", NULL);
    assert_one_line("stallwatch: STALLWATCH_PEER=\"5d\" is not a duration "
                    "(e.g. 500ms, 5s, 2m, off); using off");
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_PEER], 0);
}
END_TEST

/* ---- names ---- */

START_TEST(test_first_occurrence_wins_silently)
{
    parse("STALLWATCH_LOCK=1s", "STALLWATCH_LOCK=2s", "STALLWATCH_LOCK=bad", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_LOCK], 1 * S);

    parse("STALLWATCH_FORMAT=", "STALLWATCH_FORMAT=json", NULL);
    assert_no_lines();
    ck_assert_int_eq(cfg.format, SW_FORMAT_TEXT);
}
END_TEST

START_TEST(test_unknown_variable_suggests_closest_name)
{
    parse("STALLWATCH_TRESHOLD=3s", NULL);
    assert_one_line("stallwatch: unknown setting STALLWATCH_TRESHOLD ignored; "
                    "did you mean STALLWATCH_THRESHOLD?");
    ck_assert_uint_eq(cfg.threshold_ns, 5 * S);

    parse("STALLWATCH_THERSHOLD=3s", NULL);
    assert_one_line_containing("did you mean STALLWATCH_THRESHOLD?");
    parse("STALLWATCH_IDL=3s", NULL);
    assert_one_line_containing("did you mean STALLWATCH_IDLE?");
    parse("STALLWATCH_SYSLOG_SOCK=/x", NULL);
    assert_one_line_containing("did you mean STALLWATCH_SYSLOG_SOCKET?");
}
END_TEST

START_TEST(test_unknown_variable_suggestion_ignores_case)
{
    parse("STALLWATCH_Threshold=3s", NULL);
    assert_one_line("stallwatch: unknown setting STALLWATCH_Threshold ignored; "
                    "did you mean STALLWATCH_THRESHOLD?");
}
END_TEST

START_TEST(test_unknown_variable_far_from_any_name_has_no_suggestion)
{
    parse("STALLWATCH_VERBOSE=1", NULL);
    assert_one_line("stallwatch: unknown setting STALLWATCH_VERBOSE ignored");
    parse("STALLWATCH_=1", NULL);
    assert_one_line("stallwatch: unknown setting STALLWATCH_ ignored");
}
END_TEST

START_TEST(test_unknown_variable_is_reported_once)
{
    parse("STALLWATCH_NOPE=1", "STALLWATCH_NOPE=2", "STALLWATCH_NOPEX=3", NULL);
    ck_assert_uint_eq(diag.n, 2);
    ck_assert_ptr_nonnull(strstr(diag.line[0], "STALLWATCH_NOPE "));
    ck_assert_ptr_nonnull(strstr(diag.line[1], "STALLWATCH_NOPEX "));
}
END_TEST

START_TEST(test_unknown_variable_is_reported_even_when_empty)
{
    parse("STALLWATCH_TRESHOLD=", NULL);
    assert_one_line_containing("unknown setting STALLWATCH_TRESHOLD");
}
END_TEST

START_TEST(test_hostile_name_stays_on_one_line)
{
    char name[4200];

    snprintf(name, sizeof name, "STALLWATCH_A\nB C\"\x1b[31m=1");
    parse(name, NULL);
    assert_one_line("stallwatch: unknown setting STALLWATCH_A\\x0aB\\x20C\\\"\\x1b[31m ignored");

    memset(name, 'Z', sizeof name - 1);
    memcpy(name, "STALLWATCH_", 11);
    strcpy(name + 4000, "=1");
    parse(name, NULL);
    ck_assert_uint_eq(diag.n, 1);
    ck_assert_uint_lt(strlen(diag.line[0]), 200);
    ck_assert_ptr_nonnull(strstr(diag.line[0], "ZZZ... ignored"));
}
END_TEST

/* ---- FORMAT, OUTPUT ---- */

START_TEST(test_format_accepts_text_and_json)
{
    parse("STALLWATCH_FORMAT=json", NULL);
    ck_assert_int_eq(cfg.format, SW_FORMAT_JSON);
    parse("STALLWATCH_FORMAT=JSON", NULL);
    ck_assert_int_eq(cfg.format, SW_FORMAT_JSON);
    parse("STALLWATCH_FORMAT=text", NULL);
    ck_assert_int_eq(cfg.format, SW_FORMAT_TEXT);
    assert_no_lines();
}
END_TEST

START_TEST(test_bad_format_falls_back_to_text)
{
    parse("STALLWATCH_FORMAT=xml", NULL);
    assert_one_line("stallwatch: STALLWATCH_FORMAT=\"xml\" is not text or json; using text");
    ck_assert_int_eq(cfg.format, SW_FORMAT_TEXT);
    parse("STALLWATCH_FORMAT= json", NULL);
    assert_one_line_containing("using text");
}
END_TEST

START_TEST(test_output_parses_each_kind_and_trims_blanks)
{
    parse("STALLWATCH_OUTPUT= stderr , syslog,\tfile:/var/log/sw.log ", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.noutputs, 3);
    ck_assert_int_eq(cfg.outputs[0].kind, SW_OUT_STDERR);
    ck_assert_int_eq(cfg.outputs[1].kind, SW_OUT_SYSLOG);
    ck_assert_int_eq(cfg.outputs[2].kind, SW_OUT_FILE);
    ck_assert_str_eq(cfg.outputs[2].path, "/var/log/sw.log");
}
END_TEST

START_TEST(test_output_accepts_max_outputs_and_duplicates)
{
    parse("STALLWATCH_OUTPUT=stderr,stderr,,file:/a,file:/a", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.noutputs, SW_MAX_OUTPUTS);
}
END_TEST

static void assert_output_fell_back(void)
{
    ck_assert_uint_eq(cfg.noutputs, 1);
    ck_assert_int_eq(cfg.outputs[0].kind, SW_OUT_SYSLOG);
}

START_TEST(test_output_rejects_unknown_item)
{
    parse("STALLWATCH_OUTPUT=stderr,fil:/x", NULL);
    assert_one_line("stallwatch: STALLWATCH_OUTPUT=\"stderr,fil:/x\" has bad item \"fil:/x\" "
                    "(expected syslog, journal, stderr or file:/absolute/path); using syslog");
    assert_output_fell_back();
}
END_TEST

START_TEST(test_output_rejects_relative_path)
{
    parse("STALLWATCH_OUTPUT=file:log.txt", NULL);
    assert_one_line_containing("has bad item \"file:log.txt\" (file path is not absolute)");
    assert_output_fell_back();
    parse("STALLWATCH_OUTPUT=stderr,file:", NULL);
    assert_one_line_containing("has bad item \"file:\" (file path is not absolute)");
    assert_output_fell_back();
}
END_TEST

START_TEST(test_output_rejects_path_that_does_not_fit)
{
    char env[400];
    int n = snprintf(env, sizeof env, "STALLWATCH_OUTPUT=file:/");

    memset(env + n, 'p', SW_PATH_MAX - 2);
    env[n + SW_PATH_MAX - 2] = '\0';
    parse(env, NULL); /* a path of SW_PATH_MAX - 1 bytes fits */
    assert_no_lines();
    ck_assert_uint_eq(strlen(cfg.outputs[0].path), SW_PATH_MAX - 1);

    env[n + SW_PATH_MAX - 2] = 'p';
    env[n + SW_PATH_MAX - 1] = '\0';
    parse(env, NULL);
    assert_one_line_containing("(file path is 256 bytes or longer); using syslog");
    assert_output_fell_back();
}
END_TEST

START_TEST(test_output_rejects_too_many_items)
{
    parse("STALLWATCH_OUTPUT=stderr,syslog,file:/a,file:/b,file:/c", NULL);
    assert_one_line_containing("has bad item \"file:/c\" (more than 4 outputs); using syslog");
    assert_output_fell_back();
}
END_TEST

START_TEST(test_output_rejects_list_without_items)
{
    parse("STALLWATCH_OUTPUT= , ", NULL);
    assert_one_line("stallwatch: STALLWATCH_OUTPUT=\" , \" names no output (expected syslog, "
                    "journal, stderr or file:/absolute/path); using syslog");
    assert_output_fell_back();
}
END_TEST

START_TEST(test_output_takes_journal)
{
    parse("STALLWATCH_OUTPUT=journal, stderr", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.noutputs, 2);
    ck_assert_int_eq(cfg.outputs[0].kind, SW_OUT_JOURNAL);
    ck_assert_int_eq(cfg.outputs[1].kind, SW_OUT_STDERR);
    ck_assert_str_eq(cfg.journal_socket, "/run/systemd/journal/socket");
    parse("STALLWATCH_JOURNAL_SOCKET=/tmp/j", NULL);
    assert_no_lines();
    ck_assert_str_eq(cfg.journal_socket, "/tmp/j");
    parse("STALLWATCH_JOURNAL_SOCKET=j", NULL);
    assert_one_line("stallwatch: STALLWATCH_JOURNAL_SOCKET=\"j\" is not an absolute path of at "
                    "most 107 bytes; using /run/systemd/journal/socket");
    ck_assert_str_eq(cfg.journal_socket, "/run/systemd/journal/socket");
}
END_TEST

START_TEST(test_syslog_format_is_rfc3164_or_rfc5424)
{
    parse(NULL);
    ck_assert(!cfg.syslog_rfc5424);
    parse("STALLWATCH_SYSLOG_FORMAT=rfc5424", NULL);
    assert_no_lines();
    ck_assert(cfg.syslog_rfc5424);
    parse("STALLWATCH_SYSLOG_FORMAT=RFC3164", NULL);
    assert_no_lines();
    ck_assert(!cfg.syslog_rfc5424);
    parse("STALLWATCH_SYSLOG_FORMAT=5424", NULL);
    assert_one_line("stallwatch: STALLWATCH_SYSLOG_FORMAT=\"5424\" is not rfc3164 or rfc5424; "
                    "using rfc3164");
    ck_assert(!cfg.syslog_rfc5424);
}
END_TEST

/* ---- SYSLOG_SOCKET, FACILITY, IDENT ---- */

START_TEST(test_syslog_socket_takes_an_absolute_path)
{
    char env[200];
    int n = snprintf(env, sizeof env, "STALLWATCH_SYSLOG_SOCKET=/");

    parse("STALLWATCH_SYSLOG_SOCKET=/run/systemd/journal/dev-log", NULL);
    assert_no_lines();
    ck_assert_str_eq(cfg.syslog_socket, "/run/systemd/journal/dev-log");

    memset(env + n, 's', sizeof cfg.syslog_socket - 2);
    env[n + sizeof cfg.syslog_socket - 2] = '\0';
    parse(env, NULL); /* 107 bytes fit */
    assert_no_lines();
    ck_assert_uint_eq(strlen(cfg.syslog_socket), sizeof cfg.syslog_socket - 1);
}
END_TEST

START_TEST(test_bad_syslog_socket_falls_back_to_dev_log)
{
    char env[200];
    int n = snprintf(env, sizeof env, "STALLWATCH_SYSLOG_SOCKET=/");

    parse("STALLWATCH_SYSLOG_SOCKET=dev/log", NULL);
    assert_one_line("stallwatch: STALLWATCH_SYSLOG_SOCKET=\"dev/log\" is not an absolute path "
                    "of at most 107 bytes; using /dev/log");
    ck_assert_str_eq(cfg.syslog_socket, "/dev/log");

    memset(env + n, 's', sizeof cfg.syslog_socket - 1);
    env[n + sizeof cfg.syslog_socket - 1] = '\0';
    parse(env, NULL); /* 108 bytes do not */
    assert_one_line_containing("; using /dev/log");
    ck_assert_str_eq(cfg.syslog_socket, "/dev/log");
}
END_TEST

START_TEST(test_facility_names_map_to_log_values)
{
    static const struct {
        const char *env;
        int value;
    } cases[] = {
        {"STALLWATCH_FACILITY=kern", LOG_KERN},         {"STALLWATCH_FACILITY=user", LOG_USER},
        {"STALLWATCH_FACILITY=mail", LOG_MAIL},         {"STALLWATCH_FACILITY=daemon", LOG_DAEMON},
        {"STALLWATCH_FACILITY=auth", LOG_AUTH},         {"STALLWATCH_FACILITY=syslog", LOG_SYSLOG},
        {"STALLWATCH_FACILITY=lpr", LOG_LPR},           {"STALLWATCH_FACILITY=news", LOG_NEWS},
        {"STALLWATCH_FACILITY=uucp", LOG_UUCP},         {"STALLWATCH_FACILITY=cron", LOG_CRON},
        {"STALLWATCH_FACILITY=authpriv", LOG_AUTHPRIV}, {"STALLWATCH_FACILITY=ftp", LOG_FTP},
        {"STALLWATCH_FACILITY=local0", LOG_LOCAL0},     {"STALLWATCH_FACILITY=local1", LOG_LOCAL1},
        {"STALLWATCH_FACILITY=local2", LOG_LOCAL2},     {"STALLWATCH_FACILITY=local3", LOG_LOCAL3},
        {"STALLWATCH_FACILITY=local4", LOG_LOCAL4},     {"STALLWATCH_FACILITY=local5", LOG_LOCAL5},
        {"STALLWATCH_FACILITY=local6", LOG_LOCAL6},     {"STALLWATCH_FACILITY=local7", LOG_LOCAL7},
        {"STALLWATCH_FACILITY=LOCAL7", LOG_LOCAL7},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parse(cases[i].env, NULL);
        assert_no_lines();
        ck_assert_int_eq(cfg.facility, cases[i].value);
    }
}
END_TEST

START_TEST(test_bad_facility_falls_back_to_user)
{
    parse("STALLWATCH_FACILITY=local8", NULL);
    assert_one_line_containing("STALLWATCH_FACILITY=\"local8\" is not a syslog facility (");
    assert_one_line_containing("; using user");
    ck_assert_int_eq(cfg.facility, LOG_USER);
    parse("STALLWATCH_FACILITY=LOG_DAEMON", NULL);
    ck_assert_uint_eq(diag.n, 1);
    parse("STALLWATCH_FACILITY=3", NULL);
    ck_assert_uint_eq(diag.n, 1);
    ck_assert_int_eq(cfg.facility, LOG_USER);
}
END_TEST

START_TEST(test_ident_defaults_to_program_name)
{
    parse(NULL);
    ck_assert_str_eq(cfg.ident, "prog");
}
END_TEST

START_TEST(test_ident_defaults_to_stallwatch_without_program_name)
{
    char *env[] = {NULL};

    sw_config_parse(&cfg, env, NULL, NULL, NULL);
    ck_assert_str_eq(cfg.ident, "stallwatch");
    sw_config_parse(&cfg, env, "", NULL, NULL);
    ck_assert_str_eq(cfg.ident, "stallwatch");
}
END_TEST

START_TEST(test_ident_default_is_made_safe_for_syslog)
{
    char *env[] = {NULL};
    char longname[200];

    sw_config_parse(&cfg, env, "my prog[1]:x\n", NULL, NULL);
    ck_assert_str_eq(cfg.ident, "my_prog_1__x_");
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    sw_config_parse(&cfg, env, longname, NULL, NULL);
    ck_assert_uint_eq(strlen(cfg.ident), sizeof cfg.ident - 1);
}
END_TEST

START_TEST(test_ident_accepts_printable_names_up_to_63_bytes)
{
    char env[200];
    int n = snprintf(env, sizeof env, "STALLWATCH_IDENT=");

    parse("STALLWATCH_IDENT=my-app/2.0", NULL);
    assert_no_lines();
    ck_assert_str_eq(cfg.ident, "my-app/2.0");

    memset(env + n, 'i', 63);
    env[n + 63] = '\0';
    parse(env, NULL);
    assert_no_lines();
    ck_assert_uint_eq(strlen(cfg.ident), 63);
}
END_TEST

START_TEST(test_ident_rejects_unsafe_names)
{
    static const char *const bad[] = {
        "STALLWATCH_IDENT=my app", "STALLWATCH_IDENT=app[1]", "STALLWATCH_IDENT=app]",
        "STALLWATCH_IDENT=app:",   "STALLWATCH_IDENT=a\tb",   "STALLWATCH_IDENT=caf\xc3\xa9",
        "STALLWATCH_IDENT=a\x7f",
    };
    char env[200];
    int n = snprintf(env, sizeof env, "STALLWATCH_IDENT=");

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(bad[i], NULL);
        assert_one_line_containing("is not 1 to 63 printable characters without space, "
                                   "'[', ']' or ':'; using prog");
        ck_assert_str_eq(cfg.ident, "prog");
    }
    memset(env + n, 'i', 64);
    env[n + 64] = '\0';
    parse(env, NULL);
    assert_one_line_containing("; using prog");
    ck_assert_str_eq(cfg.ident, "prog");
}
END_TEST

/* ---- FRAMES, DISABLE, DEBUGINFOD ---- */

START_TEST(test_frames_accepts_1_to_max)
{
    parse("STALLWATCH_FRAMES=1", NULL);
    ck_assert_uint_eq(cfg.frames, 1);
    parse("STALLWATCH_FRAMES=256", NULL);
    ck_assert_uint_eq(cfg.frames, SW_FRAMES_MAX);
    parse("STALLWATCH_FRAMES=0128", NULL);
    ck_assert_uint_eq(cfg.frames, 128);
    assert_no_lines();
}
END_TEST

START_TEST(test_bad_frames_fall_back_to_64)
{
    static const char *const bad[] = {
        "STALLWATCH_FRAMES=0",    "STALLWATCH_FRAMES=257",
        "STALLWATCH_FRAMES=-1",   "STALLWATCH_FRAMES=+5",
        "STALLWATCH_FRAMES= 5",   "STALLWATCH_FRAMES=5x",
        "STALLWATCH_FRAMES=0x10", "STALLWATCH_FRAMES=99999999999999999999999999",
        "STALLWATCH_FRAMES=1.0",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(bad[i], NULL);
        assert_one_line_containing("is not an integer from 1 to 256; using 64");
        ck_assert_uint_eq(cfg.frames, 64);
    }
}
END_TEST

START_TEST(test_disable_and_debuginfod_accept_0_and_1)
{
    parse("STALLWATCH_DISABLE=1", "STALLWATCH_DEBUGINFOD=1", NULL);
    ck_assert(cfg.disabled);
    ck_assert(cfg.debuginfod);
    parse("STALLWATCH_DISABLE=0", "STALLWATCH_DEBUGINFOD=0", NULL);
    ck_assert(!cfg.disabled);
    ck_assert(!cfg.debuginfod);
    assert_no_lines();
}
END_TEST

START_TEST(test_bad_switch_falls_back_to_0)
{
    static const char *const bad[] = {"yes", "true", "on", "2", "01", " 1", "1 "};
    char env[64];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(env, sizeof env, "STALLWATCH_DISABLE=%s", bad[i]);
        parse(env, NULL);
        assert_one_line_containing("is not 0 or 1; using 0");
        ck_assert(!cfg.disabled);
        snprintf(env, sizeof env, "STALLWATCH_DEBUGINFOD=%s", bad[i]);
        parse(env, NULL);
        assert_one_line_containing("is not 0 or 1; using 0");
        ck_assert(!cfg.debuginfod);
    }
}
END_TEST

/* ---- glob lists ---- */

START_TEST(test_glob_lists_are_parsed)
{
    parse("STALLWATCH_WATCH=main, worker-*", "STALLWATCH_IGNORE=gc-[0-9]",
          "STALLWATCH_HEARTBEAT=loop", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.watch.n, 2);
    ck_assert(sw_globs_match(&cfg.watch, "whatever", true));
    ck_assert(sw_globs_match(&cfg.watch, "worker-7", false));
    ck_assert(sw_globs_match(&cfg.ignore, "gc-3", false));
    ck_assert(sw_globs_match(&cfg.heartbeat, "loop", false));
}
END_TEST

START_TEST(test_bad_glob_list_falls_back_to_empty)
{
    parse("STALLWATCH_WATCH=worker-[0-9", NULL);
    assert_one_line("stallwatch: STALLWATCH_WATCH=\"worker-[0-9\" is not a comma-separated list "
                    "of at most 16 thread-name globs (e.g. main,worker-*); using all threads");
    ck_assert_uint_eq(cfg.watch.n, 0);

    parse("STALLWATCH_IGNORE=a\\", NULL);
    assert_one_line_containing("STALLWATCH_IGNORE=\"a\\\\\" is not a comma-separated list");
    assert_one_line_containing("; using none");
    ck_assert_uint_eq(cfg.ignore.n, 0);

    parse("STALLWATCH_HEARTBEAT=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", NULL);
    assert_one_line_containing("; using none");
    ck_assert_uint_eq(cfg.heartbeat.n, 0);
}
END_TEST

/* ---- one line per bad value ---- */

START_TEST(test_each_bad_value_yields_exactly_one_line)
{
    static const char *const bad[] = {
        "STALLWATCH_THRESHOLD=5 s",   "STALLWATCH_LOCK=5ss",        "STALLWATCH_DISK=.5",
        "STALLWATCH_PEER=+1s",        "STALLWATCH_WAIT=0x10",       "STALLWATCH_IDLE=1.0000000001",
        "STALLWATCH_HEARTBEAT=[",     "STALLWATCH_OUTPUT=stdout",   "STALLWATCH_FORMAT=yaml",
        "STALLWATCH_SYSLOG_SOCKET=x", "STALLWATCH_FACILITY=local9", "STALLWATCH_IDENT=a b",
        "STALLWATCH_FRAMES=0",        "STALLWATCH_WATCH=\\",        "STALLWATCH_IGNORE=[a",
        "STALLWATCH_DISABLE=yes",     "STALLWATCH_DEBUGINFOD=no",   "STALLWATCH_THRESH=1s",
        "STALLWATCH_SYSLOG_FORMAT=x", "STALLWATCH_JOURNAL_SOCKET=x",
    };
    char *env[sizeof bad / sizeof bad[0] + 1];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(bad[i], NULL);
        ck_assert_msg(diag.n == 1, "%s gave %u lines", bad[i], diag.n);
        ck_assert_ptr_nonnull(strstr(diag.line[0], "stallwatch: "));
        env[i] = (char *)bad[i];
    }
    env[sizeof bad / sizeof bad[0]] = NULL;
    memset(&diag, 0, sizeof diag);
    sw_config_parse(&cfg, env, "prog", collect, &diag);
    ck_assert_uint_eq(diag.n, sizeof bad / sizeof bad[0]);
    assert_defaults();
}
END_TEST

START_TEST(test_hostile_value_stays_on_one_line)
{
    static const char *const names[] = {
        "THRESHOLD", "LOCK",   "DISK",   "PEER",          "WAIT",       "IDLE",
        "HEARTBEAT", "OUTPUT", "FORMAT", "SYSLOG_SOCKET", "FACILITY",   "IDENT",
        "FRAMES",    "WATCH",  "IGNORE", "DISABLE",       "DEBUGINFOD", "SYSLOG_FORMAT",
        "JOURNAL_SOCKET",
    };
    static char env[4200];

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int n = snprintf(env, sizeof env, "STALLWATCH_%s=[\n\r\"\\\x1b\x7f\xff", names[i]);

        for (int k = n; k < 4096 + n; k++)
            env[k] = (char)("\nx\"\r\t\x01,"[k % 7]);
        env[4096 + n] = '\0';
        parse(env, NULL);
        ck_assert_msg(diag.n == 1, "%s gave %u lines", names[i], diag.n);
        ck_assert_uint_lt(strlen(diag.line[0]), 800);
        for (const char *p = diag.line[0]; *p != '\0'; p++)
            ck_assert_msg(*p >= ' ' && *p < 0x7f, "%s: byte 0x%02x in line", names[i],
                          (unsigned char)*p);
        ck_assert_msg(strstr(diag.line[0], "=\"[\\x0a\\x0d\\\"\\\\\\x1b\\x7f\\xff") != NULL,
                      "escaping: %s", diag.line[0]);
        ck_assert_msg(strstr(diag.line[0], "\"...") != NULL, "cut mark: %s", diag.line[0]);
    }
    assert_defaults();
}
END_TEST

START_TEST(test_value_of_64_bytes_is_shown_whole)
{
    char env[128];
    int n = snprintf(env, sizeof env, "STALLWATCH_FORMAT=");

    memset(env + n, 'q', 64);
    env[n + 64] = '\0';
    parse(env, NULL);
    assert_one_line_containing("qqqq\" is not text or json");
    env[n + 64] = 'q';
    env[n + 65] = '\0';
    parse(env, NULL);
    assert_one_line_containing("qqqq\"... is not text or json");
}
END_TEST

START_TEST(test_diagnosis_settings_take_their_values)
{
    parse("STALLWATCH_REPEAT=30s", "STALLWATCH_RATE=5", "STALLWATCH_DEADLOCK=250ms",
          "STALLWATCH_ALL_THREADS=1", "STALLWATCH_ACTION=abort", "STALLWATCH_BUSY=2s", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.repeat_ns, 30 * NS_PER_S_TEST);
    ck_assert_uint_eq(cfg.rate_per_min, 5);
    ck_assert_uint_eq(cfg.deadlock_ns, 250000000ull);
    ck_assert(cfg.all_threads);
    ck_assert(cfg.action_abort);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_BUSY], 2 * NS_PER_S_TEST);
}
END_TEST

START_TEST(test_repeat_and_deadlock_off_mean_once_and_never)
{
    parse("STALLWATCH_REPEAT=off", "STALLWATCH_DEADLOCK=0", "STALLWATCH_RATE=OFF", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.repeat_ns, 0);
    ck_assert_uint_eq(cfg.deadlock_ns, 0);
    ck_assert_uint_eq(cfg.rate_per_min, 0);
}
END_TEST

START_TEST(test_action_accepts_log_and_abort_only)
{
    parse("STALLWATCH_ACTION=LOG", NULL);
    assert_no_lines();
    ck_assert(!cfg.action_abort);
    parse("STALLWATCH_ACTION=panic", NULL);
    assert_one_line("stallwatch: STALLWATCH_ACTION=\"panic\" is not log or abort; using log");
    ck_assert(!cfg.action_abort);
}
END_TEST

START_TEST(test_bad_rate_falls_back_to_30)
{
    const char *bad[] = {"STALLWATCH_RATE=-1", "STALLWATCH_RATE=1e3", "STALLWATCH_RATE=100001",
                         "STALLWATCH_RATE=ten"};
    for (unsigned i = 0; i < sizeof bad / sizeof *bad; i++) {
        parse(bad[i], NULL);
        assert_one_line_containing("is not a number of reports a minute (1 to 100000, or off); "
                                   "using 30");
        ck_assert_uint_eq(cfg.rate_per_min, 30);
    }
    parse("STALLWATCH_RATE=100000", NULL);
    assert_no_lines();
    ck_assert_uint_eq(cfg.rate_per_min, 100000);
}
END_TEST

START_TEST(test_bad_diagnosis_durations_fall_back_to_defaults)
{
    parse("STALLWATCH_REPEAT=soon", "STALLWATCH_DEADLOCK=-1s", "STALLWATCH_BUSY=1x", NULL);
    ck_assert_uint_eq(diag.n, 3);
    ck_assert_uint_eq(cfg.repeat_ns, 60 * NS_PER_S_TEST);
    ck_assert_uint_eq(cfg.deadlock_ns, 1 * NS_PER_S_TEST);
    ck_assert_uint_eq(cfg.class_ns[SW_CLASS_BUSY], 0);
}
END_TEST

START_TEST(test_secure_mode_drops_file_outputs_socket_and_debuginfod)
{
    parse("STALLWATCH_OUTPUT=stderr,file:/etc/x,syslog", "STALLWATCH_SYSLOG_SOCKET=/tmp/s",
          "STALLWATCH_DEBUGINFOD=1", "STALLWATCH_JOURNAL_SOCKET=/tmp/j", NULL);
    assert_no_lines();
    sw_config_secure(&cfg, collect, &diag);
    assert_one_line("stallwatch: secure-execution mode: ignoring file outputs in "
                    "STALLWATCH_OUTPUT, STALLWATCH_SYSLOG_SOCKET, STALLWATCH_JOURNAL_SOCKET, "
                    "STALLWATCH_DEBUGINFOD");
    ck_assert_str_eq(cfg.journal_socket, "/run/systemd/journal/socket");
    ck_assert_uint_eq(cfg.noutputs, 2);
    ck_assert_int_eq(cfg.outputs[0].kind, SW_OUT_STDERR);
    ck_assert_int_eq(cfg.outputs[1].kind, SW_OUT_SYSLOG);
    ck_assert_str_eq(cfg.syslog_socket, "/dev/log");
    ck_assert(!cfg.debuginfod);
}
END_TEST

START_TEST(test_secure_mode_falls_back_to_syslog_when_only_files_were_asked)
{
    parse("STALLWATCH_OUTPUT=file:/tmp/a,file:/tmp/b", NULL);
    sw_config_secure(&cfg, collect, &diag);
    assert_one_line("stallwatch: secure-execution mode: ignoring file outputs in "
                    "STALLWATCH_OUTPUT");
    ck_assert_uint_eq(cfg.noutputs, 1);
    ck_assert_int_eq(cfg.outputs[0].kind, SW_OUT_SYSLOG);
}
END_TEST

START_TEST(test_secure_mode_says_nothing_when_nothing_is_ignored)
{
    parse("STALLWATCH_OUTPUT=syslog,stderr", NULL);
    sw_config_secure(&cfg, collect, &diag);
    assert_no_lines();
    ck_assert_uint_eq(cfg.noutputs, 2);
}
END_TEST

/* ---- the table (core/settings.def) and the parser agree ---- */

static const struct {
    const char *name;
    const char *kind;
    const char *values;
    const char *dflt;
} table[] = {
#define SW_SETTING(name, kind, values, dflt, ...) {#name, #kind, values, dflt},
#include "core/settings.def"
#undef SW_SETTING
};
#define NTABLE (sizeof table / sizeof table[0])

/* Defaults that are words, not values: what an empty glob list means, where IDENT's default
 * comes from, and THRESHOLD's value. */
static bool default_is_words(size_t i)
{
    return strcmp(table[i].kind, "GLOBS") == 0 || strcmp(table[i].kind, "IDENT") == 0 ||
           strcmp(table[i].kind, "PROGRAM") == 0 || strcmp(table[i].dflt, "the threshold") == 0;
}

START_TEST(test_every_default_is_a_value)
{
    struct sw_config unset;

    parse(NULL);
    unset = cfg;
    for (size_t i = 0; i < NTABLE; i++) {
        char entry[128];

        if (default_is_words(i))
            continue;
        snprintf(entry, sizeof entry, "STALLWATCH_%s=%s", table[i].name, table[i].dflt);
        parse(entry, NULL);
        assert_no_lines();
        ck_assert_msg(memcmp(&cfg, &unset, sizeof cfg) == 0, "%s gives another value than unset",
                      entry);
    }
}
END_TEST

START_TEST(test_diagnostics_use_the_tables_words)
{
    for (size_t i = 0; i < NTABLE; i++) {
        char entry[64];
        char start[512];
        char end[128];
        const char *fallback = table[i].dflt;
        const char *line;
        size_t n;

        snprintf(entry, sizeof entry, "STALLWATCH_%s=[", table[i].name);
        parse(entry, NULL);
        ck_assert_msg(diag.n == 1, "%s gave %u lines", entry, diag.n);
        line = diag.line[0];
        if (strcmp(table[i].dflt, "the threshold") == 0)
            fallback = table[0].dflt; /* THRESHOLD's, the first row */
        else if (strcmp(table[i].kind, "IDENT") == 0)
            fallback = "prog";
        snprintf(end, sizeof end, "; using %s", fallback);
        n = strlen(line);
        ck_assert_msg(n > strlen(end) && strcmp(line + n - strlen(end), end) == 0,
                      "%s: \"%s\" does not end with \"%s\"", entry, line, end);
        if (strcmp(table[i].kind, "OUTPUTS") == 0)
            continue; /* says which item is bad instead */
        /* "is not <values>;" or, with examples, "is not <values> (e.g. ...);" */
        snprintf(start, sizeof start, "stallwatch: STALLWATCH_%s=\"[\" is not %s", table[i].name,
                 table[i].values);
        ck_assert_msg(
            strncmp(line, start, strlen(start)) == 0 &&
                (line[strlen(start)] == ';' || strncmp(line + strlen(start), " (", 2) == 0),
            "%s: \"%s\" does not say \"%s\"", entry, line, start);
    }
}
END_TEST

START_TEST(test_table_starts_with_threshold)
{
    ck_assert_str_eq(table[0].name, "THRESHOLD");
    for (size_t i = 0; i < NTABLE; i++)
        ck_assert_msg(strcmp(table[i].dflt, "the threshold") != 0 ||
                          strcmp(table[i].kind, "DURATION") == 0,
                      "%s: only a duration can default to the threshold", table[i].name);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *pd = tcase_create("parse_duration");
    TCase *fd = tcase_create("format_duration");
    TCase *env = tcase_create("environment");
    TCase *dg = tcase_create("diagnostics");

    tcase_add_test(pd, test_secure_mode_drops_file_outputs_socket_and_debuginfod);
    tcase_add_test(pd, test_output_takes_journal);
    tcase_add_test(pd, test_syslog_format_is_rfc3164_or_rfc5424);
    tcase_add_test(pd, test_secure_mode_falls_back_to_syslog_when_only_files_were_asked);
    tcase_add_test(pd, test_secure_mode_says_nothing_when_nothing_is_ignored);
    tcase_add_test(pd, test_diagnosis_settings_take_their_values);
    tcase_add_test(pd, test_repeat_and_deadlock_off_mean_once_and_never);
    tcase_add_test(pd, test_action_accepts_log_and_abort_only);
    tcase_add_test(pd, test_bad_rate_falls_back_to_30);
    tcase_add_test(pd, test_bad_diagnosis_durations_fall_back_to_defaults);
    tcase_add_test(pd, test_duration_accepts_each_unit);
    tcase_add_test(pd, test_duration_bare_number_is_seconds);
    tcase_add_test(pd, test_duration_accepts_exact_decimals);
    tcase_add_test(pd, test_duration_off_and_zero_mean_disabled);
    tcase_add_test(pd, test_duration_rejects_empty);
    tcase_add_test(pd, test_duration_rejects_whitespace);
    tcase_add_test(pd, test_duration_rejects_sign);
    tcase_add_test(pd, test_duration_rejects_trailing_junk);
    tcase_add_test(pd, test_duration_rejects_unknown_units);
    tcase_add_test(pd, test_duration_rejects_missing_leading_digit);
    tcase_add_test(pd, test_duration_rejects_more_than_nine_decimals);
    tcase_add_test(pd, test_duration_rejects_hex);
    tcase_add_test(pd, test_duration_rejects_overflow);
    tcase_add_test(pd, test_duration_accepts_largest_value);
    tcase_add_test(pd, test_duration_rejects_fraction_of_a_nanosecond);
    suite_add_tcase(s, pd);

    tcase_add_test(fd, test_format_writes_off_for_zero);
    tcase_add_test(fd, test_format_uses_shortest_exact_spelling);
    tcase_add_test(fd, test_format_prefers_integer_part_and_no_decimal_point);
    tcase_add_test(fd, test_format_writes_sub_millisecond_values_in_ms);
    tcase_add_test(fd, test_format_truncates_to_capacity);
    tcase_add_test(fd, test_format_round_trips_through_parse);
    tcase_set_timeout(fd, 60); /* the round trip is slow under valgrind */
    suite_add_tcase(s, fd);

    tcase_add_test(env, test_defaults_without_environment);
    tcase_add_test(env, test_empty_value_is_treated_as_unset);
    tcase_add_test(env, test_other_variables_are_ignored);
    tcase_add_test(env, test_valid_environment_yields_no_lines);
    tcase_add_test(env, test_null_diag_callback_is_allowed);
    tcase_add_test(env, test_lock_defaults_to_threshold);
    tcase_add_test(env, test_threshold_applies_whatever_the_order);
    tcase_add_test(env, test_class_can_be_turned_off_while_threshold_is_set);
    tcase_add_test(env, test_threshold_off_turns_off_lock_and_disk_by_default);
    tcase_add_test(env, test_peer_wait_idle_take_their_own_values);
    tcase_add_test(env, test_bad_threshold_falls_back_to_5s);
    tcase_add_test(env, test_bad_lock_falls_back_to_parsed_threshold);
    tcase_add_test(env, test_bad_lock_with_threshold_off_falls_back_to_off);
    tcase_add_test(env, test_bad_threshold_and_bad_lock_give_two_lines_and_5s);
    tcase_add_test(env, test_bad_peer_falls_back_to_off);
    tcase_add_test(env, test_first_occurrence_wins_silently);
    tcase_add_test(env, test_format_accepts_text_and_json);
    tcase_add_test(env, test_bad_format_falls_back_to_text);
    tcase_add_test(env, test_output_parses_each_kind_and_trims_blanks);
    tcase_add_test(env, test_output_accepts_max_outputs_and_duplicates);
    tcase_add_test(env, test_output_rejects_unknown_item);
    tcase_add_test(env, test_output_rejects_relative_path);
    tcase_add_test(env, test_output_rejects_path_that_does_not_fit);
    tcase_add_test(env, test_output_rejects_too_many_items);
    tcase_add_test(env, test_output_rejects_list_without_items);
    tcase_add_test(env, test_syslog_socket_takes_an_absolute_path);
    tcase_add_test(env, test_bad_syslog_socket_falls_back_to_dev_log);
    tcase_add_test(env, test_facility_names_map_to_log_values);
    tcase_add_test(env, test_bad_facility_falls_back_to_user);
    tcase_add_test(env, test_ident_defaults_to_program_name);
    tcase_add_test(env, test_ident_defaults_to_stallwatch_without_program_name);
    tcase_add_test(env, test_ident_default_is_made_safe_for_syslog);
    tcase_add_test(env, test_ident_accepts_printable_names_up_to_63_bytes);
    tcase_add_test(env, test_ident_rejects_unsafe_names);
    tcase_add_test(env, test_frames_accepts_1_to_max);
    tcase_add_test(env, test_bad_frames_fall_back_to_64);
    tcase_add_test(env, test_disable_and_debuginfod_accept_0_and_1);
    tcase_add_test(env, test_bad_switch_falls_back_to_0);
    tcase_add_test(env, test_glob_lists_are_parsed);
    tcase_add_test(env, test_bad_glob_list_falls_back_to_empty);
    suite_add_tcase(s, env);

    tcase_add_test(dg, test_unknown_variable_suggests_closest_name);
    tcase_add_test(dg, test_unknown_variable_suggestion_ignores_case);
    tcase_add_test(dg, test_unknown_variable_far_from_any_name_has_no_suggestion);
    tcase_add_test(dg, test_unknown_variable_is_reported_once);
    tcase_add_test(dg, test_unknown_variable_is_reported_even_when_empty);
    tcase_add_test(dg, test_hostile_name_stays_on_one_line);
    tcase_add_test(dg, test_each_bad_value_yields_exactly_one_line);
    tcase_add_test(dg, test_hostile_value_stays_on_one_line);
    tcase_add_test(dg, test_value_of_64_bytes_is_shown_whole);
    tcase_add_test(dg, test_every_default_is_a_value);
    tcase_add_test(dg, test_diagnostics_use_the_tables_words);
    tcase_add_test(dg, test_table_starts_with_threshold);
    suite_add_tcase(s, dg);
    return s;
}

int main(void)
{
    return unit_run(config_suite());
}
