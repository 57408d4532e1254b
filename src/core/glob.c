/* Thread-name globs: fnmatch-style matching without flags, and comma-separated pattern lists.
 *
 * Runs in any context, notably on the watchdog thread, which must never take a lock the
 * program might hold: nothing here allocates, locks, uses stdio or touches errno, and
 * fnmatch(3) is avoided for that reason. Matching is byte-wise, as in the "C" locale:
 * no multibyte characters, no [:alpha:] classes, no collating elements. */
#include "core/glob.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Parses the bracket expression whose body starts at p (just after the '[') and tests c
 * against it. Returns the position just past the closing ']' and sets *hit, or returns NULL
 * when the expression is malformed (no closing ']', or a '\' at the very end).
 * Syntax: a leading '!' negates; a ']' right after "[" or "[!" is a member; "a-z" is a
 * range (empty when reversed); a '-' first or last is a member; '\' makes the next byte a
 * member (also as a range end). */
static const char *match_class(const char *p, unsigned char c, bool *hit)
{
    bool negate = false;
    bool found = false;
    bool first = true;

    if (*p == '!') {
        negate = true;
        p++;
    }
    for (;;) {
        unsigned char lo = (unsigned char)*p;
        unsigned char hi;

        if (lo == '\0')
            return NULL;
        if (lo == ']' && !first)
            break;
        first = false;
        p++;
        if (lo == '\\') {
            lo = (unsigned char)*p;
            if (lo == '\0')
                return NULL;
            p++;
        }
        hi = lo;
        if (p[0] == '-' && p[1] != ']' && p[1] != '\0') {
            hi = (unsigned char)p[1];
            p += 2;
            if (hi == '\\') {
                hi = (unsigned char)*p;
                if (hi == '\0')
                    return NULL;
                p++;
            }
        }
        if (lo <= c && c <= hi)
            found = true;
    }
    *hit = found != negate;
    return p + 1;
}

/* A malformed '[' is scanned to the end of the pattern before it is known to be a literal;
 * scanning again at every retry of a '*' would make a pattern full of them cubic. The first
 * SW_GLOB_MEMO bytes of a pattern remember which '[' were found malformed (512 bytes of
 * stack); a well-formed class costs only its own length to scan, so it needs no memory. */
#define SW_GLOB_MEMO 4096

struct matcher {
    const char *pat;
    uint64_t malformed[SW_GLOB_MEMO / 64];
};

/* Matches the single-byte token at p (anything but '*' and the end) against c. Returns the
 * position after the token, or NULL if it does not match. A malformed '[' is a literal '['
 * (as in fnmatch(3)) and a trailing '\' a literal '\' (glibc's fnmatch matches nothing
 * there); sw_globs_parse rejects both, so only direct callers of sw_glob_match meet them. */
static const char *match_token(struct matcher *m, const char *p, unsigned char c)
{
    switch (*p) {
    case '\0':
        return NULL;
    case '?':
        return p + 1;
    case '[': {
        size_t at = (size_t)(p - m->pat);
        bool known_bad = at < SW_GLOB_MEMO && (m->malformed[at / 64] >> (at % 64) & 1);
        bool hit = false;
        const char *end = known_bad ? NULL : match_class(p + 1, c, &hit);

        if (end == NULL) {
            if (at < SW_GLOB_MEMO)
                m->malformed[at / 64] |= (uint64_t)1 << (at % 64);
            return c == '[' ? p + 1 : NULL;
        }
        return hit ? end : NULL;
    }
    case '\\':
        if (p[1] == '\0')
            return c == '\\' ? p + 1 : NULL;
        return c == (unsigned char)p[1] ? p + 2 : NULL;
    default:
        return c == (unsigned char)*p ? p + 1 : NULL;
    }
}

/* Iterative matcher with one backtrack point: on a mismatch after a '*', that '*' absorbs one
 * more byte and matching resumes after it. Only the last '*' needs remembering because every
 * other token consumes exactly one byte, so the cost is O(strlen(pat) * strlen(s)), never
 * exponential ("a*a*a*a*b" against a long run of 'a' is quadratic at worst). A malformed '['
 * beyond the first SW_GLOB_MEMO bytes of a pattern adds a scan to the pattern's end at each
 * try (only direct callers can pass one). */
bool sw_glob_match(const char *pat, const char *s)
{
    struct matcher m = {.pat = pat};
    const char *p = pat;
    const char *star_p = NULL; /* pattern position just after the last '*' seen */
    const char *star_s = NULL; /* where that '*' currently stops absorbing input */

    for (;;) {
        const char *next;

        if (*p == '*') {
            while (*p == '*')
                p++;
            star_p = p;
            star_s = s;
            continue;
        }
        if (*s == '\0')
            return *p == '\0'; /* a '*' absorbing more cannot help: the input is used up */
        next = match_token(&m, p, (unsigned char)*s);
        if (next != NULL) {
            p = next;
            s++;
            continue;
        }
        if (star_p == NULL)
            return false;
        p = star_p;
        s = ++star_s;
    }
}

/* True if pat contains no unterminated '[' and no trailing '\'. */
static bool pattern_ok(const char *pat)
{
    const char *p = pat;

    while (*p != '\0') {
        if (*p == '\\') {
            if (p[1] == '\0')
                return false;
            p += 2;
        } else if (*p == '[') {
            bool hit;

            p = match_class(p + 1, 0, &hit);
            if (p == NULL)
                return false;
        } else {
            p++;
        }
    }
    return true;
}

/* Items end at an unescaped ','; "\," keeps a comma inside a pattern (the matcher then reads
 * it as a literal ','). A ',' inside brackets still splits, so "[,]" is rejected as an
 * unterminated '['. Blanks are spaces and tabs; an escaped blank ("a\ ") is kept. */
int sw_globs_parse(struct sw_globs *g, const char *list)
{
    const char *p = list;
    size_t used = 0;

    memset(g, 0, sizeof *g);
    if (list == NULL)
        return 0;
    while (*p != '\0') {
        const char *start;
        const char *end;
        size_t len;

        while (is_blank(*p))
            p++;
        start = p;
        end = p; /* one past the last byte that is not a trailing blank */
        while (*p != '\0' && *p != ',') {
            if (*p == '\\' && p[1] != '\0') {
                p += 2;
                end = p;
                continue;
            }
            if (!is_blank(*p))
                end = p + 1;
            p++;
        }
        if (*p == ',')
            p++;
        len = (size_t)(end - start);
        if (len == 0)
            continue;
        if (g->n == SW_GLOBS_MAX || len >= SW_GLOBS_TEXT - used)
            goto fail;
        memcpy(g->text + used, start, len);
        g->text[used + len] = '\0';
        if (!pattern_ok(g->text + used))
            goto fail;
        g->pat[g->n++] = g->text + used;
        used += len + 1;
    }
    return 0;

fail:
    memset(g, 0, sizeof *g);
    return -EINVAL;
}

/* The exact pattern "main" names the main thread in addition to matching a thread called
 * "main"; an escaped spelling such as "\main" or "mai[n]" matches by name only. A NULL name
 * (unknown) is matched as the empty string. */
bool sw_globs_match(const struct sw_globs *g, const char *name, bool is_main)
{
    if (name == NULL)
        name = "";
    for (unsigned i = 0; i < g->n && i < SW_GLOBS_MAX; i++) {
        if (is_main && strcmp(g->pat[i], "main") == 0)
            return true;
        if (sw_glob_match(g->pat[i], name))
            return true;
    }
    return false;
}
