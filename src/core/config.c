/* STALLWATCH_* settings: parses an envp array into the immutable struct sw_config, reporting
 * each bad value or unknown name as exactly one diagnostic line, and parses and formats
 * durations.
 *
 * Runs in the library constructor (before main, on whatever thread loads us) and in unit
 * tests. It reads only the envp it is given (no getenv), uses only stack memory and
 * snprintf (no malloc, no stdio streams), never exits or aborts, and is independent of the
 * locale (all character tests are ASCII). Parsing never fails: a bad value is reported and
 * replaced by its documented fallback.
 *
 * The settings themselves (names, order, kinds, defaults, the words diagnostics use) are the
 * rows of core/settings.def; this file has one parser per kind and applies each row with its
 * kind's parser. */
#include "core/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#define NS_PER_MS 1000000ULL
#define NS_PER_S  1000000000ULL
#define NS_PER_M  (60 * NS_PER_S)
#define NS_PER_H  (3600 * NS_PER_S)

#define RATE_MAX 100000
/* A DURATION row's default in settings.def that means THRESHOLD's parsed value. */
#define DEFAULT_THRESHOLD "the threshold"
/* IDENT's default when there is no program name. */
#define DEFAULT_IDENT "stallwatch"

#define STR_(x) #x
#define STR(x)  STR_(x)

#define PREFIX     "STALLWATCH_"
#define PREFIX_LEN (sizeof PREFIX - 1)

/* Whether an environment entry is one of ours; the first letter first (every process pays
 * this for each of its variables, at start-up). */
static bool ours(const char *e)
{
    return e[0] == 'S' && strncmp(e, PREFIX, PREFIX_LEN) == 0;
}

/* A bad value is quoted with at most SHOW_MAX of its bytes; each byte takes at most 4 output
 * bytes (\xNN), plus the quotes, the "..." cut mark and the NUL. */
#define SHOW_MAX 64
#define SHOW_BUF (2 + 4 * SHOW_MAX + 3 + 1)

/* One diagnostic line; large enough for every message below with two SHOW_BUF quotes. */
#define LINE_MAX_BYTES 1024

/* Edit distances are computed only for names this short (the longest known one has 17). */
#define SUGGEST_MAX 24

enum setting {
#define SW_SETTING(name, ...) S_##name,
#include "core/settings.def"
#undef SW_SETTING
    S_COUNT,
};

/* The table's words, indexed by enum setting: the name without the STALLWATCH_ prefix, what
 * the setting accepts (KEYWORD rows: its words) and its default. The table order is also the
 * order in which settings are applied and diagnosed, and the tie-break order for suggestions. */
static const struct {
    const char *name;
    const char *values;
    const char *dflt;
} settings[S_COUNT] = {
#define SW_SETTING(name, kind, values, dflt, ...) [S_##name] = {#name, values, dflt},
#include "core/settings.def"
#undef SW_SETTING
};

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

struct diag {
    sw_diag_fn fn; /* NULL: diagnostics are dropped */
    void *ctx;
};

/* ---- small ASCII helpers (locale-independent on purpose) ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive equality of the n bytes at s with the whole of word. */
static bool word_eq(const char *s, size_t n, const char *word)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (word[i] == '\0' || ascii_lower(s[i]) != ascii_lower(word[i]))
            return false;
    }
    return word[i] == '\0';
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;

        a = b;
        b = t;
    }
    return a;
}

/* ---- durations ---- */

/* Grammar: DIGITS [ "." DIGITS ] [ UNIT ], UNIT one of ms s m h (lowercase: in SI 'M' and 'm'
 * differ, so "5M" is refused rather than guessed), no unit meaning seconds; or "off" in any
 * case. At most 9 decimals, and the value must be a whole number of nanoseconds that fits
 * uint64_t. No blanks, signs, exponents, hex, leading '.' or trailing '.'. Only integer
 * arithmetic is used, so "0.1s" is exactly 100000000 ns. *ns is left alone on failure. */
