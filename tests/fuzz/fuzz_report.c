/* libFuzzer target for the report renderings (src/report.c), the escapings they are built
 * on (sw_buf_put_json_str, sw_buf_put_text_esc in src/buf.c) and syslog framing
 * (src/syslog_frame.c). Built only with clang and -fsanitize=fuzzer,address,undefined
 * (tests/fuzz/CMakeLists.txt).
 *
 * The first input byte picks what is fuzzed: a report (three times out of five), the two
 * escapings, or a syslog datagram; the rest of the input is read as a stream of fields
 * (missing bytes read as zero). Every string, array and scratch buffer is its own heap
 * allocation of exactly the size given to the code, so ASan sees any access past it.
 *
 * The checks are the contracts of report.h, buf.h and syslog_frame.h, tested against
 * references written here (a strict JSON parser, a UTF-8 decoder, an unescaper, gmtime_r),
 * not against the implementation. A failure prints what differed and abort()s, which
 * libFuzzer records as a crash; assert() is not used because CMake's RelWithDebInfo build
 * defines NDEBUG. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/report.h"
#include "core/syslog_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_report: %s:%d: check failed: %s\n  ", __FILE__, __LINE__,        \
                    #cond);                                                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_SCRATCH (64 * 1024)
#define MAX_THREADS 8
#define MAX_ALLOCS  4096

/* ---- the input as a stream of fields ---------------------------------------------------- */

struct in {
    const uint8_t *p;
    size_t n;
};

static uint8_t u8(struct in *in)
{
    uint8_t v = 0;

    if (in->n > 0) {
        v = *in->p++;
        in->n--;
    }
    return v;
}

static uint64_t uN(struct in *in, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)u8(in) << (8 * i);
    return v;
}

/* Allocations of one input, freed together at the end (libFuzzer reports leaks). */
static void *allocs[MAX_ALLOCS];
static size_t nallocs;

static void *take(size_t n)
{
    void *p;

    if (nallocs == MAX_ALLOCS)
        return NULL;
    p = malloc(n ? n : 1);
    CHECK(p != NULL, "out of memory");
    allocs[nallocs++] = p;
    return p;
}

static void free_all(void)
{
    while (nallocs > 0)
        free(allocs[--nallocs]);
}

static const char *const dict[] = {
    "stall",
    "deadlock",
    "still-stalled",
    "recovered",
    "suppressed",
    "owner",
    "waiter",
    "cycle",
    "other",
    "pthread_mutex_lock",
    "read",
    "signal",
    "proc",
    "futex_do_wait",
    "9b221dc062d16dab",
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "../sysdeps/nptl/futex-internal.h",
    "pipe:[123]",
    "worker-1",
    "main",
    "\"quoted\"",
    "back\\slash",
    "line\nbreak\r\n",
    "tab\there",
    "\x1b[31mred",
    "\xc2\x9b"
    "csi",
    "\xe2\x80\xae"
    "rtl",
    "caf\xc3\xa9",
    "\xff\xfe",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",
    "\xe2\x82",
    "\xc0\xaf",
    "\x7f",
    "\xf0\x9f\x98\x80",
    "",
};
#define NDICT (sizeof dict / sizeof dict[0])

/* A C string from the input: NULL, a dictionary word, bytes from the input, or a short unit
 * repeated to up to 11999 bytes (long strings from short inputs), longer than a string's
 * share of the largest scratch. Exact-size allocation. */
static const char *str(struct in *in)
{
    uint8_t sel = u8(in);
    size_t n, unit;
    char *s;

    switch (sel % 8) {
    case 0:
        return NULL;
    case 1:
    case 2: {
        const char *w = dict[u8(in) % NDICT];

        s = take(strlen(w) + 1);
        if (s)
            memcpy(s, w, strlen(w) + 1);
        return s;
    }
    case 7:
        unit = u8(in) % 8 + 1;
        n = (size_t)uN(in, 2) % 12000;
        if (unit > in->n)
            unit = in->n;
        s = take(n + 1);
        if (s == NULL)
            return NULL;
        for (size_t i = 0; i < n; i++)
            s[i] = unit ? (char)in->p[i % unit] : 'x';
        in->p += unit;
        in->n -= unit;
        break;
    default:
        n = sel % 8 == 6 ? (size_t)uN(in, 2) % 2048 : u8(in) % 32;
        if (n > in->n)
            n = in->n;
        s = take(n + 1);
        if (s == NULL)
            return NULL;
        memcpy(s, in->p, n);
        in->p += n;
        in->n -= n;
        break;
    }
    s[n] = '\0';
    /* Embedded NULs end the string early; shrink to the exact size for ASan. */
    if (strlen(s) != n) {
        char *t = take(strlen(s) + 1);

        if (t == NULL)
            return NULL;
        memcpy(t, s, strlen(s) + 1);
        s = t;
    }
    return s;
}

/* ---- references: UTF-8, JSON, text unescaping ------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0; by code point arithmetic. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        len = 2, cp = s[0] & 0x1fu;
    else if ((s[0] & 0xf0) == 0xe0)
        len = 3, cp = s[0] & 0x0fu;
    else if ((s[0] & 0xf8) == 0xf0)
        len = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
        return 0;
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

/* What a JSON string of s must decode to (buf.h): valid UTF-8 kept, each byte of invalid
 * UTF-8 replaced by U+FFFD. out holds 3 * n bytes. Returns the length. */
