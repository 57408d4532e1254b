/* Test support for the unit suites (see support.h). */
#include "support.h"

#include <stdint.h>
#include <stdlib.h>

int unit_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

size_t ref_utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1fu;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0fu;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
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

/* Strict JSON validator: RFC 8259 grammar, valid UTF-8 in strings, no raw control bytes,
 * no lone surrogate escapes, no duplicate keys, nothing after the value. */
struct jp {
    const unsigned char *s;
    size_t n, i;
    int depth;
};

static bool j_value(struct jp *p);

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
                int v = j_hex4(p);
                if (v < 0 || (v >= 0xdc00 && v <= 0xdfff))
                    return false;
                if (v >= 0xd800 && v <= 0xdbff) {
                    int lo;
                    if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
                        return false;
                    p->i += 2;
                    lo = j_hex4(p);
                    if (lo < 0xdc00 || lo > 0xdfff)
                        return false;
                }
            } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
                return false;
            }
            continue;
        }
        size_t k = ref_utf8_len(p->s + p->i, p->n - p->i);
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

static bool j_object(struct jp *p)
{
    size_t keys[256][2];
    size_t nkeys = 0;

    p->i++;
    j_ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        return true;
    }
    for (;;) {
        size_t k0 = p->i;
        if (!j_string(p))
            return false;
        for (size_t k = 0; k < nkeys; k++)
            if (keys[k][1] == p->i - k0 && memcmp(p->s + keys[k][0], p->s + k0, p->i - k0) == 0)
                return false; /* duplicate key */
        if (nkeys < 256) {
            keys[nkeys][0] = k0;
            keys[nkeys][1] = p->i - k0;
            nkeys++;
        }
        j_ws(p);
        if (p->i >= p->n || p->s[p->i++] != ':')
            return false;
        if (!j_value(p))
            return false;
        j_ws(p);
        if (p->i >= p->n)
            return false;
        if (p->s[p->i] == '}') {
            p->i++;
            return true;
        }
        if (p->s[p->i++] != ',')
            return false;
        j_ws(p);
    }
}

static bool j_array(struct jp *p)
{
    p->i++;
    j_ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        return true;
    }
    for (;;) {
        if (!j_value(p))
            return false;
        j_ws(p);
        if (p->i >= p->n)
            return false;
        if (p->s[p->i] == ']') {
            p->i++;
            return true;
        }
        if (p->s[p->i++] != ',')
            return false;
    }
}

static bool j_value(struct jp *p)
{
    bool ok;

    j_ws(p);
    if (p->i >= p->n || ++p->depth > 64)
        return false;
    switch (p->s[p->i]) {
    case '{':
        ok = j_object(p);
        break;
    case '[':
        ok = j_array(p);
        break;
    case '"':
        ok = j_string(p);
        break;
    case 't':
        ok = j_lit(p, "true");
        break;
    case 'f':
        ok = j_lit(p, "false");
        break;
    case 'n':
        ok = j_lit(p, "null");
        break;
    default:
        ok = j_number(p);
        break;
    }
    p->depth--;
    return ok;
}

bool json_valid(const char *s, size_t n)
{
    struct jp p = {(const unsigned char *)s, n, 0, 0};

    if (!j_value(&p))
        return false;
    j_ws(&p);
    return p.i == n;
}