int sw_parse_duration(const char *s, uint64_t *ns)
{
    const char *p = s;
    uint64_t whole = 0;
    uint64_t frac = 0;  /* the decimals as an integer */
    uint64_t scale = 1; /* 10^(number of decimals) */
    unsigned ndec = 0;
    uint64_t unit;
    uint64_t g;
    uint64_t den;
    uint64_t frac_ns;

    if (s == NULL)
        return -EINVAL;
    if (word_eq(s, strlen(s), "off")) {
        *ns = 0;
        return 0;
    }
    if (!is_digit(*p))
        return -EINVAL;
    for (; is_digit(*p); p++) {
        unsigned d = (unsigned)(*p - '0');

        if (whole > (UINT64_MAX - d) / 10)
            return -EINVAL;
        whole = whole * 10 + d;
    }
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return -EINVAL;
        for (; is_digit(*p); p++) {
            if (++ndec > 9)
                return -EINVAL;
            frac = frac * 10 + (uint64_t)(*p - '0');
            scale *= 10;
        }
    }
    if (strcmp(p, "") == 0 || strcmp(p, "s") == 0)
        unit = NS_PER_S;
    else if (strcmp(p, "ms") == 0)
        unit = NS_PER_MS;
    else if (strcmp(p, "m") == 0)
        unit = NS_PER_M;
    else if (strcmp(p, "h") == 0)
        unit = NS_PER_H;
    else
        return -EINVAL;

    /* frac / scale * unit in ns, exactly: reduce by the gcd so nothing overflows, and refuse
     * a remainder (a fraction of a nanosecond). The result is below unit. */
    g = gcd64(unit, scale);
    den = scale / g;
    if (frac % den != 0)
        return -EINVAL;
    frac_ns = frac / den * (unit / g);
    if (whole > (UINT64_MAX - frac_ns) / unit)
        return -EINVAL;
    *ns = whole * unit + frac_ns;
    return 0;
}

/* Writes ns in unit u as "W" or "W.DDD" (fewest exact decimals, at most 9) followed by the
 * unit name, into cand. Returns the length, or 0 if no exact spelling with at most 9
 * decimals exists or the integer part is 0 (such a form is never chosen: "500ms" reads
 * better than "0.5s"), except for the millisecond fallback. */
static size_t spell(uint64_t ns, uint64_t u, const char *name, bool allow_zero, char *cand,
                    size_t cap, bool *has_dot)
{
    uint64_t whole = ns / u;
    uint64_t rest = ns % u;
    uint64_t g;
    uint64_t den;
    uint64_t p10 = 1;
    int k = 0;
    int n;

    if (whole == 0 && !allow_zero)
        return 0;
    *has_dot = rest != 0;
    if (rest == 0) {
        n = snprintf(cand, cap, "%" PRIu64 "%s", whole, name);
        return n > 0 ? (size_t)n : 0;
    }
    /* rest / u terminates within k decimals iff u / gcd(rest, u) divides 10^k. */
    g = gcd64(rest, u);
    den = u / g;
    while (k < 9 && p10 % den != 0) {
        p10 *= 10;
        k++;
    }
    if (p10 % den != 0)
        return 0;
    /* rest / g < den <= 10^9 and p10 / den <= 10^9: the product fits. */
    n = snprintf(cand, cap, "%" PRIu64 ".%0*" PRIu64 "%s", whole, k, rest / g * (p10 / den), name);
    return n > 0 ? (size_t)n : 0;
}

/* Rule: among the spellings in h, m, s and ms that are exact with at most 9 decimals and
 * have a nonzero integer part, the shortest; on equal length one without a decimal point,
 * then the larger unit. So 5s, 1.5s, 2m, 90s (not 1.5m), 250ms (not 0.25s), 1h, 150m (not
 * 2.5h), 1.234567ms. Below 1ms: milliseconds with decimals ("0.000001ms" for 1ns), since
 * there is no "us" or "ns" unit to parse back. 0 is "off". Every result parses back to ns
 * with sw_parse_duration. 32 bytes always suffice; a smaller cap truncates (NUL-terminated). */
