/* Unit tests for buf.c: bounded appends, numbers, both escapings, marks. Runs as a standalone
 * Check program; exits nonzero if any test fails.
 *
 * The escapings are checked against independent reference code in this file: a strict JSON
 * validator, a JSON string decoder and a UTF-8 decoder written differently from buf.c's, so
 * a shared misunderstanding would have to be made twice. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "support.h"

/* ---- reference helpers ------------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
    /* xorshift64*: deterministic, so a failure reproduces. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}

/* Decodes a JSON string literal (known valid) into raw bytes; returns the length. */
static size_t json_decode(const char *lit, size_t n, unsigned char *out)
{
    size_t o = 0;

    for (size_t i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)lit[i];
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        c = (unsigned char)lit[++i];
        switch (c) {
        case 'n':
            out[o++] = '\n';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'u': {
            unsigned v = (unsigned)strtoul(
                (char[5]){lit[i + 1], lit[i + 2], lit[i + 3], lit[i + 4], 0}, NULL, 16);
            i += 4;
            if (v < 0x80) {
                out[o++] = (unsigned char)v;
            } else if (v < 0x800) {
                out[o++] = (unsigned char)(0xc0 | v >> 6);
                out[o++] = (unsigned char)(0x80 | (v & 0x3f));
            } else {
                out[o++] = (unsigned char)(0xe0 | v >> 12);
                out[o++] = (unsigned char)(0x80 | (v >> 6 & 0x3f));
                out[o++] = (unsigned char)(0x80 | (v & 0x3f));
            }
            break;
        }
        default:
            out[o++] = c; /* \" \\ \/ */
            break;
        }
    }
    return o;
}

/* What the JSON escaping must preserve: the input with each invalid byte as U+FFFD. */
static size_t json_expected(const unsigned char *s, size_t n, unsigned char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n;) {
        size_t k = ref_utf8_len(s + i, n - i);
        if (k) {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    return o;
}

/* Decodes the text escaping (lossless by design) back into bytes. */
static size_t text_decode(const char *t, size_t n, unsigned char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (t[i] != '\\') {
            out[o++] = (unsigned char)t[i];
            continue;
        }
        switch (t[++i]) {
        case 'n':
            out[o++] = '\n';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 'x':
            out[o++] = (unsigned char)strtoul((char[3]){t[i + 1], t[i + 2], 0}, NULL, 16);
            i += 2;
            break;
        default:
            out[o++] = (unsigned char)t[i];
            break;
        }
    }
    return o;
}

/* Check's ck_assert records every passed assertion through a pipe; the loops below make
 * millions, so they only call into Check on failure. */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

static char big[1 << 16];
static unsigned char dec[1 << 16], want[1 << 16];

/* Escapes s into a roomy buffer and checks every property of the JSON escaping. */
static void check_json_roundtrip(const unsigned char *s, size_t n)
{
    struct sw_buf b;
    size_t dn, wn;

    sw_buf_init(&b, big, sizeof(big));
    sw_buf_put_json_str(&b, (const char *)s, n);
    REQUIRE(!b.overflow, "overflow");
    REQUIRE(strlen(b.p) == b.len, "length");
    REQUIRE(json_valid(b.p, b.len), "invalid JSON: %s", b.p);
    dn = json_decode(b.p, b.len, dec);
    wn = json_expected(s, n, want);
    REQUIRE(dn == wn && memcmp(dec, want, dn) == 0, "JSON escaping lost content: %s", b.p);
}

static void check_text_roundtrip(const unsigned char *s, size_t n)
{
    struct sw_buf b;
    size_t dn;

    sw_buf_init(&b, big, sizeof(big));
    sw_buf_put_text_esc(&b, (const char *)s, n);
    REQUIRE(!b.overflow, "overflow");
    REQUIRE(strlen(b.p) == b.len, "length");
    for (size_t i = 0; i < b.len; i++) {
        unsigned char c = (unsigned char)b.p[i];
        REQUIRE(c >= 0x20 && c != 0x7f, "raw control byte 0x%02x in text", c);
        /* C1 controls are escaped too */
        REQUIRE(!(c == 0xc2 && i + 1 < b.len && (unsigned char)b.p[i + 1] < 0xa0), "raw C1");
    }
    dn = text_decode(b.p, b.len, dec);
    REQUIRE(dn == n && memcmp(dec, s, n) == 0, "text escaping is not lossless: %s", b.p);
}