static size_t json_expect(const char *s, size_t n, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n;) {
        size_t k = utf8_len((const unsigned char *)s + i, n - i);

        if (k == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    return o;
}

/* A strict JSON parser (RFC 8259: no raw control bytes, valid UTF-8, no lone surrogate
 * escapes, no duplicate keys) that keeps a small tree of the values for the shape checks. */
enum jtype { J_OBJ, J_ARR, J_STR, J_NUM, J_TRUE, J_FALSE, J_NULL };

struct jnode {
    enum jtype type;
    size_t start, end;         /* the value's span in the text */
    size_t key_start, key_end; /* the member's key literal (quotes included), if any */
    int child, next;           /* first child, next sibling; -1 none */
    int nchildren;
};

struct jp {
    const unsigned char *s;
    size_t n, i;
    int depth;
    struct jnode *nodes;
    int nnodes, cap;
};

static int j_value(struct jp *p);

static void j_ws(struct jp *p)
{
    while (p->i < p->n &&
           (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int j_hex4(struct jp *p)
{
    int v = 0;

    if (p->n - p->i < 4)
        return -1;
    for (int k = 0; k < 4; k++) {
        unsigned char c = p->s[p->i++];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static bool j_string(struct jp *p)
{
    if (p->i >= p->n || p->s[p->i] != '"')
        return false;
    p->i++;
    while (p->i < p->n) {
        unsigned char c = p->s[p->i];
        size_t k;

        if (c == '"') {
            p->i++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            if (++p->i >= p->n)
                return false;
            c = p->s[p->i++];
            if (c == 'u') {
                int v = j_hex4(p), lo;

                if (v < 0 || (v >= 0xdc00 && v <= 0xdfff))
                    return false;
                if (v >= 0xd800 && v <= 0xdbff) {
                    if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
                        return false;
                    p->i += 2;
                    lo = j_hex4(p);
                    if (lo < 0xdc00 || lo > 0xdfff)
                        return false;
                }
            } else if (c == 0 || !strchr("\"\\/bfnrt", c)) {
                return false;
            }
            continue;
        }
        k = utf8_len(p->s + p->i, p->n - p->i);
        if (k == 0)
            return false;
        p->i += k;
    }
    return false;
}

static bool j_digits(struct jp *p)
{
    size_t start = p->i;

    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
        p->i++;
    return p->i > start;
}

static bool j_number(struct jp *p)
{
    if (p->i < p->n && p->s[p->i] == '-')
        p->i++;
    if (p->i < p->n && p->s[p->i] == '0')
        p->i++;
    else if (!(p->i < p->n && p->s[p->i] >= '1' && p->s[p->i] <= '9' && j_digits(p)))
        return false;
    if (p->i < p->n && p->s[p->i] == '.') {
        p->i++;
        if (!j_digits(p))
            return false;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        if (!j_digits(p))
            return false;
    }
    return true;
}

static bool j_lit(struct jp *p, const char *w)
{
    size_t l = strlen(w);

    if (p->n - p->i < l || memcmp(p->s + p->i, w, l) != 0)
        return false;
    p->i += l;
    return true;
}

static int j_new(struct jp *p, enum jtype t)
{
    struct jnode *nd;

    if (p->nnodes == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        p->nodes = realloc(p->nodes, (size_t)p->cap * sizeof *p->nodes);
        CHECK(p->nodes != NULL, "out of memory");
    }
    nd = &p->nodes[p->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->type = t;
    nd->start = p->i;
    nd->child = nd->next = -1;
    return p->nnodes++;
}

/* Appends child c to node n's children. */
static void j_add(struct jp *p, int n, int *last, int c)
{
    if (*last < 0)
        p->nodes[n].child = c;
    else
        p->nodes[*last].next = c;
    *last = c;
    p->nodes[n].nchildren++;
}

static bool j_container(struct jp *p, int n, bool object)
{
    int last = -1;
    char close = object ? '}' : ']';

    p->i++;
    j_ws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return true;
    }
    for (;;) {
        size_t k0 = 0, k1 = 0;
        int c;

        if (object) {
            k0 = p->i;
            if (!j_string(p))
                return false;
            k1 = p->i;
            for (int m = p->nodes[n].child; m >= 0; m = p->nodes[m].next) {
                const struct jnode *o = &p->nodes[m];

                if (o->key_end - o->key_start == k1 - k0 &&
                    memcmp(p->s + o->key_start, p->s + k0, k1 - k0) == 0)
                    return false; /* duplicate key */
            }
            j_ws(p);
            if (p->i >= p->n || p->s[p->i++] != ':')
                return false;
        }
        c = j_value(p);
        if (c < 0)
            return false;
        p->nodes[c].key_start = k0;
        p->nodes[c].key_end = k1;
        j_add(p, n, &last, c);
        j_ws(p);
        if (p->i >= p->n)
            return false;
        if (p->s[p->i] == close) {
            p->i++;
            return true;
        }
        if (p->s[p->i++] != ',')
            return false;
        j_ws(p);
    }
}

/* Parses one value; returns its node or -1. */
static int j_value(struct jp *p)
{
    bool ok;
    int n;

    j_ws(p);
    if (p->i >= p->n || ++p->depth > 64)
        return -1;
    switch (p->s[p->i]) {
    case '{':
        n = j_new(p, J_OBJ);
        ok = j_container(p, n, true);
        break;
    case '[':
        n = j_new(p, J_ARR);
        ok = j_container(p, n, false);
        break;
    case '"':
        n = j_new(p, J_STR);
        ok = j_string(p);
        break;
    case 't':
        n = j_new(p, J_TRUE);
        ok = j_lit(p, "true");
        break;
    case 'f':
        n = j_new(p, J_FALSE);
        ok = j_lit(p, "false");
        break;
    case 'n':
        n = j_new(p, J_NULL);
        ok = j_lit(p, "null");
        break;
    default:
        n = j_new(p, J_NUM);
        ok = j_number(p);
        break;
    }
    p->depth--;
    if (!ok)
        return -1;
    p->nodes[n].end = p->i;
    return n;
}

/* The member of object o named key, or -1. */
static int j_get(const struct jp *p, int o, const char *key)
{
    size_t kl = strlen(key);

    for (int m = p->nodes[o].child; m >= 0; m = p->nodes[m].next) {
        const struct jnode *nd = &p->nodes[m];

        if (nd->key_end - nd->key_start == kl + 2 && memcmp(p->s + nd->key_start + 1, key, kl) == 0)
            return m;
    }
    return -1;
}

static int j_at(const struct jp *p, int a, int idx)
{
    int m = p->nodes[a].child;

    while (m >= 0 && idx-- > 0)
        m = p->nodes[m].next;
    return m;
}

static bool j_num_is(const struct jp *p, int n, long long v)
{
    char want[32];
    size_t wl = (size_t)snprintf(want, sizeof want, "%lld", v);

    return n >= 0 && p->nodes[n].type == J_NUM && p->nodes[n].end - p->nodes[n].start == wl &&
           memcmp(p->s + p->nodes[n].start, want, wl) == 0;
}

static bool j_unum_is(const struct jp *p, int n, unsigned long long v)
{
    char want[32];
    size_t wl = (size_t)snprintf(want, sizeof want, "%llu", v);

    return n >= 0 && p->nodes[n].type == J_NUM && p->nodes[n].end - p->nodes[n].start == wl &&
           memcmp(p->s + p->nodes[n].start, want, wl) == 0;
}

/* Value of a hex digit, or -1. */
static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The four hex digits at s, already validated. */
static unsigned hex4(const unsigned char *s)
{
    return (unsigned)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 | hexval(s[3]));
}

/* Decodes the JSON string literal at [start, end) (already validated) into out (as many
 * bytes as the literal, enough: no escape decodes to more bytes than it takes). */
static size_t j_decode(const unsigned char *s, size_t start, size_t end, char *out)
{
    size_t o = 0;

    for (size_t i = start + 1; i + 1 < end;) {
        if (s[i] != '\\') {
            out[o++] = (char)s[i++];
            continue;
        }
        i++;
        switch (s[i++]) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            unsigned v = hex4(s + i);

            i += 4;
            if (v >= 0xd800 && v <= 0xdbff) {
                v = 0x10000 + ((v - 0xd800) << 10) + (hex4(s + i + 2) - 0xdc00);
                i += 6;
            }
            if (v < 0x80) {
                out[o++] = (char)v;
            } else if (v < 0x800) {
                out[o++] = (char)(0xc0 | v >> 6);
                out[o++] = (char)(0x80 | (v & 0x3f));
            } else if (v < 0x10000) {
                out[o++] = (char)(0xe0 | v >> 12);
                out[o++] = (char)(0x80 | (v >> 6 & 0x3f));
                out[o++] = (char)(0x80 | (v & 0x3f));
            } else {
                out[o++] = (char)(0xf0 | v >> 18);
                out[o++] = (char)(0x80 | (v >> 12 & 0x3f));
                out[o++] = (char)(0x80 | (v >> 6 & 0x3f));
                out[o++] = (char)(0x80 | (v & 0x3f));
            }
            break;
        }
        default:
            out[o++] = (char)s[i - 1];
            break; /* " \ / */
        }
    }
    return o;
}

/* Undoes the text escaping (buf.h): \" \\ \n \t \r \xNN. Returns the length, or (size_t)-1 if
 * s holds a backslash that starts none of these. */
static size_t text_unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        if (i + 1 >= n)
            return (size_t)-1;
        switch (s[i + 1]) {
        case '"':
            out[o++] = '"';
            break;
        case '\\':
            out[o++] = '\\';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 'x': {
            /* Lowercase only: buf.c writes lowercase hex. */
            int hi = i + 3 < n ? hexval((unsigned char)s[i + 2]) : -1;
            int lo = i + 3 < n ? hexval((unsigned char)s[i + 3]) : -1;

            if (hi < 0 || lo < 0 || (s[i + 2] >= 'A' && s[i + 2] <= 'F') ||
                (s[i + 3] >= 'A' && s[i + 3] <= 'F'))
                return (size_t)-1;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
            break;
        }
        default:
            return (size_t)-1;
        }
        i += 2;
    }
    return o;
}

/* A text record or escaped run: no byte below 0x20, no DEL, valid UTF-8 and no C1 control
 * (U+0080..U+009F) among it. */
static void check_text_bytes(const char *s, size_t n, const char *what)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = utf8_len((const unsigned char *)s + i, n - i);

        CHECK(c >= 0x20 && c != 0x7f, "%s: raw control byte 0x%02x at %zu", what, c, i);
        CHECK(k > 0, "%s: invalid UTF-8 at %zu", what, i);
        CHECK(!(k == 2 && c == 0xc2 && (unsigned char)s[i + 1] <= 0x9f),
              "%s: raw C1 control at %zu", what, i);
        i += k;
    }
}