void sw_format_duration(uint64_t ns, char *out, size_t cap)
{
    static const struct {
        uint64_t ns;
        const char *name;
    } units[] = {{NS_PER_H, "h"}, {NS_PER_M, "m"}, {NS_PER_S, "s"}, {NS_PER_MS, "ms"}};
    char best[32] = "";
    size_t best_len = 0;
    bool best_dot = false;

    if (out == NULL || cap == 0)
        return;
    if (ns == 0) {
        snprintf(out, cap, "off");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        char cand[32];
        bool dot = false;
        bool last = i + 1 == sizeof units / sizeof units[0];
        size_t n =
            spell(ns, units[i].ns, units[i].name, last && best_len == 0, cand, sizeof cand, &dot);

        if (n == 0)
            continue;
        if (best_len == 0 || n < best_len || (n == best_len && best_dot && !dot)) {
            memcpy(best, cand, n + 1);
            best_len = n;
            best_dot = dot;
        }
    }
    snprintf(out, cap, "%s", best);
}

/* ---- diagnostics ---- */

/* Writes the first SHOW_MAX bytes of v[0..n) into out so that they cannot break the line:
 * printable ASCII as is, '"' and '\' backslash-escaped, every other byte (control bytes, DEL,
 * non-ASCII) as \xNN, and a space too when quote is false (names are shown unquoted).
 * quote: wrap in double quotes. A longer input is cut and followed by "..." after the
 * closing quote, as strace does. out must hold SHOW_BUF bytes. Returns out. */
