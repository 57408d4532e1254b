/* libFuzzer target for the settings parser (src/core/config.c) and the pieces it is built
 * on: durations (sw_parse_duration, sw_format_duration) and thread-name globs
 * (src/core/glob.c).
 * Built only with clang and -fsanitize=fuzzer,address,undefined (tests/fuzz/CMakeLists.txt).
 *
 * Input: entries separated by NUL or newline bytes.
 * - An entry starting with "STALLWATCH_" goes into envp as it is.
 * - An entry starting with '#' sets progname to the rest of it ("#" alone: empty progname).
 * - Any other entry's first byte picks a name from `settings` (the known settings, from
 *   core/settings.def, each twice) or `extra_names` below (near misses and one "keep the
 *   rest raw" slot), and the rest becomes the value, so almost every input exercises real
 *   settings.
 *
 * Every check compares the code with a model written from the headers' contracts, not from
 * the implementation: a failure is reported on stderr with what differed and then abort()s,
 * which libFuzzer records as a crash. assert() is not used: CMake's RelWithDebInfo build
 * defines NDEBUG. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "core/config.h"
#include "core/glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_config: %s:%d: check failed: %s\n  ", __FILE__, __LINE__,        \
                    #cond);                                                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_ENTRIES 64
#define MAX_DIAGS   256
#define PREFIX      "STALLWATCH_"
#define PREFIX_LEN  (sizeof PREFIX - 1)

#define NS_MS 1000000ULL
#define NS_S  1000000000ULL

/* ---- the settings, from the table (core/settings.def) ------------------------------------- */

/* In table order, which is the order config.c applies and diagnoses them; I_<NAME> indexes
 * them. The model of each setting below is written by hand from the documentation. */