/* ---- reports ------------------------------------------------------------------------------ */

struct sink {
    const struct sw_report *r;
    enum sw_format fmt;
    const char *scratch;
    size_t cap;
    unsigned records;
    size_t field_max; /* report.c's share per string field, when cap >= the minimum */
};

/* A JSON string member: when the input is known, it decodes to the expected text or to a
 * prefix of it followed by "..." (cut at a character boundary), within the field share. */
static void check_json_str(const struct jp *p, int n, const char *input, const struct sink *k,
                           const char *what)
{
    size_t in_len, want_len, got_len, lit_len;
    char *want, *got;

    if (input == NULL) {
        CHECK(n < 0, "%s: present for a NULL input", what);
        return;
    }
    CHECK(n >= 0 && p->nodes[n].type == J_STR, "%s: missing or not a string", what);
    lit_len = p->nodes[n].end - p->nodes[n].start;
    if (k->cap >= SW_REPORT_MIN_SCRATCH)
        CHECK(lit_len <= k->field_max + 2, "%s: literal of %zu bytes, share is %zu", what, lit_len,
              k->field_max);
    in_len = strlen(input);
    want = malloc(3 * in_len + 1);
    got = malloc(lit_len + 1);
    CHECK(want && got, "out of memory");
    want_len = json_expect(input, in_len, want);
    got_len = j_decode(p->s, p->nodes[n].start, p->nodes[n].end, got);
    if (!(got_len == want_len && memcmp(got, want, got_len) == 0)) {
        size_t cut;

        CHECK(got_len >= 3 && memcmp(got + got_len - 3, "...", 3) == 0,
              "%s: differs from the input and is not cut", what);
        cut = got_len - 3;
        CHECK(cut < want_len && memcmp(got, want, cut) == 0, "%s: cut is not a prefix", what);
        CHECK(((unsigned char)want[cut] & 0xc0) != 0x80, "%s: cut inside a character", what);
    }
    free(want);
    free(got);
}