static const char *show(char *out, const char *v, size_t n, bool quote)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    if (quote)
        out[o++] = '"';
    for (size_t i = 0; i < n && i < SHOW_MAX; i++) {
        unsigned char c = (unsigned char)v[i];

        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c > ' ' && c < 0x7f) {
            out[o++] = (char)c;
        } else if (c == ' ' && quote) {
            out[o++] = ' ';
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (quote)
        out[o++] = '"';
    if (n > SHOW_MAX) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

static void diagf(const struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void diagf(const struct diag *d, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES];
    va_list ap;

    if (d->fn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    d->fn(d->ctx, line);
}

/* The common shape: STALLWATCH_NAME="value" is not EXPECTED; using FALLBACK */
static void bad_value(const struct diag *d, enum setting s, const char *value, const char *expected,
                      const char *fallback)
{
    char shown[SHOW_BUF];

    diagf(d, "stallwatch: " PREFIX "%s=%s is not %s; using %s", settings[s].name,
          show(shown, value, strlen(value), true), expected, fallback);
}

/* ---- one parser per kind of setting (settings.def's KIND column) ---- */

/* DURATION: the row's default is a duration, or "the threshold" for THRESHOLD's value, which
 * is applied first. */
static uint64_t duration_default(const struct sw_config *c, enum setting s)
{
    uint64_t ns = 0;

    if (strcmp(settings[s].dflt, DEFAULT_THRESHOLD) == 0)
        return c->threshold_ns;
    (void)sw_parse_duration(settings[s].dflt, &ns); /* test_every_default_is_a_value */
    return ns;
}

static void set_duration(const struct diag *d, enum setting s, const char *value,
                         uint64_t fallback_ns, uint64_t *out)
{
    char text[32];

    *out = fallback_ns;
    if (value == NULL || sw_parse_duration(value, out) == 0)
        return;
    sw_format_duration(fallback_ns, text, sizeof text);
    bad_value(d, s, value, "a duration (e.g. 500ms, 5s, 2m, off)", text);
}

/* GLOBS: the default is the empty list; the row's default says what that means. */
static void set_globs(const struct diag *d, enum setting s, const char *value, struct sw_globs *g)
{
    char expected[96];

    if (sw_globs_parse(g, value) == 0)
        return;
    snprintf(expected, sizeof expected,
             "a comma-separated list of at most %d thread-name globs (e.g. main,worker-*)",
             SW_GLOBS_MAX);
    bad_value(d, s, value, expected, settings[s].dflt);
}

/* The index of word among the words of list ("text or json"), compared case-insensitively;
 * -1 if it is none of them. */
static int keyword_index(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (int i = 0;; i++) {
        const char *end = strstr(list, " or ");
        size_t len = end != NULL ? (size_t)(end - list) : strlen(list);

        size_t j = 0;

        while (j < n && j < len && ascii_lower(word[j]) == ascii_lower(list[j]))
            j++;
        if (j == n && j == len)
            return i;
        if (end == NULL)
            return -1;
        list = end + 4;
    }
}

/* KEYWORD: the index of the value's word, or of the default's (which is one of the words:
 * test_every_default_is_a_value). */
static unsigned set_keyword(const struct diag *d, enum setting s, const char *value)
{
    int dflt = keyword_index(settings[s].values, settings[s].dflt);
    int i = value != NULL ? keyword_index(settings[s].values, value) : -1;

    if (i >= 0)
        return (unsigned)i;
    if (value != NULL)
        bad_value(d, s, value, settings[s].values, settings[s].dflt);
    return dflt >= 0 ? (unsigned)dflt : 0;
}

/* s into out (cap > 0), cut to fit: what snprintf(out, cap, "%s", s) does, without
 * bringing the formatter's pages into every process at start-up. */
static void copy_str(char *out, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* PATH: an AF_UNIX socket path setting: absolute, fits sun_path with its NUL. */
static void set_socket(const struct diag *d, enum setting s, const char *value, char *out,
                       size_t cap)
{
    char expected[64];

    copy_str(out, cap, settings[s].dflt);
    if (value == NULL)
        return;
    if (value[0] == '/' && strlen(value) < cap) {
        copy_str(out, cap, value);
        return;
    }
    snprintf(expected, sizeof expected, "an absolute path of at most %zu bytes", cap - 1);
    bad_value(d, s, value, expected, settings[s].dflt);
}

/* PROGRAM: an absolute path of a program, or "off"; unset: "" (the default is a place, not a
 * path: beside the library). */
static void set_program(const struct diag *d, enum setting s, const char *value, char *out,
                        size_t cap)
{
    out[0] = '\0';
    if (value == NULL)
        return;
    if (word_eq(value, strlen(value), "off")) {
        copy_str(out, cap, "off");
        return;
    }
    if (value[0] == '/' && strlen(value) < cap) {
        copy_str(out, cap, value);
        return;
    }
    bad_value(d, s, value, settings[s].values, settings[s].dflt);
}

/* DIRECTORY: an absolute path of a directory, or "off" (the default): "" when off. */
static void set_directory(const struct diag *d, enum setting s, const char *value, char *out,
                          size_t cap)
{
    out[0] = '\0';
    if (value == NULL || word_eq(value, strlen(value), "off"))
        return;
    if (value[0] == '/' && strlen(value) < cap) {
        copy_str(out, cap, value);
        return;
    }
    bad_value(d, s, value, settings[s].values, settings[s].dflt);
}

/* Sets *out to the LOG_* value of the facility named name (any case); false if none is. */
static bool facility_value(const char *name, int *out)
{
    for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++) {
        if (word_eq(name, strlen(name), facilities[i].name)) {
            *out = facilities[i].value;
            return true;
        }
    }
    return false;
}

static void set_facility(const struct diag *d, enum setting s, const char *value, int *out)
{
    if (value != NULL && facility_value(value, out))
        return;
    *out = 0;
    (void)facility_value(settings[s].dflt, out); /* test_every_default_is_a_value */
    if (value != NULL)
        bad_value(d, s, value, settings[s].values, settings[s].dflt);
}

static bool ident_byte_ok(char c)
{
    return c > ' ' && c < 0x7f && c != '[' && c != ']' && c != ':';
}

/* The default ident: progname cut to fit, each byte syslog would misparse replaced by '_';
 * "stallwatch" when progname is NULL or empty. */
static void default_ident(const char *progname, char *out, size_t cap)
{
    size_t i;

    if (progname == NULL || progname[0] == '\0')
        progname = DEFAULT_IDENT;
    for (i = 0; progname[i] != '\0' && i + 1 < cap; i++)
        out[i] = ident_byte_ok(progname[i]) ? progname[i] : '_';
    out[i] = '\0';
}

static void set_ident(const struct diag *d, enum setting s, const char *value, const char *progname,
                      char *out, size_t cap)
{
    char expected[96];
    size_t n;

    default_ident(progname, out, cap);
    if (value == NULL)
        return;
    n = strlen(value);
    if (n < cap) {
        size_t i = 0;

        while (i < n && ident_byte_ok(value[i]))
            i++;
        if (i == n) {
            memcpy(out, value, n + 1);
            return;
        }
    }
    snprintf(expected, sizeof expected,
             "1 to %zu printable characters without space, '[', ']' or ':'", cap - 1);
    bad_value(d, s, value, expected, out);
}

/* FRAMES: an integer from 1 to SW_FRAMES_MAX. Sets *out if s is one. */
static bool frames_value(const char *s, unsigned *out)
{
    unsigned long v = 0;
    const char *p = s;

    for (; is_digit(*p); p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > SW_FRAMES_MAX)
            break; /* out of range already; also keeps v from overflowing */
    }
    if (p == s || *p != '\0' || v < 1)
        return false;
    *out = (unsigned)v;
    return true;
}

static void set_frames(const struct diag *d, enum setting s, const char *value, unsigned *out)
{
    char expected[48];

    if (value != NULL && frames_value(value, out))
        return;
    *out = 0;
    (void)frames_value(settings[s].dflt, out); /* test_every_default_is_a_value */
    if (value == NULL)
        return;
    snprintf(expected, sizeof expected, "an integer from 1 to %d", SW_FRAMES_MAX);
    bad_value(d, s, value, expected, settings[s].dflt);
}

/* RATE: reports a minute, an integer from 1 to RATE_MAX, or off (or 0) for no limit. Sets
 * *out if s is one. */
static bool rate_value(const char *s, unsigned *out)
{
    unsigned long v = 0;
    const char *p = s;

    if (word_eq(s, strlen(s), "off")) {
        *out = 0;
        return true;
    }
    for (; is_digit(*p); p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > RATE_MAX)
            break;
    }
    if (p == s || *p != '\0')
        return false;
    *out = (unsigned)v;
    return true;
}