static const char *const settings[] = {
#define SW_SETTING(name, ...) #name,
#include "core/settings.def"
#undef SW_SETTING
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

enum {
#define SW_SETTING(name, ...) I_##name,
#include "core/settings.def"
#undef SW_SETTING
    I_COUNT,
};
/* A new row needs its model in check_config: its bad values and the value it must give. */
_Static_assert(I_COUNT == 31, "check_config models 31 settings");

/* Names an entry's first byte can pick: the known ones (each twice), near misses that
 * should draw a suggestion, and NULL for "the rest of the entry, raw". */
static const char *const extra_names[] = {
    "THRESHOLDS",
    "TRESHOLD",
    "lock",
    "FRAME",
    "OUTPUTS",
    "SYSLOG",
    "X",
    "",
    "DISABLED",
    "ALLTHREADS",
    "SYMBOLIZE_TIMEOUTS",
    "VERY_LONG_UNKNOWN_NAME_THAT_IS_NOT_A_SETTING",
    NULL,
};
#define NEXTRA (sizeof extra_names / sizeof extra_names[0])

/* ---- small helpers ---------------------------------------------------------------------- */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ieq(const char *a, const char *b)
{
    while (*a && lower(*a) == lower(*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Decimal value of an all-digit string, saturated at limit + 1. */
static unsigned long digits_value(const char *s, unsigned long limit)
{
    unsigned long v = 0;

    for (; *s; s++) {
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > limit)
            return limit + 1;
    }
    return v;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    CHECK(p != NULL, "out of memory");
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---- durations: a reference parser and formatter ---------------------------------------- */

/* config.h: "250ms", "5s", "1.5s", "2m", "1h", "7" (seconds), "off" or "0"; config.c adds: at
 * most 9 decimals, lowercase units, a whole number of ns that fits uint64_t. Computed in
 * 128-bit arithmetic, independently of config.c's gcd reduction. */
static int ref_parse_duration(const char *s, uint64_t *ns)
{
    static const unsigned __int128 limit = UINT64_MAX;
    unsigned __int128 whole = 0, frac = 0, unit, pow10 = 1, total;
    unsigned sig = 0, ndec = 0;
    const char *p = s;

    if (ieq(s, "off")) {
        *ns = 0;
        return 0;
    }
    if (*p < '0' || *p > '9')
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (sig > 0 || *p != '0')
            sig++;
        if (sig > 21)
            return -EINVAL; /* >= 10^20 > UINT64_MAX even in ms */
        whole = whole * 10 + (unsigned)(*p - '0');
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++ndec > 9)
                return -EINVAL;
            frac = frac * 10 + (unsigned)(*p - '0');
            pow10 *= 10;
        }
    }
    if (strcmp(p, "") == 0 || strcmp(p, "s") == 0)
        unit = NS_S;
    else if (strcmp(p, "ms") == 0)
        unit = NS_MS;
    else if (strcmp(p, "m") == 0)
        unit = 60 * NS_S;
    else if (strcmp(p, "h") == 0)
        unit = 3600 * NS_S;
    else
        return -EINVAL;
    if (frac * unit % pow10 != 0)
        return -EINVAL;
    total = whole * unit + frac * unit / pow10;
    if (total > limit)
        return -EINVAL;
    *ns = (uint64_t)total;
    return 0;
}

/* config.h's rule for sw_format_duration, restated: among exact spellings in h, m, s, ms with
 * at most 9 decimals and a nonzero integer part, the shortest; on a tie one without a dot,
 * then the larger unit; below 1ms, ms with decimals; 0 is "off". */
static void ref_format_duration(uint64_t ns, char *out, size_t cap)
{
    static const struct {
        uint64_t ns;
        const char *name;
    } units[] = {{3600 * NS_S, "h"}, {60 * NS_S, "m"}, {NS_S, "s"}, {NS_MS, "ms"}};
    char best[64] = "";
    size_t best_len = 0;
    bool best_dot = false;

    if (ns == 0) {
        snprintf(out, cap, "off");
        return;
    }
    for (size_t i = 0; i < 4; i++) {
        uint64_t u = units[i].ns, whole = ns / u, rest = ns % u;
        char cand[64];
        int k;
        unsigned __int128 p10 = 1;

        if (whole == 0 && !(i == 3 && best_len == 0))
            continue;
        if (rest == 0) {
            snprintf(cand, sizeof cand, "%llu%s", (unsigned long long)whole, units[i].name);
        } else {
            for (k = 1; k <= 9; k++) {
                p10 *= 10;
                if ((unsigned __int128)rest * p10 % u == 0)
                    break;
            }
            if (k > 9)
                continue;
            snprintf(cand, sizeof cand, "%llu.%0*llu%s", (unsigned long long)whole, k,
                     (unsigned long long)((unsigned __int128)rest * p10 / u), units[i].name);
        }
        size_t n = strlen(cand);
        bool dot = rest != 0;
        if (best_len == 0 || n < best_len || (n == best_len && best_dot && !dot)) {
            memcpy(best, cand, n + 1);
            best_len = n;
            best_dot = dot;
        }
    }
    snprintf(out, cap, "%s", best);
}

/* sw_format_duration(ns) is the reference spelling, fits 32 bytes and parses back to ns. */
static void check_duration_ns(uint64_t ns)
{
    char got[64], want[64];
    uint64_t back = 0;

    memset(got, 'Z', sizeof got);
    sw_format_duration(ns, got, 32);
    CHECK(memchr(got, '\0', 32) != NULL, "sw_format_duration(%llu) not terminated in 32 bytes",
          (unsigned long long)ns);
    CHECK(strlen(got) < 31, "sw_format_duration(%llu) = \"%s\" may have been cut at 32 bytes",
          (unsigned long long)ns, got);
    ref_format_duration(ns, want, sizeof want);
    CHECK(strcmp(got, want) == 0, "sw_format_duration(%llu) = \"%s\", rule says \"%s\"",
          (unsigned long long)ns, got, want);
    CHECK(sw_parse_duration(got, &back) == 0 && back == ns,
          "sw_format_duration(%llu) = \"%s\" does not parse back (got %llu)",
          (unsigned long long)ns, got, (unsigned long long)back);
    /* A small cap truncates but stays terminated. */
    for (size_t cap = 1; cap < 5; cap++) {
        char small[8];

        memset(small, 'Z', sizeof small);
        sw_format_duration(ns, small, cap);
        CHECK(memchr(small, '\0', cap) != NULL, "cap %zu: not terminated", cap);
        CHECK(strncmp(small, got, strlen(small)) == 0, "cap %zu: not a prefix", cap);
    }
}

/* sw_parse_duration agrees with the reference on s, and leaves *ns alone on failure. */
static void check_duration_text(const char *s)
{
    uint64_t got = 0x5a5a5a5a5a5a5a5aULL, want = 0;
    int rc = sw_parse_duration(s, &got);
    int ref = ref_parse_duration(s, &want);

    CHECK(rc == 0 || rc == -EINVAL, "sw_parse_duration(\"%s\") returned %d", s, rc);
    CHECK((rc == 0) == (ref == 0), "sw_parse_duration(\"%s\") = %d, reference says %d", s, rc, ref);
    if (rc == 0) {
        CHECK(got == want, "sw_parse_duration(\"%s\") = %llu, reference says %llu", s,
              (unsigned long long)got, (unsigned long long)want);
        check_duration_ns(got);
    } else {
        CHECK(got == 0x5a5a5a5a5a5a5a5aULL, "sw_parse_duration(\"%s\") wrote *ns on failure", s);
    }
}

/* ---- globs: an independent oracle ----------------------------------------------------------- */

/* Written from the contract, not from glob.c, and in another shape, so that a misreading of
 * the syntax would have to be made twice to go unnoticed. The contract (glob.h; design.md,
 * "Settings"; fnmatch(3) without flags in the C locale; POSIX's bracket expressions):
 *
 * - '*' matches any run of bytes (also none), '?' any one byte, "\x" the byte x, a '\' that
 *   ends the pattern a '\' itself; every other byte itself. Bytes are compared unsigned.
 * - '[' opens a bracket expression that matches one byte. A '!' right after the '[' negates
 *   it. Its members are bytes, escaped bytes ("\]" is ']') and ranges "a-z" (both ends
 *   included, empty when reversed; an end may be escaped). A ']' closes the expression unless
 *   it is the first member; a '-' is a range's middle only between two members inside the
 *   expression, so a '-' first, last or right after a range is a member.
 * - A '[' whose expression never closes (including one cut by a final '\') is malformed: the
 *   matcher takes it for a plain '[' and reads on after it; a list (sw_globs_parse) refuses a
 *   pattern with a malformed '[' or a final '\'.
 *
 * Here a bracket expression is first cut into members up to its closing ']' (phase one), and
 * only then are ranges formed from the member list (phase two); a pattern is cut into items
 * (each '*' or a set of bytes) before a memoized recursion over (item, input position)
 * decides the match. */

/* One member of a bracket expression as written: its byte, and whether it was escaped (an
 * escaped '-' or ']' is a plain member). */
struct member {
    unsigned char byte;
    bool escaped;
};

/* Phase one: the members from body (just after '[' and any '!') up to the closing ']'.
 * Returns how many, with *close set to the ']', or -1 if the expression never closes. */
static int bracket_members(const unsigned char *body, struct member *m, const unsigned char **close)
{
    int n = 0;

    for (size_t i = 0;; n++) {
        if (body[i] == '\0')
            return -1;
        if (body[i] == ']' && n > 0) {
            *close = body + i;
            return n;
        }
        if (body[i] == '\\') {
            if (body[i + 1] == '\0')
                return -1;
            m[n] = (struct member){body[i + 1], true};
            i += 2;
        } else {
            m[n] = (struct member){body[i], false};
            i += 1;
        }
    }
}

/* The set of bytes the bracket expression opening at open ('[') matches. Returns the byte
 * after its ']', or NULL if it is malformed. */
static const unsigned char *oracle_bracket(const unsigned char *open, bool set[256])
{
    const unsigned char *body = open + 1;
    const unsigned char *close = NULL;
    bool negated = *body == '!';
    bool in[256] = {false};
    struct member *m;
    int n;

    if (negated)
        body++;
    m = malloc((strlen((const char *)body) + 1) * sizeof *m);
    CHECK(m != NULL, "out of memory");
    n = bracket_members(body, m, &close);
    /* Phase two: "x - y" over three members, the middle an unescaped '-', is a range. */
    for (int k = 0; k < n;) {
        int lo = m[k].byte, hi = lo;

        if (k + 2 < n && m[k + 1].byte == '-' && !m[k + 1].escaped) {
            hi = m[k + 2].byte;
            k += 3;
        } else {
            k += 1;
        }
        for (int c = lo; c <= hi; c++)
            in[c] = true;
    }
    free(m);
    if (n < 0)
        return NULL;
    for (int c = 0; c < 256; c++)
        set[c] = in[c] != negated;
    return close + 1;
}

struct item {
    bool star;     /* '*': any run of bytes */
    bool set[256]; /* otherwise: what the one byte may be */
};

/* Cuts pat into items. *malformed: a '[' never closed or a final '\' was taken literally. */
static size_t oracle_items(const char *pat, struct item *it, bool *malformed)
{
    const unsigned char *p = (const unsigned char *)pat;
    size_t n = 0;

    *malformed = false;
    while (*p != '\0') {
        struct item *i = &it[n++];

        memset(i, 0, sizeof *i);
        switch (*p) {
        case '*':
            i->star = true;
            p++;
            break;
        case '?':
            memset(i->set, true, sizeof i->set);
            p++;
            break;
        case '[': {
            const unsigned char *after = oracle_bracket(p, i->set);

            if (after != NULL) {
                p = after;
                break;
            }
            *malformed = true;
            memset(i->set, false, sizeof i->set);
            i->set['['] = true;
            p++;
            break;
        }
        case '\\':
            if (p[1] == '\0') {
                *malformed = true;
                i->set['\\'] = true;
                p++;
            } else {
                i->set[p[1]] = true;
                p += 2;
            }
            break;
        default:
            i->set[*p] = true;
            p++;
        }
    }
    return n;
}

struct oracle {
    const struct item *it;
    size_t nit;
    const unsigned char *s;
    size_t ns;
    unsigned char *memo; /* [k * (ns + 1) + j]: 0 unknown, 1 no, 2 yes */
};

/* Do items k.. match s[j..]? */
static bool oracle_from(struct oracle *o, size_t k, size_t j)
{
    unsigned char *m = &o->memo[k * (o->ns + 1) + j];
    bool r;

    if (*m != 0)
        return *m == 2;
    if (k == o->nit)
        r = j == o->ns;
    else if (o->it[k].star)
        r = oracle_from(o, k + 1, j) || (j < o->ns && oracle_from(o, k, j + 1));
    else
        r = j < o->ns && o->it[k].set[o->s[j]] && oracle_from(o, k + 1, j + 1);
    *m = r ? 2 : 1;
    return r;
}

static bool oracle_match(const char *pat, const char *s)
{
    struct item *it = malloc((strlen(pat) + 1) * sizeof *it);
    struct oracle o;
    bool malformed;
    bool r;

    CHECK(it != NULL, "out of memory");
    o.it = it;
    o.nit = oracle_items(pat, it, &malformed);
    o.s = (const unsigned char *)s;
    o.ns = strlen(s);
    o.memo = calloc((o.nit + 1) * (o.ns + 1), 1);
    CHECK(o.memo != NULL, "out of memory");
    r = oracle_from(&o, 0, 0);
    free(o.memo);
    free(it);
    return r;
}

/* A pattern a list may hold: no malformed '[', no final '\'. */
static bool oracle_pattern_ok(const char *pat)
{
    struct item *it = malloc((strlen(pat) + 1) * sizeof *it);
    bool malformed;

    CHECK(it != NULL, "out of memory");
    oracle_items(pat, it, &malformed);
    free(it);
    return !malformed;
}

static double cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A match of a pattern and a name up to 4 KiB each (the fuzzer's -max_len) is at worst
 * quadratic, i.e. milliseconds; seconds of CPU mean a blow-up, reported as a failure rather
 * than left to libFuzzer's -timeout. */
#define MATCH_CPU_LIMIT_S 2.0

static void check_glob_match(const char *pat, const char *s)
{
    double t0 = cpu_seconds();
    bool got = sw_glob_match(pat, s);
    double spent = cpu_seconds() - t0;

    CHECK(spent < MATCH_CPU_LIMIT_S,
          "sw_glob_match took %.2fs of CPU (pattern %zu bytes, name %zu bytes; pattern starts "
          "\"%.40s\", name starts \"%.40s\")",
          spent, strlen(pat), strlen(s), pat, s);
    if (strlen(pat) <= 512 && strlen(s) <= 512) {
        bool want = oracle_match(pat, s);

        CHECK(got == want, "sw_glob_match(\"%s\", \"%s\") = %d, reference says %d", pat, s, got,
              want);
    }
}

/* glob.h's list syntax, restated: items end at a ',' that is not escaped ("\," is kept, as
 * two bytes, inside its pattern); blanks (space, tab) at an item's ends are dropped, but not
 * an escaped one; empty items are skipped; at most SW_GLOBS_MAX items, stored NUL-separated
 * in SW_GLOBS_TEXT bytes; a malformed pattern (above) makes the whole list bad. Cut in two
 * passes: first the raw items with, for each byte, whether an escape covers it; then the
 * ends are trimmed. Returns the number of items or -1. */
static int ref_globs_parse(const char *list, char items[][SW_GLOBS_TEXT])
{
    size_t len = strlen(list);
    char *raw = malloc(len + 1);
    bool *escaped = malloc(len + 1); /* raw[i] is the second byte of an escape */
    size_t used = 0;
    int n = 0;

    CHECK(raw != NULL && escaped != NULL, "out of memory");
    for (size_t i = 0; i <= len;) {
        size_t r = 0, first = 0, end;

        /* Pass one: the raw item up to the next unescaped ',' or the end. */
        while (i < len && list[i] != ',') {
            if (list[i] == '\\' && i + 1 < len) {
                raw[r] = '\\';
                escaped[r++] = false;
                raw[r] = list[i + 1];
                escaped[r++] = true;
                i += 2;
            } else {
                raw[r] = list[i++];
                escaped[r++] = false;
            }
        }
        i++; /* past the ',' (or the end) */
        /* Pass two: its ends without unescaped blanks. */
        end = r;
        while (first < end && (raw[first] == ' ' || raw[first] == '\t'))
            first++;
        while (end > first && (raw[end - 1] == ' ' || raw[end - 1] == '\t') && !escaped[end - 1])
            end--;
        if (end == first)
            continue;
        if (n == SW_GLOBS_MAX || used + (end - first) + 1 > SW_GLOBS_TEXT) {
            n = -1;
            break;
        }
        memcpy(items[n], raw + first, end - first);
        items[n][end - first] = '\0';
        if (!oracle_pattern_ok(items[n])) {
            n = -1;
            break;
        }
        used += end - first + 1;
        n++;
    }
    free(raw);
    free(escaped);
    return n;
}

/* g is a well-formed list: n in range, every pattern non-empty and inside g->text. */
static void check_globs_shape(const struct sw_globs *g, const char *what)
{
    CHECK(g->n <= SW_GLOBS_MAX, "%s: n = %u", what, g->n);
    for (unsigned i = 0; i < g->n; i++) {
        const char *p = g->pat[i];

        CHECK(p >= g->text && p < g->text + SW_GLOBS_TEXT, "%s: pattern %u outside text", what, i);
        CHECK(memchr(p, '\0', (size_t)(g->text + SW_GLOBS_TEXT - p)) != NULL,
              "%s: pattern %u not terminated inside text", what, i);
        CHECK(p[0] != '\0', "%s: pattern %u empty", what, i);
    }
}

static void check_globs_parse(const char *list, const char *name)
{
    static char items[SW_GLOBS_MAX][SW_GLOBS_TEXT];
    struct sw_globs g;
    int rc, want;
    bool hit = false;

    memset(&g, 0x5a, sizeof g);
    rc = sw_globs_parse(&g, list);
    want = ref_globs_parse(list, items);
    CHECK(rc == 0 || rc == -EINVAL, "sw_globs_parse returned %d", rc);
    CHECK((rc == 0) == (want >= 0), "sw_globs_parse(\"%s\") = %d, reference says %d", list, rc,
          want);
    if (rc != 0) {
        CHECK(g.n == 0, "sw_globs_parse failed but left n = %u", g.n);
        return;
    }
    check_globs_shape(&g, "sw_globs_parse");
    CHECK(g.n == (unsigned)want, "sw_globs_parse(\"%s\"): %u items, reference says %d", list, g.n,
          want);
    for (unsigned i = 0; i < g.n; i++)
        CHECK(strcmp(g.pat[i], items[i]) == 0,
              "sw_globs_parse(\"%s\") item %u = \"%s\", "
              "reference says \"%s\"",
              list, i, g.pat[i], items[i]);
    for (int is_main = 0; is_main < 2; is_main++) {
        bool want_hit = false;

        for (unsigned i = 0; i < g.n; i++) {
            if ((is_main && strcmp(g.pat[i], "main") == 0) || sw_glob_match(g.pat[i], name))
                want_hit = true;
        }
        hit = sw_globs_match(&g, name, is_main);
        CHECK(hit == want_hit, "sw_globs_match(\"%s\", \"%s\", %d) = %d", list, name, is_main, hit);
    }
    CHECK(sw_globs_match(&g, NULL, false) == sw_globs_match(&g, "", false),
          "a NULL name is not matched as \"\"");
}

/* ---- the whole configuration ------------------------------------------------------------ */

struct diags {
    char *line[MAX_DIAGS];
    unsigned n;
    unsigned total;
};

/* Each diagnostic is one printable line: "stallwatch: ", no control bytes, bounded. */
static void on_diag(void *ctx, const char *line)
{
    struct diags *d = ctx;
    size_t n;

    CHECK(line != NULL, "NULL diagnostic line");
    n = strlen(line);
    CHECK(n < 1023, "diagnostic line of %zu bytes (cut by the 1024-byte line buffer?): %s", n,
          line);
    CHECK(strncmp(line, "stallwatch: ", 12) == 0, "diagnostic without prefix: %s", line);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];

        CHECK(c >= 0x20 && c < 0x7f, "diagnostic byte 0x%02x at %zu: %s", c, i, line);
    }
    d->total++;
    if (d->n < MAX_DIAGS)
        d->line[d->n++] = dup_n(line, n);
}