/* calls.h: sw_class_name's names, and "none" for anything out of range (the fuzzer passes
 * out-of-range classes too). */
static const char *class_name(enum sw_class c)
{
    return (unsigned)c < SW_CLASS_COUNT ? sw_class_name(c) : "none";
}

static void check_json_frame(const struct jp *p, int f, const struct sw_frame *in,
                             const struct sink *k)
{
    char pc[32];
    int n;

    CHECK(p->nodes[f].type == J_OBJ, "frame is not an object");
    n = j_get(p, f, "pc");
    snprintf(pc, sizeof pc, "\"0x%llx\"", (unsigned long long)in->pc);
    CHECK(n >= 0 && p->nodes[n].end - p->nodes[n].start == strlen(pc) &&
              memcmp(p->s + p->nodes[n].start, pc, strlen(pc)) == 0,
          "frame pc is not %s", pc);
    check_json_str(p, j_get(p, f, "module"), in->module, k, "frame module");
    check_json_str(p, j_get(p, f, "build_id"), in->build_id, k, "frame build_id");
    check_json_str(p, j_get(p, f, "function"), in->function, k, "frame function");
    check_json_str(p, j_get(p, f, "file"), in->file, k, "frame file");
    CHECK((j_get(p, f, "inlined") >= 0) == in->inlined, "frame inlined flag");
    n = j_get(p, f, "line");
    CHECK(in->file && in->line ? j_unum_is(p, n, in->line) : n < 0, "frame line");
}