static void set_rate(const struct diag *d, enum setting s, const char *value, unsigned *out)
{
    char expected[64];

    if (value != NULL && rate_value(value, out))
        return;
    *out = 0;
    (void)rate_value(settings[s].dflt, out); /* test_every_default_is_a_value */
    if (value == NULL)
        return;
    snprintf(expected, sizeof expected, "a number of reports a minute (1 to %d, or off)", RATE_MAX);
    bad_value(d, s, value, expected, settings[s].dflt);
}

/* Parses one output item [p, p + n) into o. Returns NULL, or why the item is bad. */
static const char *parse_output(const char *p, size_t n, struct sw_output *o)
{
    memset(o, 0, sizeof *o);
    if (word_eq(p, n, "syslog")) {
        o->kind = SW_OUT_SYSLOG;
        return NULL;
    }
    if (word_eq(p, n, "stderr")) {
        o->kind = SW_OUT_STDERR;
        return NULL;
    }
    if (word_eq(p, n, "journal")) {
        o->kind = SW_OUT_JOURNAL;
        return NULL;
    }
    if (n < 5 || !word_eq(p, 5, "file:"))
        return "expected syslog, journal, stderr or file:/absolute/path";
    p += 5;
    n -= 5;
    if (n == 0 || p[0] != '/')
        return "file path is not absolute";
    if (n >= SW_PATH_MAX)
        return "file path is " STR(SW_PATH_MAX) " bytes or longer";
    o->kind = SW_OUT_FILE;
    memcpy(o->path, p, n);
    o->path[n] = '\0';
    return NULL;
}