static bool ident_ok(char c)
{
    return c > ' ' && c < 0x7f && c != '[' && c != ']' && c != ':';
}

/* config.c's default ident: progname cut to 63 bytes, bad bytes as '_'; "stallwatch" when
 * progname is NULL or empty. */
static void ref_default_ident(const char *progname, char out[64])
{
    size_t i;

    if (progname == NULL || progname[0] == '\0')
        progname = "stallwatch";
    for (i = 0; progname[i] && i < 63; i++)
        out[i] = ident_ok(progname[i]) ? progname[i] : '_';
    out[i] = '\0';
}

/* OUTPUT's syntax (config.c): comma-separated, blanks around items dropped, empty items
 * skipped; syslog, stderr (any case), file:/abs/path (prefix any case, path < SW_PATH_MAX
 * bytes); at most SW_MAX_OUTPUTS; no item at all is bad. Returns the count, or -1 if bad. */
static int ref_outputs(const char *v, struct sw_output out[SW_MAX_OUTPUTS])
{
    const char *p = v;
    int n = 0;

    while (*p) {
        const char *item, *end;
        size_t len;
        char buf[4096];

        while (*p == ' ' || *p == '\t')
            p++;
        item = p;
        while (*p && *p != ',')
            p++;
        end = p;
        while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (*p == ',')
            p++;
        len = (size_t)(end - item);
        if (len == 0)
            continue;
        if (n == SW_MAX_OUTPUTS || len >= sizeof buf)
            return -1;
        memcpy(buf, item, len);
        buf[len] = '\0';
        memset(&out[n], 0, sizeof out[n]);
        if (ieq(buf, "syslog")) {
            out[n].kind = SW_OUT_SYSLOG;
        } else if (ieq(buf, "stderr")) {
            out[n].kind = SW_OUT_STDERR;
        } else if (ieq(buf, "journal")) {
            out[n].kind = SW_OUT_JOURNAL;
        } else {
            char head[6];

            memcpy(head, buf, len < 5 ? len : 5);
            head[len < 5 ? len : 5] = '\0';
            if (!ieq(head, "file:") || buf[5] != '/' || len - 5 >= SW_PATH_MAX)
                return -1;
            out[n].kind = SW_OUT_FILE;
            memcpy(out[n].path, buf + 5, len - 5 + 1);
        }
        n++;
    }
    return n > 0 ? n : -1;
}