static void check_json_record(struct sink *k, const char *rec, size_t len)
{
    const struct sw_report *r = k->r;
    unsigned nthreads = r->threads ? r->nthreads : 0;
    struct jp p = {(const unsigned char *)rec, len, 0, 0, NULL, 0, 0};
    int root, n, threads;
    bool truncated, any_dropped = false, seen_partial = false;
    unsigned kept;

    root = j_value(&p);
    CHECK(root >= 0, "JSON record is not valid JSON at byte %zu of %zu", p.i, len);
    j_ws(&p);
    CHECK(p.i == len, "JSON record has trailing bytes");
    CHECK(p.nodes[root].type == J_OBJ, "JSON record is not an object");
    CHECK(memchr(rec, '\n', len) == NULL, "JSON record spans lines");

    check_json_str(&p, j_get(&p, root, "event"), r->event ? r->event : "unknown", k, "event");
    CHECK(j_unum_is(&p, j_get(&p, root, "report"), r->number), "report number");
    CHECK(j_num_is(&p, j_get(&p, root, "pid"), r->pid), "pid");
    n = j_get(&p, root, "stall_report");
    CHECK(r->stall_report ? j_unum_is(&p, n, r->stall_report) : n < 0, "stall_report");
    n = j_get(&p, root, "suppressed");
    CHECK(r->suppressed ? j_unum_is(&p, n, r->suppressed) : n < 0, "suppressed");
    check_json_str(&p, j_get(&p, root, "process"), r->process, k, "process");
    check_json_str(&p, j_get(&p, root, "fingerprint"), r->fingerprint, k, "fingerprint");
    check_json_str(&p, j_get(&p, root, "host"), r->host, k, "host");
    check_json_str(&p, j_get(&p, root, "job"), r->job, k, "job");
    n = j_get(&p, root, "rank");
    CHECK(r->ranked ? j_unum_is(&p, n, r->rank) : n < 0, "rank");
    n = j_get(&p, root, "size");
    CHECK(r->ranked && r->size ? j_unum_is(&p, n, r->size) : n < 0, "size");
    n = j_get(&p, root, "attached");
    CHECK(r->attached ? n >= 0 && p.nodes[n].type == J_TRUE : n < 0, "attached");
    n = j_get(&p, root, "time");
    CHECK(n >= 0 && p.nodes[n].type == J_STR && p.nodes[n].end - p.nodes[n].start == 26 &&
              rec[p.nodes[n].start + 25 - 1] == 'Z',
          "time is not an ISO 8601 UTC timestamp");
    n = j_get(&p, root, "truncated");
    truncated = n >= 0;
    CHECK(n < 0 || p.nodes[n].type == J_TRUE, "truncated is not true");

    threads = j_get(&p, root, "threads");
    CHECK(threads >= 0 && p.nodes[threads].type == J_ARR, "threads missing");
    kept = (unsigned)p.nodes[threads].nchildren;
    CHECK(kept <= nthreads, "%u threads rendered of %u", kept, nthreads);
    if (nthreads > 0)
        CHECK(kept >= 1, "threads[0] dropped");
    if (kept < nthreads)
        any_dropped = true;
    /* Dropped frames are a suffix of the drop order: frames from the end of the last threads
     * first, so kept frames are all of threads[0..j), a prefix of threads[j]'s, none after;
     * whole threads go only once every frame has. */
    for (unsigned i = 0; i < kept; i++) {
        const struct sw_thread_report *t = &r->threads[i];
        unsigned nframes = t->frames ? t->nframes : 0;
        int th = j_at(&p, threads, (int)i), frames, m;
        unsigned got;

        CHECK(p.nodes[th].type == J_OBJ, "thread %u is not an object", i);
        CHECK(j_num_is(&p, j_get(&p, th, "tid"), t->tid), "thread %u tid", i);
        n = j_get(&p, th, "role");
        check_json_str(&p, n, t->role, k, "role");
        check_json_str(&p, j_get(&p, th, "name"), t->name, k, "name");
        check_json_str(&p, j_get(&p, th, "call"), t->call ? t->call : "??", k, "call");
        check_json_str(&p, j_get(&p, th, "scope"), t->scope, k, "scope");
        check_json_str(&p, j_get(&p, th, "wchan"), t->wchan, k, "wchan");
        check_json_str(&p, j_get(&p, th, "capture"), t->capture, k, "capture");
        check_json_str(&p, j_get(&p, th, "note"), t->note, k, "note");
        CHECK(j_unum_is(&p, j_get(&p, th, "waited_ms"), t->waited_ms), "thread %u waited_ms", i);
        check_json_str(&p, j_get(&p, th, "class"), class_name(t->cls), k, "class");
        check_json_str(&p, j_get(&p, th, "fd_target"),
                       t->objkind == SW_OBJ_FD ? t->fd_target : NULL, k, "fd_target");
        check_json_str(&p, j_get(&p, th, "path"), t->objkind == SW_OBJ_PATH ? t->path : NULL, k,
                       "path");
        check_json_str(&p, j_get(&p, th, "owner_process"), t->owner_pid ? t->owner_process : NULL,
                       k, "owner_process");
        check_json_str(&p, j_get(&p, th, "query"), t->objkind == SW_OBJ_QUERY ? t->query : NULL,
                       k, "query");
        check_json_str(&p, j_get(&p, th, "communicator"),
                       t->objkind == SW_OBJ_MPI ? t->communicator : NULL, k, "communicator");
        n = j_get(&p, th, "seq");
        CHECK((n >= 0) == (t->objkind == SW_OBJ_MPI && t->seq != 0) &&
                  (n < 0 || j_unum_is(&p, n, t->seq)),
              "thread %u: seq", i);
        n = j_get(&p, th, "peer");
        CHECK((n >= 0) == (t->objkind == SW_OBJ_MPI && t->peer != SW_MPI_NONE) &&
                  (n < 0 || j_num_is(&p, n, t->peer)),
              "thread %u: peer", i);
        check_json_str(&p, j_get(&p, th, "lock"), t->lock, k, "lock");
        n = j_get(&p, th, "kernel");
        CHECK((n >= 0) == t->kernel && (n < 0 || p.nodes[n].type == J_TRUE), "thread %u: kernel",
              i);
        n = j_get(&p, th, "state");
        CHECK((n >= 0) == (t->state != 0), "thread %u: state", i);
        if (n >= 0) {
            char st[2] = {t->state, '\0'};

            check_json_str(&p, n, st, k, "state");
        }
        n = j_get(&p, th, "tids");
        if (t->count > 1) {
            unsigned want =
                t->tids ? (t->ntids < SW_REPORT_TIDS_MAX ? t->ntids : SW_REPORT_TIDS_MAX) : 0;

            CHECK(n >= 0 && p.nodes[n].type == J_ARR && p.nodes[n].nchildren == (int)want,
                  "thread %u: tids", i);
            for (unsigned j = 0; j < want; j++)
                CHECK(j_num_is(&p, j_at(&p, n, (int)j), t->tids[j]), "thread %u tid %u", i, j);
        } else {
            CHECK(n < 0, "thread %u: tids without count", i);
        }
        frames = j_get(&p, th, "frames");
        CHECK(frames >= 0 && p.nodes[frames].type == J_ARR, "thread %u: frames missing", i);
        got = (unsigned)p.nodes[frames].nchildren;
        CHECK(got <= nframes, "thread %u: %u frames rendered of %u", i, got, nframes);
        CHECK(!seen_partial || got == 0, "thread %u keeps frames after a cut thread", i);
        if (got < nframes) {
            seen_partial = true;
            any_dropped = true;
        }
        if (kept < nthreads)
            CHECK(got == 0, "thread %u keeps frames while threads were dropped", i);
        m = p.nodes[frames].child;
        for (unsigned j = 0; j < got; j++, m = p.nodes[m].next)
            check_json_frame(&p, m, &t->frames[j], k);
    }
    CHECK(truncated == any_dropped, "\"truncated\" is %d but items dropped is %d", truncated,
          any_dropped);
    free(p.nodes);
}

static void check_text_record(struct sink *k, const char *rec, size_t len)
{
    char prefix[32];
    int pl = snprintf(prefix, sizeof prefix, "stallwatch #%u ", k->r->number);
    size_t quotes = 0;

    CHECK(len >= (size_t)pl && memcmp(rec, prefix, (size_t)pl) == 0,
          "text record without its prefix %s", prefix);
    check_text_bytes(rec, len, "text record");
    /* Escapes are well-formed and quotes pair up (every quoted value is closed). */
    for (size_t i = 0; i < len; i++) {
        if (rec[i] == '\\') {
            CHECK(i + 1 < len && strchr("\"\\ntrx", rec[i + 1]) && rec[i + 1] != '\0',
                  "bad escape at %zu", i);
            if (rec[i + 1] == 'x')
                CHECK(i + 3 < len && strchr("0123456789abcdef", rec[i + 2]) &&
                          strchr("0123456789abcdef", rec[i + 3]) && rec[i + 2] && rec[i + 3],
                      "bad \\x escape at %zu", i);
            i++;
        } else if (rec[i] == '"') {
            quotes++;
        }
    }
    /* A line is cut only below the minimum scratch: then it ends with "..." and quotes may be
     * left open. From the minimum up, every line fits whole with room to spare (report.c
     * reserves 512 bytes for the non-string parts). */
    if (k->cap >= SW_REPORT_MIN_SCRATCH) {
        CHECK(len + 32 < k->cap, "text line of %zu bytes in a %zu-byte scratch: cut?", len, k->cap);
        CHECK(quotes % 2 == 0, "text line with an unclosed quote");
    }
}