/* OUTPUT's default, a list of one output (test_every_default_is_a_value). */
static void default_outputs(enum setting s, struct sw_config *c)
{
    memset(c->outputs, 0, sizeof c->outputs);
    (void)parse_output(settings[s].dflt, strlen(settings[s].dflt), &c->outputs[0]);
    c->noutputs = 1;
}

/* OUTPUTS: comma-separated, blanks around items ignored, empty items skipped (as in glob
 * lists), so a path can neither contain ',' nor begin or end with a blank. Duplicates are
 * kept. Any bad item, too many items or no item at all: one line, and the whole list becomes
 * the default. */
static void set_outputs(const struct diag *d, enum setting s, const char *value,
                        struct sw_config *c)
{
    const char *p = value;
    const char *why = NULL;
    const char *item = NULL;
    size_t item_len = 0;
    char shown_list[SHOW_BUF];
    char shown_item[SHOW_BUF];

    default_outputs(s, c);
    if (value == NULL)
        return;

    c->noutputs = 0;
    while (*p != '\0' && why == NULL) {
        const char *end;

        while (is_blank(*p))
            p++;
        item = p;
        while (*p != '\0' && *p != ',')
            p++;
        end = p;
        while (end > item && is_blank(end[-1]))
            end--;
        item_len = (size_t)(end - item);
        if (*p == ',')
            p++;
        if (item_len == 0)
            continue;
        if (c->noutputs == SW_MAX_OUTPUTS)
            why = "more than " STR(SW_MAX_OUTPUTS) " outputs";
        else
            why = parse_output(item, item_len, &c->outputs[c->noutputs++]);
    }
    if (why == NULL && c->noutputs > 0)
        return;

    default_outputs(s, c);
    show(shown_list, value, strlen(value), true);
    if (why == NULL) {
        diagf(d,
              "stallwatch: " PREFIX "%s=%s names no output (expected syslog, journal, "
              "stderr or file:/absolute/path); using %s",
              settings[s].name, shown_list, settings[s].dflt);
        return;
    }
    diagf(d, "stallwatch: " PREFIX "%s=%s has bad item %s (%s); using %s", settings[s].name,
          shown_list, show(shown_item, item, item_len, true), why, settings[s].dflt);
}

/* Each kind's parser as the table's rows call it: SET_<KIND>(a, setting, value, field), field
 * being the row's member of *a->c (an lvalue). */
struct apply {
    const struct diag *d;
    struct sw_config *c;
    const char *progname;
};

#define SET_DURATION(a, s, v, field)                                                               \
    set_duration((a)->d, s, v, duration_default((a)->c, s), &(field))
#define SET_GLOBS(a, s, v, field)    set_globs((a)->d, s, v, &(field))
#define SET_KEYWORD(a, s, v, field)  ((field) = set_keyword((a)->d, s, v))
#define SET_PATH(a, s, v, field)     set_socket((a)->d, s, v, field, sizeof(field))
#define SET_PROGRAM(a, s, v, field)  set_program((a)->d, s, v, field, sizeof(field))
#define SET_DIRECTORY(a, s, v, field) set_directory((a)->d, s, v, field, sizeof(field))
#define SET_OUTPUTS(a, s, v, field)  set_outputs((a)->d, s, v, (a)->c)
#define SET_FACILITY(a, s, v, field) set_facility((a)->d, s, v, &(field))
#define SET_IDENT(a, s, v, field)    set_ident((a)->d, s, v, (a)->progname, field, sizeof(field))
#define SET_FRAMES(a, s, v, field)   set_frames((a)->d, s, v, &(field))
#define SET_RATE(a, s, v, field)     set_rate((a)->d, s, v, &(field))