static const struct {
    const char *name;
    int value;
} facilities[] = {
    {"kern", LOG_KERN},     {"user", LOG_USER},         {"mail", LOG_MAIL},
    {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},         {"syslog", LOG_SYSLOG},
    {"lpr", LOG_LPR},       {"news", LOG_NEWS},         {"uucp", LOG_UUCP},
    {"cron", LOG_CRON},     {"authpriv", LOG_AUTHPRIV}, {"ftp", LOG_FTP},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

/* The value the first envp entry named exactly STALLWATCH_<name> gives, NULL if none or
 * empty (config.c: the first entry wins, like getenv; an empty value counts as unset). */
static const char *first_value(char *const *envp, const char *name)
{
    size_t nl = strlen(name);

    for (size_t i = 0; envp[i]; i++) {
        const char *e = envp[i];

        if (strncmp(e, PREFIX, PREFIX_LEN) == 0 && strncmp(e + PREFIX_LEN, name, nl) == 0 &&
            e[PREFIX_LEN + nl] == '=')
            return e[PREFIX_LEN + nl + 1] ? e + PREFIX_LEN + nl + 1 : NULL;
    }
    return NULL;
}

static bool known_name(const char *e, size_t name_len)
{
    for (size_t s = 0; s < NSETTINGS; s++) {
        if (strlen(settings[s]) == name_len - PREFIX_LEN &&
            memcmp(settings[s], e + PREFIX_LEN, name_len - PREFIX_LEN) == 0)
            return true;
    }
    return false;
}

/* Expected value of a duration setting; returns whether its value is bad. */
static bool expect_duration(const char *v, uint64_t fallback, uint64_t *out)
{
    uint64_t ns;

    if (v != NULL && ref_parse_duration(v, &ns) == 0) {
        *out = ns;
        return false;
    }
    *out = fallback;
    return v != NULL;
}

static void expect_globs(const char *v, const struct sw_globs *got, const char *name, bool *bad)
{
    struct sw_globs want;

    check_globs_shape(got, name);
    *bad = v != NULL && sw_globs_parse(&want, v) != 0;
    if (v == NULL || *bad) {
        CHECK(got->n == 0, "%s: %u patterns, expected none", name, got->n);
        return;
    }
    CHECK(got->n == want.n, "%s: %u patterns, expected %u", name, got->n, want.n);
    for (unsigned i = 0; i < want.n; i++)
        CHECK(strcmp(got->pat[i], want.pat[i]) == 0, "%s pattern %u", name, i);
}

static void check_config(char *const *envp, const char *progname)
{
    struct sw_config c;
    struct diags d = {{0}, 0, 0};
    bool bad[NSETTINGS] = {false};
    const char *v[NSETTINGS];
    unsigned expected = 0, k = 0;
    char text[64];
    uint64_t ns;

    for (size_t s = 0; s < NSETTINGS; s++)
        v[s] = first_value(envp, settings[s]);

    memset(&c, 0xa5, sizeof c);
    sw_config_parse(&c, envp, progname, on_diag, &d);

    /* The struct's invariants, whatever the input. */
    CHECK(c.noutputs >= 1 && c.noutputs <= SW_MAX_OUTPUTS, "noutputs = %u", c.noutputs);
    for (unsigned i = 0; i < c.noutputs; i++) {
        const struct sw_output *o = &c.outputs[i];

        CHECK(o->kind == SW_OUT_SYSLOG || o->kind == SW_OUT_STDERR || o->kind == SW_OUT_FILE ||
                  o->kind == SW_OUT_JOURNAL,
              "output %u kind %d", i, (int)o->kind);
        if (o->kind == SW_OUT_FILE) {
            size_t n = strnlen(o->path, SW_PATH_MAX);

            CHECK(n < SW_PATH_MAX && o->path[0] == '/', "output %u path", i);
            CHECK(strchr(o->path, ',') == NULL, "output %u path has a comma", i);
            CHECK(o->path[n - 1] != ' ' && o->path[n - 1] != '\t', "output %u path ends blank", i);
        }
    }
    CHECK(c.frames >= 1 && c.frames <= SW_FRAMES_MAX, "frames = %u", c.frames);
    CHECK(strnlen(c.ident, sizeof c.ident) < sizeof c.ident && c.ident[0] != '\0',
          "ident empty or unterminated");
    for (const char *p = c.ident; *p; p++)
        CHECK(ident_ok(*p), "ident byte 0x%02x", (unsigned char)*p);
    CHECK(strnlen(c.syslog_socket, sizeof c.syslog_socket) < sizeof c.syslog_socket &&
              c.syslog_socket[0] == '/',
          "syslog_socket \"%.108s\"", c.syslog_socket);
    CHECK(c.format == SW_FORMAT_TEXT || c.format == SW_FORMAT_JSON, "format %d", (int)c.format);
    CHECK(c.facility >= 0 && c.facility <= LOG_LOCAL7 && (c.facility & 7) == 0, "facility %d",
          c.facility);
    CHECK(c.rate_per_min <= 100000, "rate %u", c.rate_per_min);
    CHECK(c.class_ns[SW_CLASS_NONE] == 0 && c.class_ns[SW_CLASS_HEARTBEAT] == 0 &&
              c.class_ns[SW_CLASS_SCOPE] == 0,
          "class_ns of a class without a setting is not 0");
    check_globs_shape(&c.heartbeat, "heartbeat");
    check_globs_shape(&c.watch, "watch");
    check_globs_shape(&c.ignore, "ignore");
    check_duration_ns(c.threshold_ns);
    for (int i = 0; i < SW_CLASS_COUNT; i++)
        check_duration_ns(c.class_ns[i]);
    check_duration_ns(c.repeat_ns);
    check_duration_ns(c.deadlock_ns);
    check_duration_ns(c.symbolize_timeout_ns);

    /* Each setting against the model. */
    bad[I_THRESHOLD] = expect_duration(v[I_THRESHOLD], 5 * NS_S, &ns);
    CHECK(c.threshold_ns == ns, "THRESHOLD");
    bad[I_LOCK] = expect_duration(v[I_LOCK], c.threshold_ns, &ns);
    CHECK(c.class_ns[SW_CLASS_LOCK] == ns, "LOCK");
    bad[I_DISK] = expect_duration(v[I_DISK], c.threshold_ns, &ns);
    CHECK(c.class_ns[SW_CLASS_DISK] == ns, "DISK");
    bad[I_PEER] = expect_duration(v[I_PEER], 0, &ns);
    CHECK(c.class_ns[SW_CLASS_PEER] == ns, "PEER");
    bad[I_WAIT] = expect_duration(v[I_WAIT], 0, &ns);
    CHECK(c.class_ns[SW_CLASS_WAIT] == ns, "WAIT");
    bad[I_IDLE] = expect_duration(v[I_IDLE], 0, &ns);
    CHECK(c.class_ns[SW_CLASS_IDLE] == ns, "IDLE");
    bad[I_LOOKUP] = expect_duration(v[I_LOOKUP], c.threshold_ns, &ns);
    CHECK(c.class_ns[SW_CLASS_LOOKUP] == ns, "LOOKUP");
    bad[I_COLLECTIVE] = expect_duration(v[I_COLLECTIVE], c.threshold_ns, &ns);
    CHECK(c.class_ns[SW_CLASS_COLLECTIVE] == ns, "COLLECTIVE");
    bad[I_BUSY] = expect_duration(v[I_BUSY], 0, &ns);
    CHECK(c.class_ns[SW_CLASS_BUSY] == ns, "BUSY");
    bad[I_REPEAT] = expect_duration(v[I_REPEAT], 60 * NS_S, &ns);
    CHECK(c.repeat_ns == ns, "REPEAT");
    bad[I_DEADLOCK] = expect_duration(v[I_DEADLOCK], NS_S, &ns);
    CHECK(c.deadlock_ns == ns, "DEADLOCK");
    bad[I_SYMBOLIZE_TIMEOUT] = expect_duration(v[I_SYMBOLIZE_TIMEOUT], 2 * NS_S, &ns);
    CHECK(c.symbolize_timeout_ns == ns, "SYMBOLIZE_TIMEOUT");

    expect_globs(v[I_HEARTBEAT], &c.heartbeat, "HEARTBEAT", &bad[I_HEARTBEAT]);
    expect_globs(v[I_WATCH], &c.watch, "WATCH", &bad[I_WATCH]);
    expect_globs(v[I_IGNORE], &c.ignore, "IGNORE", &bad[I_IGNORE]);

    {
        struct sw_output want[SW_MAX_OUTPUTS];
        int n = v[I_OUTPUT] ? ref_outputs(v[I_OUTPUT], want) : -1;

        bad[I_OUTPUT] = v[I_OUTPUT] != NULL && n < 0;
        if (n < 0) {
            CHECK(c.noutputs == 1 && c.outputs[0].kind == SW_OUT_SYSLOG,
                  "OUTPUT=\"%s\": expected syslog alone", v[I_OUTPUT] ? v[I_OUTPUT] : "(unset)");
        } else {
            CHECK(c.noutputs == (unsigned)n, "OUTPUT=\"%s\": %u outputs, expected %d", v[I_OUTPUT],
                  c.noutputs, n);
            for (int i = 0; i < n; i++) {
                CHECK(c.outputs[i].kind == want[i].kind, "OUTPUT item %d kind", i);
                if (want[i].kind == SW_OUT_FILE)
                    CHECK(strcmp(c.outputs[i].path, want[i].path) == 0, "OUTPUT item %d path", i);
            }
        }
    }

    {
        const char *f = v[I_FORMAT];
        bool json = f && ieq(f, "json");

        bad[I_FORMAT] = f && !json && !ieq(f, "text");
        CHECK(c.format == (json ? SW_FORMAT_JSON : SW_FORMAT_TEXT), "FORMAT");
    }
    {
        const char *s = v[I_SYSLOG_SOCKET];

        bad[I_SYSLOG_SOCKET] = s && !(s[0] == '/' && strlen(s) < sizeof c.syslog_socket);
        CHECK(strcmp(c.syslog_socket, s && !bad[I_SYSLOG_SOCKET] ? s : "/dev/log") == 0,
              "SYSLOG_SOCKET");
    }
    {
        const char *s = v[I_JOURNAL_SOCKET];
        const char *dflt = "/run/systemd/journal/socket";

        bad[I_JOURNAL_SOCKET] = s && !(s[0] == '/' && strlen(s) < sizeof c.journal_socket);
        CHECK(strcmp(c.journal_socket, s && !bad[I_JOURNAL_SOCKET] ? s : dflt) == 0,
              "JOURNAL_SOCKET");
    }
    {
        const char *f = v[I_SYSLOG_FORMAT];
        bool rfc5424 = f && ieq(f, "rfc5424");

        bad[I_SYSLOG_FORMAT] = f && !rfc5424 && !ieq(f, "rfc3164");
        CHECK(c.syslog_rfc5424 == rfc5424, "SYSLOG_FORMAT");
    }
    {
        const char *f = v[I_FACILITY];
        int want = LOG_USER;

        bad[I_FACILITY] = f != NULL;
        for (size_t i = 0; f && i < sizeof facilities / sizeof facilities[0]; i++) {
            if (ieq(f, facilities[i].name)) {
                want = facilities[i].value;
                bad[I_FACILITY] = false;
            }
        }
        CHECK(c.facility == want, "FACILITY=\"%s\": %d, expected %d", f ? f : "", c.facility, want);
    }
    {
        const char *id = v[I_IDENT];
        char want[64];

        bad[I_IDENT] = false;
        if (id) {
            bad[I_IDENT] = strlen(id) >= 64;
            for (const char *p = id; *p && !bad[I_IDENT]; p++)
                bad[I_IDENT] = !ident_ok(*p);
        }
        if (id && !bad[I_IDENT])
            snprintf(want, sizeof want, "%s", id);
        else
            ref_default_ident(progname, want);
        CHECK(strcmp(c.ident, want) == 0, "IDENT: \"%s\", expected \"%s\"", c.ident, want);
    }
    {
        const char *f = v[I_FRAMES];
        unsigned long n = f && all_digits(f) ? digits_value(f, SW_FRAMES_MAX) : 0;

        bad[I_FRAMES] = f && !(n >= 1 && n <= SW_FRAMES_MAX);
        CHECK(c.frames == (f && !bad[I_FRAMES] ? n : 64), "FRAMES=\"%s\": %u", f ? f : "",
              c.frames);
    }
    {
        static const int bools[] = {I_DISABLE, I_DEBUGINFOD, I_ALL_THREADS};
        const bool got[] = {c.disabled, c.debuginfod, c.all_threads};

        for (size_t i = 0; i < 3; i++) {
            const char *b = v[bools[i]];

            bad[bools[i]] = b && strcmp(b, "0") != 0 && strcmp(b, "1") != 0;
            CHECK(got[i] == (b && strcmp(b, "1") == 0), "%s", settings[bools[i]]);
        }
        /* KERNEL is on unless set to 0. */
        const char *kv = v[I_KERNEL];
        bad[I_KERNEL] = kv && strcmp(kv, "0") != 0 && strcmp(kv, "1") != 0;
        CHECK(c.kernel_look == !(kv && strcmp(kv, "0") == 0), "KERNEL");
    }
    {
        const char *r = v[I_RATE];
        unsigned long want = 30;

        if (r && ieq(r, "off"))
            want = 0;
        else if (r && all_digits(r) && digits_value(r, 100000) <= 100000)
            want = digits_value(r, 100000);
        else if (r)
            bad[I_RATE] = true;
        CHECK(c.rate_per_min == want, "RATE=\"%s\": %u, expected %lu", r ? r : "", c.rate_per_min,
              want);
    }
    {
        const char *p = v[I_JOB_DIR];
        bool off = !p || ieq(p, "off");

        bad[I_JOB_DIR] = !off && !(p[0] == '/' && strlen(p) < sizeof c.job_dir);
        CHECK(strcmp(c.job_dir, off || bad[I_JOB_DIR] ? "" : p) == 0, "JOB_DIR=\"%s\": \"%s\"",
              p ? p : "", c.job_dir);
    }
    {
        const char *p = v[I_SYMBOLIZER];
        bool off = p && ieq(p, "off");

        bad[I_SYMBOLIZER] = p && !off && !(p[0] == '/' && strlen(p) < sizeof c.symbolizer);
        CHECK(strcmp(c.symbolizer, off ? "off" : p && !bad[I_SYMBOLIZER] ? p : "") == 0,
              "SYMBOLIZER=\"%s\": \"%s\"", p ? p : "", c.symbolizer);
    }
    {
        const char *a = v[I_ACTION];

        bad[I_ACTION] = a && !ieq(a, "abort") && !ieq(a, "log");
        CHECK(c.action_abort == (a && ieq(a, "abort")), "ACTION");
    }

    /* Diagnostics: one per bad value, in settings order, then one per distinct unknown
     * STALLWATCH_* name, in envp order. */
    for (size_t s = 0; s < NSETTINGS; s++)
        expected += bad[s];
    for (size_t i = 0; envp[i]; i++) {
        const char *e = envp[i], *eq = strchr(e, '=');
        bool seen = false;
        size_t nl;

        if (eq == NULL || strncmp(e, PREFIX, PREFIX_LEN) != 0)
            continue;
        nl = (size_t)(eq - e);
        if (known_name(e, nl))
            continue;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strncmp(envp[j], e, nl + 1) == 0;
        expected += !seen;
    }
    CHECK(d.total == expected, "%u diagnostic lines, expected %u (first: %s)", d.total, expected,
          d.n ? d.line[0] : "none");
    for (size_t s = 0; s < NSETTINGS && k < d.n; s++) {
        char want[64];

        if (!bad[s])
            continue;
        snprintf(want, sizeof want, "stallwatch: " PREFIX "%s=", settings[s]);
        CHECK(strncmp(d.line[k], want, strlen(want)) == 0, "diagnostic %u: expected %s..., got %s",
              k, want, d.line[k]);
        k++;
    }
    for (; k < d.n; k++) {
        static const char unknown[] = "stallwatch: unknown setting " PREFIX;
        const char *mean = strstr(d.line[k], "did you mean " PREFIX);

        CHECK(strncmp(d.line[k], unknown, sizeof unknown - 1) == 0,
              "diagnostic %u: expected an unknown setting, got %s", k, d.line[k]);
        if (mean) {
            const char *name = mean + strlen("did you mean " PREFIX);
            size_t nl = strlen(name);
            bool ok = false;

            for (size_t s = 0; s < NSETTINGS; s++)
                ok = ok || (nl == strlen(settings[s]) + 1 &&
                            strncmp(name, settings[s], nl - 1) == 0 && name[nl - 1] == '?');
            CHECK(ok, "suggestion is not a known setting: %s", d.line[k]);
        }
    }
    for (unsigned i = 0; i < d.n; i++)
        free(d.line[i]);

    /* Every duration spelled by the formatter parses back to itself (also via config). */
    sw_format_duration(c.threshold_ns, text, sizeof text);
    check_duration_text(text);
}

/* ---- the input ---------------------------------------------------------------------------- */

/* A pattern or name repeated to grow small inputs into the shapes that make matchers slow
 * ("*a*a*a*b" against "aaaa...", "*[[[[" against "[[[["). */
static char *repeat(const char *unit, size_t n_unit, size_t total)
{
    char *s = malloc(total + 1);

    CHECK(s != NULL, "out of memory");
    for (size_t i = 0; i < total; i++)
        s[i] = n_unit ? unit[i % n_unit] : 'a';
    s[total] = '\0';
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    char *raw[MAX_ENTRIES];
    char *env[MAX_ENTRIES + 1];
    size_t nraw = 0, nenv = 0;
    const char *progname = "fuzz";

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (size_t i = 0, start = 0; i <= size && nraw < MAX_ENTRIES; i++) {
        if (i == size || buf[i] == '\n' || buf[i] == '\0') {
            buf[i] = '\0';
            raw[nraw++] = buf + start;
            start = i + 1;
        }
    }

    /* envp, each entry its own allocation so that ASan sees reads past its end. */
    for (size_t i = 0; i < nraw; i++) {
        const char *e = raw[i];
        size_t sel = (unsigned char)e[0] % (2 * NSETTINGS + NEXTRA);
        const char *name;
        char *out;
        size_t n;

        if (e[0] == '#') {
            progname = e + 1;
            continue;
        }
        if (strncmp(e, PREFIX, PREFIX_LEN) == 0 || e[0] == '\0') {
            env[nenv++] = dup_n(e, strlen(e));
            continue;
        }
        name = sel < 2 * NSETTINGS ? settings[sel % NSETTINGS] : extra_names[sel - 2 * NSETTINGS];
        if (name == NULL) {
            env[nenv++] = dup_n(e + 1, strlen(e + 1));
            continue;
        }
        n = PREFIX_LEN + strlen(name) + 1 + strlen(e + 1);
        out = malloc(n + 1);
        CHECK(out != NULL, "out of memory");
        snprintf(out, n + 1, PREFIX "%s=%s", name, e + 1);
        env[nenv++] = out;
    }
    env[nenv] = NULL;

    check_config(env, progname);
    if (nenv == 0) {
        struct sw_config c;
        struct diags d = {{0}, 0, 0};

        sw_config_parse(&c, NULL, NULL, on_diag, &d);
        CHECK(d.total == 0 && strcmp(c.ident, "stallwatch") == 0, "NULL envp");
    }

    /* Durations, globs and lists straight from the entries. */
    for (size_t i = 0; i < nraw; i++) {
        const char *e = raw[i];
        const char *next = raw[(i + 1) % nraw];
        uint64_t ns = 0;

        check_duration_text(e);
        if (e[0])
            check_duration_text(e + 1);
        memcpy(&ns, e, strlen(e) < 8 ? strlen(e) : 8);
        check_duration_ns(ns);
        check_duration_ns(ns % (1000 * NS_S));
        check_duration_ns((ns & 0xffffff) * NS_MS);
        check_duration_ns((ns & 0xffff) * NS_S);
        check_glob_match(e, next);
        check_globs_parse(e, next);
        /* '~' entries: "~<count><pattern unit>|<name unit>" grown to count * 16 bytes. */
        if (e[0] == '~' && e[1]) {
            size_t total = ((unsigned char)e[1] % 256 + 1) * 16;
            const char *bar = strchr(e + 2, '|');
            size_t plen = bar ? (size_t)(bar - (e + 2)) : strlen(e + 2);
            char *pat = repeat(e + 2, plen, total);
            char *name = bar ? repeat(bar + 1, strlen(bar + 1), total) : repeat("a", 1, total);

            pat[0] = '*';
            check_glob_match(pat, name);
            free(pat);
            free(name);
        }
    }

    for (size_t i = 0; i < nenv; i++)
        free(env[i]);
    free(buf);
    return 0;
}
