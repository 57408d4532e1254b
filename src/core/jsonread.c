/* A JSON reader into flat tokens (see jsonread.h). Pure; any context. Recursive descent over
 * the text with an explicit depth bound; tokens are appended in document order, so a
 * container's members follow it and its `next` skips them all. */
#include "core/jsonread.h"

#include <string.h>

#define DEPTH_MAX 64

struct parser {
    const char *s;
    size_t len, i;
    struct sw_jtok *tok;
    uint32_t cap, n;
};

static void blanks(struct parser *p)
{
    while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                             p->s[p->i] == '\r'))
        p->i++;
}

static int add(struct parser *p, enum sw_jtype type, size_t start)
{
    if (p->n == p->cap)
        return -1;
    p->tok[p->n] = (struct sw_jtok){type, (uint32_t)start, (uint32_t)start, 0, 0};
    return (int)p->n++;
}

static bool hex4(const char *s)
{
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static bool string(struct parser *p)
{
    int t = add(p, SW_J_STR, ++p->i); /* past the quote */
    if (t < 0)
        return false;
    while (p->i < p->len) {
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '"') {
            p->tok[t].end = (uint32_t)p->i++;
            p->tok[t].next = p->n;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            if (p->i + 1 >= p->len)
                return false;
            char e = p->s[p->i + 1];
            if (e == 'u') {
                if (p->i + 6 > p->len || !hex4(p->s + p->i + 2))
                    return false;
                p->i += 6;
                continue;
            }
            if (strchr("\"\\/bfnrt", e) == NULL || e == '\0')
                return false;
            p->i += 2;
            continue;
        }
        p->i++;
    }
    return false;
}

static bool number(struct parser *p)
{
    size_t start = p->i;
    if (p->s[p->i] == '-')
        p->i++;
    size_t digits = p->i;
    while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
        p->i++;
    if (p->i == digits || (p->s[digits] == '0' && p->i - digits > 1))
        return false;
    if (p->i < p->len && p->s[p->i] == '.') {
        size_t f = ++p->i;
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
        if (p->i == f)
            return false;
    }
    if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        size_t e = p->i;
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
        if (p->i == e)
            return false;
    }
    int t = add(p, SW_J_NUM, start);
    if (t < 0)
        return false;
    p->tok[t].end = (uint32_t)p->i;
    p->tok[t].next = p->n;
    return true;
}

static bool word(struct parser *p, const char *w, enum sw_jtype type)
{
    size_t n = strlen(w);
    if (p->len - p->i < n || memcmp(p->s + p->i, w, n) != 0)
        return false;
    int t = add(p, type, p->i);
    if (t < 0)
        return false;
    p->i += n;
    p->tok[t].end = (uint32_t)p->i;
    p->tok[t].next = p->n;
    return true;
}

static bool value(struct parser *p, int depth);

static bool container(struct parser *p, int depth, bool object)
{
    int t = add(p, object ? SW_J_OBJ : SW_J_ARR, p->i++);
    if (t < 0 || depth >= DEPTH_MAX)
        return false;
    char close = object ? '}' : ']';
    blanks(p);
    if (p->i < p->len && p->s[p->i] == close) {
        p->i++;
    } else {
        for (;;) {
            blanks(p);
            if (object) {
                if (p->i >= p->len || p->s[p->i] != '"' || !string(p))
                    return false;
                blanks(p);
                if (p->i >= p->len || p->s[p->i++] != ':')
                    return false;
                p->tok[t].count++;
            }
            if (!value(p, depth + 1))
                return false;
            p->tok[t].count++;
            blanks(p);
            if (p->i >= p->len)
                return false;
            char c = p->s[p->i++];
            if (c == close)
                break;
            if (c != ',')
                return false;
        }
    }
    p->tok[t].end = (uint32_t)p->i;
    p->tok[t].next = p->n;
    return true;
}

static bool value(struct parser *p, int depth)
{
    blanks(p);
    if (p->i >= p->len)
        return false;
    switch (p->s[p->i]) {
    case '{':
        return container(p, depth, true);
    case '[':
        return container(p, depth, false);
    case '"':
        return string(p);
    case 't':
        return word(p, "true", SW_J_TRUE);
    case 'f':
        return word(p, "false", SW_J_FALSE);
    case 'n':
        return word(p, "null", SW_J_NULL);
    default:
        return p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9') ? number(p)
                                                                             : false;
    }
}

uint32_t sw_json_parse(const char *text, size_t len, struct sw_jtok *tok, uint32_t cap)
{
    if (len > UINT32_MAX - 1)
        return 0;
    struct parser p = {text, len, 0, tok, cap, 0};
    if (!value(&p, 0))
        return 0;
    blanks(&p);
    return p.i == len ? p.n : 0;
}

int sw_json_get(const char *text, const struct sw_jtok *tok, int obj, const char *key)
{
    if (obj < 0 || tok[obj].type != SW_J_OBJ)
        return -1;
    size_t klen = strlen(key);
    uint32_t k = (uint32_t)obj + 1;
    for (uint32_t m = 0; m < tok[obj].count / 2; m++) {
        const struct sw_jtok *kt = &tok[k];
        uint32_t v = k + 1;
        if (kt->end - kt->start == klen && memcmp(text + kt->start, key, klen) == 0)
            return (int)v;
        k = tok[v].next;
    }
    return -1;
}

int sw_json_at(const struct sw_jtok *tok, int arr, uint32_t i)
{
    if (arr < 0 || tok[arr].type != SW_J_ARR || i >= tok[arr].count)
        return -1;
    uint32_t t = (uint32_t)arr + 1;
    while (i-- > 0)
        t = tok[t].next;
    return (int)t;
}

/* Appends code point cp as UTF-8; false if it does not fit. */
static bool put_utf8(char *out, size_t cap, size_t *n, uint32_t cp)
{
    char b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        k = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        k = 4;
    }
    if (*n + k + 1 > cap)
        return false;
    memcpy(out + *n, b, k);
    *n += k;
    return true;
}

static uint32_t hexval(const char *s)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

bool sw_json_str(const char *text, const struct sw_jtok *tok, int t, char *out, size_t cap)
{
    if (t < 0 || tok[t].type != SW_J_STR || cap == 0)
        return false;
    size_t n = 0;
    for (uint32_t i = tok[t].start; i < tok[t].end;) {
        uint32_t cp;
        if (text[i] != '\\') {
            if (n + 2 > cap)
                break;
            out[n++] = text[i++];
            continue;
        }
        char e = text[i + 1];
        i += 2;
        switch (e) {
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            cp = hexval(text + i);
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= tok[t].end && text[i] == '\\' &&
                text[i + 1] == 'u') {
                uint32_t lo = hexval(text + i + 2);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000)
                cp = 0xfffd;
            break;
        default: cp = (uint32_t)(unsigned char)e; break;
        }
        if (!put_utf8(out, cap, &n, cp))
            break;
    }
    out[n] = '\0';
    return true;
}

bool sw_json_u64(const char *text, const struct sw_jtok *tok, int t, uint64_t *out)
{
    if (t < 0 || tok[t].type != SW_J_NUM)
        return false;
    uint64_t v = 0;
    for (uint32_t i = tok[t].start; i < tok[t].end; i++) {
        char c = text[i];
        if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(c - '0');
    }
    *out = v;
    return true;
}