static const char *json_of(const char *s, size_t n)
{
    static char out[512];
    struct sw_buf b;

    sw_buf_init(&b, out, sizeof(out));
    sw_buf_put_json_str(&b, s, n);
    ck_assert(!b.overflow);
    ck_assert(json_valid(b.p, b.len));
    return out;
}

static const char *text_of(const char *s, size_t n)
{
    static char out[512];
    struct sw_buf b;

    sw_buf_init(&b, out, sizeof(out));
    sw_buf_put_text_esc(&b, s, n);
    ck_assert(!b.overflow);
    return out;
}

#define JSON(lit) json_of(lit, sizeof(lit) - 1)
#define TEXT(lit) text_of(lit, sizeof(lit) - 1)

/* ---- appends ---------------------------------------------------------------------------- */

START_TEST(test_init_gives_empty_nul_terminated_string)
{
    char m[8] = "xxxxxxx";
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    ck_assert_str_eq(m, "");
    ck_assert_uint_eq(b.len, 0);
    ck_assert(!b.overflow);
}
END_TEST

START_TEST(test_put_appends_and_keeps_nul)
{
    char m[16];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_puts(&b, "ab");
    sw_buf_putc(&b, 'c');
    sw_buf_put(&b, "defXX", 3);
    ck_assert_str_eq(m, "abcdef");
    ck_assert_uint_eq(b.len, 6);
}
END_TEST

START_TEST(test_put_fills_to_capacity_minus_one)
{
    char m[5];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_puts(&b, "abcd");
    ck_assert(!b.overflow);
    ck_assert_str_eq(m, "abcd");
    sw_buf_putc(&b, 'e');
    ck_assert(b.overflow);
    ck_assert_str_eq(m, "abcd");
}
END_TEST

START_TEST(test_piece_that_does_not_fit_appends_nothing_and_sets_overflow)
{
    char m[8];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_puts(&b, "abc");
    sw_buf_puts(&b, "defghij");
    ck_assert(b.overflow);
    ck_assert_str_eq(m, "abc");
    ck_assert_uint_eq(b.len, 3);
}
END_TEST

START_TEST(test_overflow_is_sticky_until_reset)
{
    char m[8];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_puts(&b, "abcdefghij");
    sw_buf_puts(&b, "x"); /* would fit, but output must stay a prefix without gaps */
    ck_assert(b.overflow);
    ck_assert_str_eq(m, "");
    sw_buf_reset(&b);
    ck_assert(!b.overflow);
    sw_buf_puts(&b, "x");
    ck_assert_str_eq(m, "x");
}
END_TEST

