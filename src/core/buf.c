/* A bounded string builder over caller memory, with decimal/hex numbers and the two escapings
 * (JSON string literals and the text format). Any context; pure: no allocation, no locks, no
 * stdio, no locale, errno untouched (only memcpy and strlen from libc).
 *
 * Contract details the header leaves open:
 * - Overflow is sticky: once a piece has been dropped, every later piece is dropped too until
 *   sw_buf_reset or a rollback to a mark taken before the overflow. The content is therefore
 *   always a prefix of what the caller meant to write, cut at a piece boundary, never a
 *   string with a gap in the middle.
 * - Every call is one piece: a number, a JSON string literal or an escaped text run appears
 *   whole or not at all.
 * - Invalid UTF-8 is judged one byte at a time: a byte that does not start a complete,
 *   shortest-form, non-surrogate sequence <= U+10FFFF is replaced on its own and decoding
 *   resumes at the next byte. Escaping a string in pieces split at any byte that is not a
 *   continuation byte (10xxxxxx) therefore gives the same output as escaping it whole.
 * - The text escaping also writes the C1 control characters U+0080..U+009F as \xc2\xNN:
 *   terminals honour some of them (U+009B is CSI), and text records end up on terminals.
 * - NULL strings: JSON writes null; text writes nothing.
 */
#include "core/buf.h"

#include <string.h>

static const char hexdig[16] = "0123456789abcdef";

void sw_buf_init(struct sw_buf *b, char *mem, size_t cap)
{
    b->p = mem;
    b->cap = mem ? cap : 0;
    sw_buf_reset(b);
}

void sw_buf_reset(struct sw_buf *b)
{
    b->len = 0;
    b->overflow = false;
    if (b->cap > 0)
        b->p[0] = '\0';
}

void sw_buf_put(struct sw_buf *b, const char *s, size_t n)
{
    if (b->overflow || n == 0)
        return;
    /* len < cap holds whenever cap > 0, so cap - 1 - len cannot wrap. */
    if (b->cap == 0 || s == NULL || n > b->cap - 1 - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sw_buf_puts(struct sw_buf *b, const char *s)
{
    if (s)
        sw_buf_put(b, s, strlen(s));
}

void sw_buf_putc(struct sw_buf *b, char c)
{
    sw_buf_put(b, &c, 1);
}

void sw_buf_put_u64(struct sw_buf *b, uint64_t v)
{
    char tmp[20]; /* 18446744073709551615 */
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sw_buf_put(b, tmp + i, sizeof(tmp) - i);
}

void sw_buf_put_i64(struct sw_buf *b, int64_t v)
{
    char tmp[20]; /* -9223372036854775808 */
    size_t i = sizeof(tmp);
    /* Negate in unsigned arithmetic so INT64_MIN has a magnitude. */
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        tmp[--i] = '-';
    sw_buf_put(b, tmp + i, sizeof(tmp) - i);
}

void sw_buf_put_hex(struct sw_buf *b, uint64_t v)
{
    char tmp[18]; /* 0xffffffffffffffff */
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = hexdig[v & 0xf];
        v >>= 4;
    } while (v);
    tmp[--i] = 'x';
    tmp[--i] = '0';
    sw_buf_put(b, tmp + i, sizeof(tmp) - i);
}

/* Length of the valid UTF-8 sequence starting at s[0] (n > 0 bytes available): 1..4, or 0
 * if s[0] does not start one (bad lead, bad continuation, overlong, surrogate, above
 * U+10FFFF, or cut short by n). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong below U+0800 */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates U+D800..U+DFFF */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong below U+10000 */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0; /* continuation byte as lead, C0/C1 overlong leads, F5..FF */
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return need;
}

/* Both escapings are written as a run of pieces; if any piece is dropped the whole literal
 * is rolled back so that it appears whole or not at all, and the overflow is recorded. */
static void end_item(struct sw_buf *b, struct sw_buf_mark m)
{
    if (b->overflow && !m.overflow) {
        sw_buf_rollback(b, m);
        b->overflow = true;
    }
}

void sw_buf_put_json_str(struct sw_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    struct sw_buf_mark m = sw_buf_mark(b);
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    size_t i = 0;

    if (s == NULL) {
        sw_buf_put(b, "null", 4);
        return;
    }
    sw_buf_putc(b, '"');
    while (i < n && !b->overflow) {
        unsigned char c = u[i];
        char esc[6];
        size_t esclen = 2;
        size_t k;

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            k = utf8_seq_len(u + i, n - i);
            if (k > 0) {
                i += k;
                continue;
            }
        }
        sw_buf_put(b, s + run, i - run);
        esc[0] = '\\';
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        default:
            esclen = 6;
            if (c >= 0x80) {
                memcpy(esc, "\\ufffd", 6);
            } else {
                memcpy(esc, "\\u00", 4);
                esc[4] = hexdig[c >> 4];
                esc[5] = hexdig[c & 0xf];
            }
            break;
        }
        sw_buf_put(b, esc, esclen);
        i++;
        run = i;
    }
    sw_buf_put(b, s + run, i - run);
    sw_buf_putc(b, '"');
    end_item(b, m);
}

/* Is the valid sequence u[0..k) a C1 control character (U+0080..U+009F)? */
static bool is_c1(const unsigned char *u, size_t k)
{
    return k == 2 && u[0] == 0xc2 && u[1] <= 0x9f;
}

void sw_buf_put_text_esc(struct sw_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    struct sw_buf_mark m = sw_buf_mark(b);
    size_t run = 0;
    size_t i = 0;

    if (s == NULL)
        return;
    while (i < n && !b->overflow) {
        unsigned char c = u[i];
        char esc[8];
        size_t esclen = 2;
        size_t k = 1;

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            k = utf8_seq_len(u + i, n - i);
            if (k > 0 && !is_c1(u + i, k)) {
                i += k;
                continue;
            }
            if (k == 0)
                k = 1;
        }
        sw_buf_put(b, s + run, i - run);
        esc[0] = '\\';
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        default:
            /* One \xNN per byte: a C1 character (k == 2) yields two. */
            esclen = 0;
            for (size_t j = 0; j < k; j++) {
                esc[esclen++] = '\\';
                esc[esclen++] = 'x';
                esc[esclen++] = hexdig[u[i + j] >> 4];
                esc[esclen++] = hexdig[u[i + j] & 0xf];
            }
            break;
        }
        sw_buf_put(b, esc, esclen);
        i += k;
        run = i;
    }
    sw_buf_put(b, s + run, i - run);
    end_item(b, m);
}

struct sw_buf_mark sw_buf_mark(const struct sw_buf *b)
{
    struct sw_buf_mark m = {b->len, b->overflow};
    return m;
}

void sw_buf_rollback(struct sw_buf *b, struct sw_buf_mark m)
{
    /* A mark past the current end (not taken on this content) moves nothing. */
    if (m.len <= b->len) {
        b->len = m.len;
        if (b->cap > 0)
            b->p[b->len] = '\0';
    }
    b->overflow = m.overflow;
}