/* FUZZ_REPORT_PRINT=1 in the environment prints every record, to see what an input means. */
static bool print_records(void)
{
    static int on = -1;

    if (on < 0)
        on = getenv("FUZZ_REPORT_PRINT") != NULL;
    return on;
}

static void on_record(void *ctx, const char *rec, size_t len)
{
    struct sink *k = ctx;

    if (print_records())
        fprintf(stderr, "[%s cap=%zu] %.*s\n", k->fmt == SW_FORMAT_JSON ? "json" : "text", k->cap,
                (int)len, rec);

    CHECK(rec == k->scratch, "record not in the scratch buffer");
    CHECK(len < k->cap, "record of %zu bytes in a %zu-byte scratch", len, k->cap);
    CHECK(memchr(rec, '\0', len) == NULL, "record with a NUL byte");
    k->records++;
    if (k->fmt == SW_FORMAT_JSON)
        check_json_record(k, rec, len);
    else
        check_text_record(k, rec, len);
}

/* Text: one header line, then per thread its line (after the first), a tids line, a state
 * line, a note line and one line per frame, as present. */
static unsigned text_lines(const struct sw_report *r)
{
    unsigned n = 1, nthreads = r->threads ? r->nthreads : 0;

    for (unsigned i = 0; i < nthreads; i++) {
        const struct sw_thread_report *t = &r->threads[i];

        n += i > 0;
        n += t->count > 1 && t->tids && t->ntids;
        n += t->kernel || t->state || t->wchan || t->capture;
        n += t->note != NULL;
        n += t->frames ? t->nframes : 0;
    }
    return n;
}

static void fill_frame(struct in *in, struct sw_frame *f)
{
    f->pc = uN(in, u8(in) % 9);
    f->module = str(in);
    f->offset = uN(in, u8(in) % 9);
    f->build_id = str(in);
    f->function = str(in);
    f->file = str(in);
    f->line = (unsigned)uN(in, u8(in) % 5);
    f->inlined = u8(in) & 1;
}

/* Frames for one thread: up to 4 templates from the input, repeated (with distinct pcs) up
 * to 299 frames, so short inputs make reports that overflow the scratch. A report has at most
 * FRAME_BUDGET frames in all: enough to overflow 64 KiB, few enough to keep the fuzzer fast
 * (the renderer under -fsanitize=fuzzer costs about 1 us per output byte). */
#define FRAME_BUDGET 600
static unsigned frame_budget;

static const struct sw_frame *make_frames(struct in *in, unsigned *nframes)
{
    struct sw_frame tmpl[4];
    unsigned nt = u8(in) % 4 + 1;
    uint8_t shape = u8(in);
    unsigned n = shape & 0x80 ? (unsigned)uN(in, 2) % 300 : shape % 12;
    struct sw_frame *f;

    for (unsigned i = 0; i < nt; i++)
        fill_frame(in, &tmpl[i]);
    if (n > frame_budget)
        n = frame_budget;
    frame_budget -= n;
    f = take(n * sizeof *f);
    if (f == NULL)
        return NULL;
    for (unsigned i = 0; i < n; i++) {
        f[i] = tmpl[i % nt];
        f[i].pc += i;
    }
    *nframes = n;
    /* Now and then a NULL array with a count: the count must be ignored. */
    return (shape & 0x60) == 0x60 && n > 0 ? NULL : f;
}

static void fill_thread(struct in *in, struct sw_thread_report *t)
{
    uint8_t flags;

    memset(t, 0, sizeof *t);
    t->tid = (pid_t)uN(in, 4);
    t->name = str(in);
    t->call = str(in);
    t->cls = (enum sw_class)(u8(in) % (SW_CLASS_COUNT + 3));
    t->waited_ms = uN(in, u8(in) % 9);
    t->objkind = (enum sw_objkind)(u8(in) % (SW_OBJ_COUNT + 2));
    t->object = uN(in, u8(in) % 9);
    t->fd = (int)uN(in, 4);
    t->fd_target = str(in);
    t->path = str(in);
    t->state = (char)u8(in);
    t->wchan = str(in);
    t->capture = str(in);
    t->note = str(in);
    t->role = str(in);
    flags = u8(in);
    if (flags & 1)
        t->owner_tid = (pid_t)uN(in, 4);
    if (flags & 2) {
        t->owner_pid = (pid_t)uN(in, 4);
        t->owner_process = str(in);
    }
    t->scope = str(in);
    t->query = str(in);
    t->communicator = str(in);
    t->comm_size = (int64_t)uN(in, u8(in) % 5) - 1;
    t->comm_rank = (int64_t)uN(in, u8(in) % 5) - 1;
    t->seq = uN(in, u8(in) % 9);
    t->peer = u8(in) & 1 ? SW_MPI_NONE : (int64_t)uN(in, u8(in) % 5) - 2;
    t->tag = u8(in) & 1 ? SW_MPI_NONE : (int64_t)uN(in, u8(in) % 5);
    t->lock = str(in);
    t->kernel = (flags & 32) != 0;
    if (flags & 4) {
        pid_t *tids;

        t->count = (unsigned)uN(in, flags & 8 ? 4 : 1);
        t->ntids = u8(in) % 40;
        tids = take(t->ntids * sizeof *tids);
        for (unsigned i = 0; tids && i < t->ntids; i++)
            tids[i] = (pid_t)uN(in, u8(in) % 5);
        t->tids = flags & 16 ? NULL : tids;
    }
    t->frames = make_frames(in, &t->nframes);
}