/* KEYWORD values are stored as the word's index: enum fields list their members in the
 * order of the row's words. */
_Static_assert(SW_FORMAT_TEXT == 0 && SW_FORMAT_JSON == 1, "FORMAT's words are text, json");

/* ---- names ---- */

/* Index of the known setting whose name is the n bytes at suffix, or S_COUNT. */
static enum setting find_setting(const char *suffix, size_t n)
{
    for (int s = 0; s < S_COUNT; s++) {
        if (strlen(settings[s].name) == n && memcmp(settings[s].name, suffix, n) == 0)
            return (enum setting)s;
    }
    return S_COUNT;
}

/* Optimal-string-alignment distance (insertions, deletions, substitutions and adjacent
 * transpositions each cost 1) between a[0..na) and b[0..nb), both at most SUGGEST_MAX. */
static unsigned edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    unsigned dist[SUGGEST_MAX + 1][SUGGEST_MAX + 1];

    for (size_t i = 0; i <= na; i++)
        dist[i][0] = (unsigned)i;
    for (size_t j = 0; j <= nb; j++)
        dist[0][j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            unsigned best = dist[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

            if (dist[i - 1][j] + 1 < best)
                best = dist[i - 1][j] + 1;
            if (dist[i][j - 1] + 1 < best)
                best = dist[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                dist[i - 2][j - 2] + 1 < best)
                best = dist[i - 2][j - 2] + 1;
            dist[i][j] = best;
        }
    }
    return dist[na][nb];
}

/* The known setting closest to the unknown suffix, compared case-insensitively, if within
 * distance 2; ties go to the earlier row of settings.def. S_COUNT if none. */
static enum setting suggest(const char *suffix, size_t n)
{
    char upper[SUGGEST_MAX];
    enum setting best = S_COUNT;
    unsigned best_dist = 3;

    if (n > SUGGEST_MAX)
        return S_COUNT;
    for (size_t i = 0; i < n; i++)
        upper[i] = ascii_upper(suffix[i]);
    for (int s = 0; s < S_COUNT; s++) {
        unsigned dist = edit_distance(upper, n, settings[s].name, strlen(settings[s].name));

        if (dist < best_dist) {
            best_dist = dist;
            best = (enum setting)s;
        }
    }
    return best;
}

/* One line per distinct unknown STALLWATCH_* name, in envp order. */
static void report_unknown(const struct diag *d, char *const *envp)
{
    for (size_t i = 0; envp[i] != NULL; i++) {
        const char *e = envp[i];
        if (!ours(e))
            continue;
        const char *eq = strchr(e, '=');
        size_t name_len;
        bool seen = false;
        enum setting hint;
        char shown[SHOW_BUF];

        if (eq == NULL)
            continue;
        name_len = (size_t)(eq - e);
        if (find_setting(e + PREFIX_LEN, name_len - PREFIX_LEN) != S_COUNT)
            continue;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strncmp(envp[j], e, name_len + 1) == 0;
        if (seen)
            continue;
        show(shown, e, name_len, false);
        hint = suggest(e + PREFIX_LEN, name_len - PREFIX_LEN);
        if (hint == S_COUNT)
            diagf(d, "stallwatch: unknown setting %s ignored", shown);
        else
            diagf(d, "stallwatch: unknown setting %s ignored; did you mean " PREFIX "%s?", shown,
                  settings[hint].name);
    }
}

/* ---- the whole configuration ---- */

/* Precedence and fallbacks: the first envp entry for a name wins, like getenv; an empty value
 * counts as unset. Settings are applied (and diagnosed) in settings.def order, THRESHOLD
 * first so that LOCK and DISK, whether unset or bad, get the parsed THRESHOLD; unknown names
 * are reported last. class_ns[SW_CLASS_NONE] is 0. diag may be NULL; envp may be NULL. */