START_TEST(test_zero_capacity_buffer_overflows_on_any_put)
{
    struct sw_buf b;

    sw_buf_init(&b, NULL, 0);
    sw_buf_put(&b, "", 0);
    ck_assert(!b.overflow);
    sw_buf_putc(&b, 'a');
    ck_assert(b.overflow);
    ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(test_one_byte_buffer_holds_only_the_nul)
{
    char m[1] = {'x'};
    struct sw_buf b;

    sw_buf_init(&b, m, 1);
    ck_assert_int_eq(m[0], 0);
    sw_buf_put_u64(&b, 0);
    ck_assert(b.overflow);
    ck_assert_int_eq(m[0], 0);
}
END_TEST

START_TEST(test_u64_prints_zero_and_max)
{
    char m[64];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_put_u64(&b, 0);
    sw_buf_putc(&b, ' ');
    sw_buf_put_u64(&b, 42);
    sw_buf_putc(&b, ' ');
    sw_buf_put_u64(&b, UINT64_MAX);
    ck_assert_str_eq(m, "0 42 18446744073709551615");
}
END_TEST

START_TEST(test_i64_prints_negative_min_and_max)
{
    char m[64];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_put_i64(&b, -1);
    sw_buf_putc(&b, ' ');
    sw_buf_put_i64(&b, INT64_MIN);
    sw_buf_putc(&b, ' ');
    sw_buf_put_i64(&b, INT64_MAX);
    sw_buf_putc(&b, ' ');
    sw_buf_put_i64(&b, 0);
    ck_assert_str_eq(m, "-1 -9223372036854775808 9223372036854775807 0");
}
END_TEST

START_TEST(test_hex_is_lowercase_with_prefix_and_no_padding)
{
    char m[64];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_put_hex(&b, 0);
    sw_buf_putc(&b, ' ');
    sw_buf_put_hex(&b, 0x55d0c8a4b0a0u);
    sw_buf_putc(&b, ' ');
    sw_buf_put_hex(&b, UINT64_MAX);
    ck_assert_str_eq(m, "0x0 0x55d0c8a4b0a0 0xffffffffffffffff");
}
END_TEST

START_TEST(test_number_is_never_cut_in_half)
{
    char m[6];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_puts(&b, "ab");
    sw_buf_put_u64(&b, 12345);
    ck_assert(b.overflow);
    ck_assert_str_eq(m, "ab");
    sw_buf_reset(&b);
    sw_buf_puts(&b, "ab");
    sw_buf_put_hex(&b, 0xabc);
    ck_assert(b.overflow);
    ck_assert_str_eq(m, "ab");
}
END_TEST

/* ---- JSON escaping ---------------------------------------------------------------------- */

START_TEST(test_json_escapes_quote_backslash_and_controls)
{
    ck_assert_str_eq(JSON("a\"b\\c"), "\"a\\\"b\\\\c\"");
    ck_assert_str_eq(JSON("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"");
    ck_assert_str_eq(JSON("\x01\x1f"), "\"\\u0001\\u001f\"");
    ck_assert_str_eq(JSON("\0x"), "\"\\u0000x\"");
    ck_assert_str_eq(JSON("/"), "\"/\"");
}
END_TEST

START_TEST(test_json_escapes_del_as_u007f)
{
    ck_assert_str_eq(JSON("a\x7f"), "\"a\\u007f\"");
}
END_TEST

START_TEST(test_json_passes_valid_utf8_through)
{
    ck_assert_str_eq(JSON("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"),
                     "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
    ck_assert_str_eq(JSON("\xc2\x80\xed\x9f\xbf\xee\x80\x80"),
                     "\"\xc2\x80\xed\x9f\xbf\xee\x80\x80\"");
}
END_TEST

START_TEST(test_json_escapes_invalid_utf8_as_replacement)
{
    ck_assert_str_eq(JSON("\x80"), "\"\\ufffd\"");                       /* bare continuation */
    ck_assert_str_eq(JSON("\xff\xfe"), "\"\\ufffd\\ufffd\"");            /* never valid */
    ck_assert_str_eq(JSON("\xc3("), "\"\\ufffd(\"");                     /* bad continuation */
    ck_assert_str_eq(JSON("\xc0\xaf"), "\"\\ufffd\\ufffd\"");            /* overlong '/' */
    ck_assert_str_eq(JSON("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\""); /* overlong 3-byte */
    ck_assert_str_eq(JSON("\xf0\x8f\xbf\xbf"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    ck_assert_str_eq(JSON("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate D800 */
    ck_assert_str_eq(JSON("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* >10FFFF */
    ck_assert_str_eq(JSON("a\xe2\x82"), "\"a\\ufffd\\ufffd\"");                     /* truncated */
    ck_assert_str_eq(JSON("\xf5\x80\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

START_TEST(test_json_null_is_written_as_null)
{
    char m[16];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_put_json_str(&b, NULL, 5);
    ck_assert_str_eq(m, "null");
}
END_TEST

START_TEST(test_json_empty_string_is_two_quotes)
{
    ck_assert_str_eq(json_of("", 0), "\"\"");
}
END_TEST

START_TEST(test_json_escapes_every_single_byte_validly)
{
    for (unsigned c = 0; c < 256; c++) {
        unsigned char s[3] = {'a', (unsigned char)c, 'b'};
        check_json_roundtrip(s, 3);
    }
}
END_TEST

START_TEST(test_json_escapes_every_byte_pair_validly)
{
    for (unsigned c = 0; c < 65536; c++) {
        unsigned char s[2] = {(unsigned char)(c >> 8), (unsigned char)c};
        check_json_roundtrip(s, 2);
    }
}
END_TEST

START_TEST(test_json_escaping_of_random_bytes_is_valid_and_lossless_for_valid_utf8)
{
    unsigned char s[4096];

    for (int iter = 0; iter < 2000; iter++) {
        size_t n = rng() % sizeof(s);
        unsigned mode = (unsigned)(rng() % 3);
        for (size_t i = 0; i < n; i++) {
            uint64_t x = rng();
            /* mode 0: any byte; 1: mostly high bytes (UTF-8 edge cases); 2: quotes etc. */
            s[i] = mode == 0   ? (unsigned char)x
                   : mode == 1 ? (unsigned char)(0x80 | (x & 0x7f)) ^ (x & 0x100 ? 0x40 : 0)
                               : (unsigned char)"\"\\\n\r\t\x01\x7f\xc3\xa9"[x % 10];
        }
        check_json_roundtrip(s, n);
    }
}
END_TEST

START_TEST(test_json_string_appears_whole_or_not_at_all)
{
    char m[32];
    struct sw_buf b;

    for (size_t cap = 1; cap <= sizeof(m); cap++) {
        sw_buf_init(&b, m, cap);
        sw_buf_puts(&b, "k:");
        sw_buf_put_json_str(&b, "ab\n\x01\xc3\xa9\xff", 7);
        if (b.overflow)
            ck_assert(strcmp(m, "k:") == 0 || (cap < 3 && strcmp(m, "") == 0));
        else
            ck_assert_str_eq(m, "k:\"ab\\n\\u0001\xc3\xa9\\ufffd\"");
    }
}
END_TEST

/* ---- text escaping ---------------------------------------------------------------------- */

START_TEST(test_text_escapes_quote_backslash_and_whitespace)
{
    ck_assert_str_eq(TEXT("a\"b\\c"), "a\\\"b\\\\c");
    ck_assert_str_eq(TEXT("x\ny\tz\r"), "x\\ny\\tz\\r");
}
END_TEST

START_TEST(test_text_escapes_control_del_and_invalid_utf8_as_hex)
{
    ck_assert_str_eq(TEXT("\x1b[2J\x7f"), "\\x1b[2J\\x7f");
    ck_assert_str_eq(TEXT("\0\b\f"), "\\x00\\x08\\x0c");
    ck_assert_str_eq(TEXT("\xff\xc3("), "\\xff\\xc3(");
    ck_assert_str_eq(TEXT("\xed\xa0\x80"), "\\xed\\xa0\\x80");
    ck_assert_str_eq(TEXT("\xe2\x82"), "\\xe2\\x82");
}
END_TEST

START_TEST(test_text_passes_valid_utf8_and_spaces_through)
{
    ck_assert_str_eq(TEXT("na\xc3\xafve caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x98\x80"),
                     "na\xc3\xafve caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x98\x80");
}
END_TEST

START_TEST(test_text_escapes_c1_controls_bytewise)
{
    ck_assert_str_eq(TEXT("a\xc2\x9b"
                          "2Jb"),
                     "a\\xc2\\x9b2Jb");
    ck_assert_str_eq(TEXT("\xc2\x80\xc2\x9f\xc2\xa0"), "\\xc2\\x80\\xc2\\x9f\xc2\xa0");
}
END_TEST

START_TEST(test_text_null_writes_nothing)
{
    char m[8];
    struct sw_buf b;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_put_text_esc(&b, NULL, 3);
    ck_assert_str_eq(m, "");
    ck_assert(!b.overflow);
}
END_TEST

START_TEST(test_text_escape_round_trips_every_byte_pair)
{
    for (unsigned c = 0; c < 65536; c++) {
        unsigned char s[2] = {(unsigned char)(c >> 8), (unsigned char)c};
        check_text_roundtrip(s, 2);
    }
}
END_TEST

START_TEST(test_text_output_never_contains_newline_or_control_byte)
{
    unsigned char s[4096];

    for (int iter = 0; iter < 2000; iter++) {
        size_t n = rng() % sizeof(s);
        for (size_t i = 0; i < n; i++)
            s[i] = (unsigned char)rng();
        check_text_roundtrip(s, n);
    }
}
END_TEST

START_TEST(test_text_string_appears_whole_or_not_at_all)
{
    char m[24];
    struct sw_buf b;

    for (size_t cap = 1; cap <= sizeof(m); cap++) {
        sw_buf_init(&b, m, cap);
        sw_buf_puts(&b, "k=");
        sw_buf_put_text_esc(&b, "ab\n\x01\xff", 5);
        if (b.overflow)
            ck_assert(strcmp(m, "k=") == 0 || (cap < 3 && strcmp(m, "") == 0));
        else
            ck_assert_str_eq(m, "k=ab\\n\\x01\\xff");
    }
}
END_TEST

/* report.c escapes long strings in pieces that start at any byte that is not a UTF-8
 * continuation byte; that is only correct if the result equals escaping the whole. */
START_TEST(test_escaping_split_before_non_continuation_byte_equals_whole)
{
    static char whole[1 << 15], parts[1 << 15];
    unsigned char s[256];

    for (int iter = 0; iter < 3000; iter++) {
        size_t n = rng() % sizeof(s);
        struct sw_buf bw, bp;
        for (size_t i = 0; i < n; i++)
            s[i] = (unsigned char)(rng() & 1 ? rng() : 0x80 | (rng() & 0x3f));
        for (int json = 0; json < 2; json++) {
            sw_buf_init(&bw, whole, sizeof(whole));
            sw_buf_init(&bp, parts, sizeof(parts));
            if (json)
                sw_buf_put_json_str(&bw, (const char *)s, n);
            else
                sw_buf_put_text_esc(&bw, (const char *)s, n);
            for (size_t i = 0; i < n;) {
                size_t k = 1;
                while (k < 4 && i + k < n && (s[i + k] & 0xc0) == 0x80)
                    k++;
                if (json) {
                    /* strip the quotes of each part */
                    struct sw_buf_mark m = sw_buf_mark(&bp);
                    sw_buf_put_json_str(&bp, (const char *)s + i, k);
                    memmove(bp.p + m.len, bp.p + m.len + 1, bp.len - m.len - 2);
                    bp.len -= 2;
                    bp.p[bp.len] = '\0';
                } else {
                    sw_buf_put_text_esc(&bp, (const char *)s + i, k);
                }
                i += k;
            }
            if (json)
                REQUIRE(bw.len == bp.len + 2 && memcmp(bw.p + 1, bp.p, bp.len) == 0,
                        "pieces differ: %s vs %s", bw.p, bp.p);
            else
                REQUIRE(strcmp(bw.p, bp.p) == 0, "pieces differ: %s vs %s", bw.p, bp.p);
        }
    }
}
END_TEST

/* ---- marks ------------------------------------------------------------------------------ */

START_TEST(test_rollback_discards_and_restores_overflow)
{
    char m[8];
    struct sw_buf b;
    struct sw_buf_mark mk;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_puts(&b, "ab");
    mk = sw_buf_mark(&b);
    sw_buf_puts(&b, "cd");
    sw_buf_puts(&b, "toolongtofit");
    ck_assert(b.overflow);
    sw_buf_rollback(&b, mk);
    ck_assert(!b.overflow);
    ck_assert_str_eq(m, "ab");
    ck_assert_uint_eq(b.len, 2);
    sw_buf_puts(&b, "xyz");
    ck_assert_str_eq(m, "abxyz");
}
END_TEST

START_TEST(test_rollback_to_mark_taken_after_overflow_keeps_overflow)
{
    char m[4];
    struct sw_buf b;
    struct sw_buf_mark mk;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_puts(&b, "toolong");
    mk = sw_buf_mark(&b);
    sw_buf_rollback(&b, mk);
    ck_assert(b.overflow);
}
END_TEST

START_TEST(test_rollback_to_a_later_mark_moves_nothing)
{
    char m[16];
    struct sw_buf b;
    struct sw_buf_mark mk;

    sw_buf_init(&b, m, sizeof(m));
    sw_buf_puts(&b, "abcdef");
    mk = sw_buf_mark(&b);
    sw_buf_reset(&b);
    sw_buf_puts(&b, "ab");
    sw_buf_rollback(&b, mk);
    ck_assert_str_eq(m, "ab");
    ck_assert_uint_eq(b.len, 2);
}
END_TEST

START_TEST(test_buf_never_touches_errno)
{
    char m[8];
    struct sw_buf b;
    struct sw_buf_mark mk;

    errno = 1234;
    sw_buf_init(&b, m, sizeof(m));
    mk = sw_buf_mark(&b);
    sw_buf_put_u64(&b, 1);
    sw_buf_put_i64(&b, -1);
    sw_buf_put_hex(&b, 1);
    sw_buf_put_json_str(&b, "\xff\n", 2);
    sw_buf_put_text_esc(&b, "\xff\n", 2);
    sw_buf_puts(&b, "overflowing");
    sw_buf_rollback(&b, mk);
    sw_buf_reset(&b);
    ck_assert_int_eq(errno, 1234);
}
END_TEST

static Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_init_gives_empty_nul_terminated_string);
    tcase_add_test(tc, test_put_appends_and_keeps_nul);
    tcase_add_test(tc, test_put_fills_to_capacity_minus_one);
    tcase_add_test(tc, test_piece_that_does_not_fit_appends_nothing_and_sets_overflow);
    tcase_add_test(tc, test_overflow_is_sticky_until_reset);
    tcase_add_test(tc, test_zero_capacity_buffer_overflows_on_any_put);
    tcase_add_test(tc, test_one_byte_buffer_holds_only_the_nul);
    tcase_add_test(tc, test_u64_prints_zero_and_max);
    tcase_add_test(tc, test_i64_prints_negative_min_and_max);
    tcase_add_test(tc, test_hex_is_lowercase_with_prefix_and_no_padding);
    tcase_add_test(tc, test_number_is_never_cut_in_half);
    tcase_add_test(tc, test_json_escapes_quote_backslash_and_controls);
    tcase_add_test(tc, test_json_escapes_del_as_u007f);
    tcase_add_test(tc, test_json_passes_valid_utf8_through);
    tcase_add_test(tc, test_json_escapes_invalid_utf8_as_replacement);
    tcase_add_test(tc, test_json_null_is_written_as_null);
    tcase_add_test(tc, test_json_empty_string_is_two_quotes);
    tcase_add_test(tc, test_json_escapes_every_single_byte_validly);
    tcase_add_test(tc, test_json_escapes_every_byte_pair_validly);
    tcase_add_test(tc, test_json_escaping_of_random_bytes_is_valid_and_lossless_for_valid_utf8);
    tcase_add_test(tc, test_json_string_appears_whole_or_not_at_all);
    tcase_add_test(tc, test_text_escapes_quote_backslash_and_whitespace);
    tcase_add_test(tc, test_text_escapes_control_del_and_invalid_utf8_as_hex);
    tcase_add_test(tc, test_text_passes_valid_utf8_and_spaces_through);
    tcase_add_test(tc, test_text_escapes_c1_controls_bytewise);
    tcase_add_test(tc, test_text_null_writes_nothing);
    tcase_add_test(tc, test_text_escape_round_trips_every_byte_pair);
    tcase_add_test(tc, test_text_output_never_contains_newline_or_control_byte);
    tcase_add_test(tc, test_text_string_appears_whole_or_not_at_all);
    tcase_add_test(tc, test_escaping_split_before_non_continuation_byte_equals_whole);
    tcase_add_test(tc, test_rollback_discards_and_restores_overflow);
    tcase_add_test(tc, test_rollback_to_mark_taken_after_overflow_keeps_overflow);
    tcase_add_test(tc, test_rollback_to_a_later_mark_moves_nothing);
    tcase_add_test(tc, test_buf_never_touches_errno);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(buf_suite());
}