static void fuzz_report(struct in *in)
{
    struct sw_report r;
    struct sw_thread_report *threads;
    uint32_t capsel = (uint32_t)uN(in, 3);
    size_t cap;
    char *scratch;
    unsigned nthreads, got;

    memset(&r, 0, sizeof r);
    frame_budget = FRAME_BUDGET;
    r.event = str(in);
    r.number = (unsigned)uN(in, u8(in) % 5);
    r.stall_report = (unsigned)uN(in, u8(in) % 5);
    r.fingerprint = str(in);
    r.suppressed = (unsigned)uN(in, u8(in) % 5);
    r.attached = u8(in) & 1;
    r.host = str(in);
    r.job = str(in);
    r.ranked = u8(in) & 1;
    r.rank = (unsigned)uN(in, 4);
    r.size = (unsigned)uN(in, u8(in) % 5);
    r.pid = (pid_t)uN(in, 4);
    r.process = str(in);
    r.time_ns = uN(in, 8);
    nthreads = u8(in) % (MAX_THREADS + 1);
    threads = take(nthreads * sizeof *threads);
    for (unsigned i = 0; threads && i < nthreads; i++)
        fill_thread(in, &threads[i]);
    r.threads = threads;
    r.nthreads = threads ? nthreads : 0;
    if (nthreads > 0 && (capsel & 7) == 7)
        r.threads = NULL; /* a count without an array: must be ignored */

    /* Scratch from SW_REPORT_MIN_SCRATCH to 64 KiB, the minimum itself often; one time in
     * eight below the minimum, where the renderer only promises to stay in bounds. */
    switch (capsel & 7) {
    case 0:
        cap = SW_REPORT_MIN_SCRATCH;
        break;
    case 1:
        cap = (capsel >> 3) % SW_REPORT_MIN_SCRATCH;
        break;
    default:
        cap = SW_REPORT_MIN_SCRATCH + (capsel >> 3) % (MAX_SCRATCH - SW_REPORT_MIN_SCRATCH + 1);
        break;
    }
    scratch = malloc(cap ? cap : 1);
    CHECK(scratch != NULL, "out of memory");

    for (int f = 0; f < 2; f++) {
        struct sink k = {&r, f ? SW_FORMAT_JSON : SW_FORMAT_TEXT, scratch, cap, 0, 0};

        k.field_max = f ? (cap - 1024) / 12 : (cap - 512) / 8;
        memset(scratch, 0xa5, cap);
        got = sw_report_emit(&r, k.fmt, scratch, cap, on_record, &k);
        CHECK(got == k.records, "returned %u, emitted %u", got, k.records);
        if (cap < 64)
            CHECK(got == 0, "records from a %zu-byte scratch", cap);
        else if (k.fmt == SW_FORMAT_TEXT)
            CHECK(got == text_lines(&r), "%u text lines, expected %u", got, text_lines(&r));
        else if (cap >= SW_REPORT_MIN_SCRATCH)
            CHECK(got == 1, "%u JSON records from a %zu-byte scratch", got, cap);
        else
            CHECK(got <= 1, "%u JSON records", got);
    }
    CHECK(sw_report_emit(NULL, SW_FORMAT_TEXT, scratch, cap, on_record, NULL) == 0, "NULL report");
    free(scratch);
}

/* ---- escapings ------------------------------------------------------------------------------ */

static void escape_json(const char *s, size_t n, char *out, size_t cap, struct sw_buf *b)
{
    sw_buf_init(b, out, cap);
    sw_buf_put_json_str(b, s, n);
}

static void fuzz_escapes(struct in *in)
{
    size_t n = in->n, split;
    const char *s = (const char *)in->p;
    size_t big = 6 * n + 3;
    char *out = malloc(big), *whole = malloc(big), *dec = malloc(big), *want = malloc(3 * n + 1);
    struct sw_buf b;
    size_t wl, dl;

    CHECK(out && whole && dec && want, "out of memory");

    /* JSON: one valid string literal decoding to the input with invalid UTF-8 as U+FFFD. */
    escape_json(s, n, whole, big, &b);
    CHECK(!b.overflow && b.len < big, "JSON escaping overflowed a 6n+3 buffer");
    {
        struct jp p = {(const unsigned char *)whole, b.len, 0, 0, NULL, 0, 0};
        int v = j_value(&p);

        CHECK(v >= 0 && p.i == b.len && p.nodes[v].type == J_STR, "not one JSON string");
        CHECK(memchr(whole, 0x7f, b.len) == NULL, "raw DEL in JSON");
        wl = json_expect(s, n, want);
        dl = j_decode((const unsigned char *)whole, 0, b.len, dec);
        CHECK(dl == wl && memcmp(dec, want, wl) == 0, "JSON string does not decode to the input");
        free(p.nodes);
    }
    /* Too small a buffer: all or nothing, overflow set, always terminated. */
    {
        size_t cap = n ? ((size_t)in->p[0] | (size_t)in->p[n - 1] << 8) % (b.len + 2) : 0;
        char *small = malloc(cap ? cap : 1);
        struct sw_buf sb;

        CHECK(small != NULL, "out of memory");
        sw_buf_init(&sb, small, cap);
        sw_buf_put_json_str(&sb, s, n);
        if (sb.overflow)
            CHECK(sb.len == 0 && (cap == 0 || small[0] == '\0'), "JSON cut instead of dropped");
        else
            CHECK(sb.len == b.len && memcmp(small, whole, b.len + 1) == 0, "JSON differs");
        /* Text, same cap. */
        sw_buf_init(&sb, small, cap);
        sw_buf_put_text_esc(&sb, s, n);
        CHECK(sb.len < (cap ? cap : 1) && (cap == 0 || small[sb.len] == '\0'),
              "text escaping not terminated");
        CHECK(!sb.overflow || sb.len == 0, "text cut instead of dropped");
        free(small);
    }

    /* Text: no control bytes, valid UTF-8, and unescapes to the input exactly. */
    sw_buf_init(&b, whole, big);
    sw_buf_put_text_esc(&b, s, n);
    CHECK(!b.overflow, "text escaping overflowed a 6n+3 buffer");
    check_text_bytes(whole, b.len, "text escaping");
    dl = text_unescape(whole, b.len, dec);
    CHECK(dl == n && memcmp(dec, s, n) == 0, "text escaping does not unescape to the input");
    wl = b.len;

    /* Escaping in two pieces split before a byte that is not a continuation byte gives the
     * same output as escaping whole (buf.c's contract); for JSON, the insides of the two
     * literals make up the inside of the whole one. */
    split = n ? (size_t)in->p[0] * n / 256 : 0;
    while (split < n && ((unsigned char)s[split] & 0xc0) == 0x80)
        split++;
    sw_buf_init(&b, out, big);
    sw_buf_put_text_esc(&b, s, split);
    sw_buf_put_text_esc(&b, s + split, n - split);
    CHECK(b.len == wl && memcmp(out, whole, wl) == 0, "text escaping split at %zu differs", split);
    {
        struct sw_buf a, p1, p2;
        char *o1 = malloc(big), *o2 = malloc(big);

        CHECK(o1 && o2, "out of memory");
        escape_json(s, split, o1, big, &p1);
        escape_json(s + split, n - split, o2, big, &p2);
        escape_json(s, n, out, big, &a);
        CHECK(p1.len - 2 + p2.len - 2 == a.len - 2 && memcmp(out + 1, o1 + 1, p1.len - 2) == 0 &&
                  memcmp(out + 1 + p1.len - 2, o2 + 1, p2.len - 2) == 0,
              "JSON escaping split at %zu differs", split);
        free(o1);
        free(o2);
    }

    /* Marks and rollbacks restore length and overflow. */
    {
        char mem[64];
        struct sw_buf_mark m;

        sw_buf_init(&b, mem, sizeof mem);
        sw_buf_puts(&b, "head ");
        m = sw_buf_mark(&b);
        sw_buf_put_text_esc(&b, s, n);
        sw_buf_put_json_str(&b, s, n);
        sw_buf_rollback(&b, m);
        CHECK(b.len == 5 && !b.overflow && strcmp(mem, "head ") == 0, "rollback");
    }
    free(out);
    free(whole);
    free(dec);
    free(want);
}