void sw_config_parse(struct sw_config *c, char *const *envp, const char *progname, sw_diag_fn diag,
                     void *ctx)
{
    const struct diag d = {diag, ctx};
    const struct apply a = {&d, c, progname};
    const char *value[S_COUNT] = {0};
    bool any = false;

    memset(c, 0, sizeof *c);
    for (size_t i = 0; envp != NULL && envp[i] != NULL; i++) {
        const char *e = envp[i];
        if (!ours(e))
            continue;
        const char *eq = strchr(e, '=');
        enum setting s;

        any = true;
        if (eq == NULL)
            continue;
        s = find_setting(e + PREFIX_LEN, (size_t)(eq - e) - PREFIX_LEN);
        if (s != S_COUNT && value[s] == NULL)
            value[s] = eq + 1;
    }
    for (int s = 0; s < S_COUNT; s++) {
        if (value[s] != NULL && value[s][0] == '\0')
            value[s] = NULL;
    }

    /* SET_<KIND>(&a, S_<NAME>, value[S_<NAME>], c-><field>); in table order. */
#define SW_SETTING(name, kind, values, dflt, field, ...)                                           \
    SET_##kind(&a, S_##name, value[S_##name], c->field);
#include "core/settings.def"
#undef SW_SETTING
    if (any)
        report_unknown(&d, envp);
}

void sw_config_secure(struct sw_config *c, sw_diag_fn diag, void *ctx)
{
    bool dropped_file = false, dropped_debuginfod = c->debuginfod;
    /* A program of the environment's choosing must never be run from a privileged process;
     * nor is the installed one: its socket is the real user's. Raw frames only. */
    bool dropped_symbolizer = c->symbolizer[0] != '\0' && strcmp(c->symbolizer, "off") != 0;
    copy_str(c->symbolizer, sizeof c->symbolizer, "off");
    unsigned kept = 0;
    for (unsigned i = 0; i < c->noutputs; i++) {
        if (c->outputs[i].kind == SW_OUT_FILE)
            dropped_file = true;
        else
            c->outputs[kept++] = c->outputs[i];
    }
    if (kept == 0) {
        memset(&c->outputs[0], 0, sizeof c->outputs[0]);
        c->outputs[0].kind = SW_OUT_SYSLOG;
        kept = 1;
    }
    c->noutputs = kept;
    const char *syslog_default = settings[S_SYSLOG_SOCKET].dflt;
    const char *journal_default = settings[S_JOURNAL_SOCKET].dflt;
    bool dropped_syslog = strcmp(c->syslog_socket, syslog_default) != 0;
    bool dropped_journal = strcmp(c->journal_socket, journal_default) != 0;
    copy_str(c->syslog_socket, sizeof c->syslog_socket, syslog_default);
    copy_str(c->journal_socket, sizeof c->journal_socket, journal_default);
    c->debuginfod = false;
    if (diag == NULL ||
        !(dropped_file || dropped_syslog || dropped_journal || dropped_debuginfod ||
          dropped_symbolizer))
        return;
    const char *what[5];
    size_t n = 0;
    if (dropped_file)
        what[n++] = "file outputs in " PREFIX "OUTPUT";
    if (dropped_syslog)
        what[n++] = PREFIX "SYSLOG_SOCKET";
    if (dropped_journal)
        what[n++] = PREFIX "JOURNAL_SOCKET";
    if (dropped_debuginfod)
        what[n++] = PREFIX "DEBUGINFOD";
    if (dropped_symbolizer)
        what[n++] = PREFIX "SYMBOLIZER";
    char line[LINE_MAX_BYTES];
    size_t len = (size_t)snprintf(line, sizeof line, "stallwatch: secure-execution mode: ignoring");
    for (size_t i = 0; i < n && len < sizeof line; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s %s", i ? "," : "", what[i]);
    diag(ctx, line);
}