/* ---- syslog framing ------------------------------------------------------------------------- */

static void fuzz_syslog(struct in *in)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    size_t cap = (size_t)uN(in, 2) % 1200;
    int pri = (int)uN(in, u8(in) % 5);
    int64_t local_s = (int64_t)uN(in, u8(in) % 9);
    pid_t pid = (pid_t)uN(in, 4);
    const char *ident = str(in);
    size_t msg_len = in->n;
    char *msg = take(msg_len ? msg_len : 1);
    char *out = malloc(cap ? cap : 1);
    size_t head_cap = (ident ? strlen(ident) : 0) + 64;
    char *head = malloc(head_cap);
    int hl = 0;
    size_t got, body;
    struct tm tm;
    time_t t = (time_t)local_s;

    CHECK(out != NULL && head != NULL, "out of memory");
    if (msg_len)
        memcpy(msg, in->p, msg_len);
    /* Records never hold NUL bytes; keep them out so the output can be read as a string. */
    for (size_t i = 0; i < msg_len; i++)
        if (msg[i] == '\0')
            msg[i] = '0';
    memset(out, 0xa5, cap ? cap : 1);
    got = sw_syslog_frame(out, cap, pri, local_s, ident, pid, msg, msg_len);

    /* The header as glibc writes it, from gmtime_r (the caller's local_s is zone-adjusted). */
    if (local_s > -(int64_t)1e13 && local_s < (int64_t)1e13 && gmtime_r(&t, &tm)) {
        /* The whole ident, however long: head has room for it and the rest. */
        hl = snprintf(head, head_cap, "<%d>%s %2d %02d:%02d:%02d ", pri, months[tm.tm_mon],
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        for (const char *p = ident; p && *p; p++) {
            unsigned char c = (unsigned char)*p;

            head[hl++] = c > 0x20 && c < 0x7f && c != '[' && c != ']' && c != ':' ? (char)c : '_';
        }
        hl += snprintf(head + hl, head_cap - (size_t)hl, "[%d]: ", (int)pid);
    }
    if (cap == 0) {
        CHECK(got == 0, "length %zu with cap 0", got);
        goto out;
    }
    CHECK(got < cap && out[got] == '\0', "not NUL-terminated inside cap");
    CHECK(strlen(out) == got, "length %zu but strlen %zu", got, strlen(out));
    CHECK(memchr(out, '\n', got) == NULL, "newline in a datagram");
    if (hl == 0)
        goto out; /* no reference header (a time gmtime_r cannot break down) */
    if ((size_t)hl + 1 > cap) {
        CHECK(got == 0 && out[0] == '\0', "header does not fit, yet %zu bytes", got);
        goto out;
    }
    CHECK(got >= (size_t)hl && memcmp(out, head, (size_t)hl) == 0,
          "header differs: got \"%.*s\", want \"%s\"", (int)(got < (size_t)hl ? got : (size_t)hl),
          out, head);
    body = got - (size_t)hl;
    CHECK(body <= msg_len, "body longer than the message");
    for (size_t i = 0; i < body; i++)
        CHECK(out[hl + i] == (msg[i] == '\n' ? ' ' : msg[i]), "body byte %zu differs", i);
    if (body < msg_len) {
        /* Cut to fit: as much as fits, backing up over at most three continuation bytes. */
        size_t room = cap - 1 - (size_t)hl;

        CHECK(body <= room && room - body <= 3, "cut at %zu with room %zu", body, room);
        for (size_t i = body + 1; i <= room; i++)
            CHECK(((unsigned char)msg[i] & 0xc0) == 0x80, "cut early at %zu", body);
        CHECK(body == 0 || body + 3 == room || ((unsigned char)msg[body] & 0xc0) != 0x80,
              "cut inside a character at %zu", body);
    }
out:
    free(head);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = {data, size};
    uint8_t mode = u8(&in);

    switch (mode % 5) {
    case 3:
        fuzz_escapes(&in);
        break;
    case 4:
        fuzz_syslog(&in);
        break;
    default:
        fuzz_report(&in);
        break;
    }
    free_all();
    return 0;
}
