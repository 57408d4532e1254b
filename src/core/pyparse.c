/* Parsing CPython's dump of its threads' Python stacks (see pyparse.h for the format). Pure;
 * runs on the symbolizer thread and in unit tests.
 *
 * The format is ambiguous where a name contains what separates the fields: a file name may
 * contain `", line 7 in x`, and _Py_DumpASCII writes a backslash as itself, so "\x41" in a
 * name reads as an escape. We split a frame line at the last `", line N in ` (file names are
 * the more hostile of the two strings) and decode every well-formed escape. */
#include "core/pyparse.h"

#include <limits.h>
#include <string.h>

#define HEADER_TAIL " (most recent call first):"
#define FILE_HEAD   "  File "
#define LINE_SEP    "\", line "
#define NAME_SEP    " in "

/* True when s[0..n) begins with the NUL-terminated p; *used is then p's length. */
static bool eat(const char *s, size_t n, const char *p, size_t *used)
{
    size_t k = strlen(p);

    if (n < k || memcmp(s, p, k) != 0)
        return false;
    *used = k;
    return true;
}

static bool same(const char *s, size_t n, const char *p)
{
    return n == strlen(p) && memcmp(s, p, n) == 0;
}

static int hexdigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "Thread 0x7f5e2c1fe6c0 (most recent call first):" or "Current thread 0x…": the id. */
static bool parse_header(const char *s, size_t n, uint64_t *id)
{
    size_t used, digits = 0;
    uint64_t v = 0;

    if (eat(s, n, "Current thread 0x", &used) || eat(s, n, "Thread 0x", &used)) {
        s += used;
        n -= used;
    } else {
        return false;
    }
    while (digits < n && hexdigit(s[digits]) >= 0) {
        if (digits == 16)
            return false;
        v = v << 4 | (uint64_t)hexdigit(s[digits]);
        digits++;
    }
    if (digits == 0 || !same(s + digits, n - digits, HEADER_TAIL))
        return false;
    *id = v;
    return true;
}

/* A line number, or "???" (0). False if s[0..n) is neither. */
static bool parse_lineno(const char *s, size_t n, unsigned *line)
{
    unsigned v = 0;

    if (same(s, n, "???")) {
        *line = 0;
        return true;
    }
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (UINT_MAX - digit) / 10)
            v = UINT_MAX; /* absurdly large: saturate, then report it unknown */
        else
            v = v * 10 + digit;
    }
    *line = v == UINT_MAX ? 0 : v;
    return true;
}

/* Writes code point c as UTF-8 at d; returns its length. c < 0x110000, not a surrogate. */
static size_t put_utf8(char *d, uint32_t c)
{
    if (c < 0x80) {
        d[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        d[0] = (char)(0xc0 | c >> 6);
        d[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        d[0] = (char)(0xe0 | c >> 12);
        d[1] = (char)(0x80 | (c >> 6 & 0x3f));
        d[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | c >> 18);
    d[1] = (char)(0x80 | (c >> 12 & 0x3f));
    d[2] = (char)(0x80 | (c >> 6 & 0x3f));
    d[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* Decodes \xNN, \uNNNN and \UNNNNNNNN in s[0..n) in place (the UTF-8 is never longer than the
 * escape) and NUL-terminates the result. A lone surrogate U+DC80..U+DCFF is what Python makes
 * of an undecodable byte of a file name (surrogateescape): it becomes that byte again. A NUL,
 * another surrogate, a code point past U+10FFFF or an escape without all its digits stays as
 * written. Returns s. */
static char *unescape(char *s, size_t n)
{
    size_t r = 0, w = 0;

    while (r < n) {
        size_t digits = 0;
        uint32_t c = 0;
        bool ok = false;

        if (s[r] == '\\' && r + 1 < n)
            digits = s[r + 1] == 'x' ? 2 : s[r + 1] == 'u' ? 4 : s[r + 1] == 'U' ? 8 : 0;
        if (digits != 0 && r + 2 + digits <= n) {
            ok = true;
            for (size_t i = 0; i < digits && ok; i++) {
                int h = hexdigit(s[r + 2 + i]);
                ok = h >= 0;
                c = c << 4 | (uint32_t)(ok ? h : 0);
            }
        }
        if (ok && c >= 0xdc80 && c <= 0xdcff) {
            s[w++] = (char)(c - 0xdc00);
            r += 2 + digits;
        } else if (ok && c != 0 && c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff)) {
            w += put_utf8(s + w, c);
            r += 2 + digits;
        } else {
            s[w++] = s[r++];
        }
    }
    s[w] = '\0';
    return s;
}

/* After `", line ` or `???, line `: "N in NAME" or "??? in NAME". Sets the line and where
 * the name starts. */
static bool parse_tail(const char *s, size_t n, unsigned *line, size_t *name_at)
{
    size_t num_len = 0, used;

    while (num_len < n && s[num_len] != ' ')
        num_len++;
    if (!parse_lineno(s, num_len, line) || !eat(s + num_len, n - num_len, NAME_SEP, &used))
        return false;
    *name_at = num_len + used;
    return true;
}

/* `  File "FILE", line N in NAME` (FILE may be ??? unquoted, N ???). s[0..n) is the line
 * without its newline, and s[n] is writable (the newline was there): the strings are made in
 * place, each ending where a delimiter was (the closing quote, the newline). */
static bool parse_frame(char *s, size_t n, struct sw_py_frame *f)
{
    size_t used, k = strlen(LINE_SEP), name_at = 0;
    char *file = NULL, *tail = NULL;
    size_t file_len = 0;

    if (!eat(s, n, FILE_HEAD, &used))
        return false;
    s += used;
    n -= used;
    if (eat(s, n, "???, line ", &used)) {
        tail = s + used;
        if (!parse_tail(tail, n - used, &f->line, &name_at))
            return false;
    } else if (n > k && s[0] == '"') {
        /* The last `", line ` that the rest of the line agrees with. */
        for (size_t p = n - k; p >= 1 && tail == NULL; p--) {
            if (memcmp(s + p, LINE_SEP, k) == 0 &&
                parse_tail(s + p + k, n - p - k, &f->line, &name_at)) {
                file = s + 1;
                file_len = p - 1;
                tail = s + p + k;
            }
        }
        if (tail == NULL)
            return false;
    } else {
        return false;
    }
    char *name = tail + name_at;
    size_t name_len = (size_t)(s + n - name);

    f->file = file != NULL ? unescape(file, file_len) : NULL;
    f->function = name_len > 0 && !same(name, name_len, "???") ? unescape(name, name_len) : NULL;
    return true;
}

void sw_pyparse(char *text, size_t len, struct sw_py_dump *d)
{
    struct sw_py_thread *cur = NULL;
    size_t pos = 0;

    d->nthreads = 0;
    d->nframes = 0;
    d->more_threads = false;
    while (pos < len) {
        char *line = text + pos;
        char *nl = memchr(line, '\n', len - pos);
        if (nl == NULL)
            break; /* cut short: the last line may be incomplete */
        size_t n = (size_t)(nl - line);
        uint64_t id;
        pos += n + 1;

        if (parse_header(line, n, &id)) {
            cur = NULL;
            if (sw_pyparse_find(d, id) != NULL)
                continue; /* the same thread twice: keep the first */
            if (d->nthreads == SW_PY_THREADS_MAX) {
                d->more_threads = true;
                continue;
            }
            cur = &d->threads[d->nthreads++];
            *cur = (struct sw_py_thread){.id = id, .frames = &d->frames[d->nframes]};
            continue;
        }
        if (n >= strlen(FILE_HEAD) && memcmp(line, FILE_HEAD, strlen(FILE_HEAD)) == 0) {
            struct sw_py_frame f;

            if (cur == NULL || !parse_frame(line, n, &f))
                continue;
            if (d->nframes == SW_PY_FRAMES_MAX) {
                cur->cut = true;
                continue;
            }
            d->frames[d->nframes++] = f;
            cur->nframes++;
            continue;
        }
        if (same(line, n, "  ...")) {
            if (cur != NULL)
                cur->cut = true;
            continue;
        }
        if (same(line, n, "...")) {
            d->more_threads = true;
            cur = NULL;
            continue;
        }
        /* "  <no Python frame>", "  Garbage-collecting", and remarks of other versions
         * ("  <tstate is freed>"): about the thread, not frames. */
        if (same(line, n, "  Garbage-collecting") || (n > 3 && memcmp(line, "  <", 3) == 0))
            continue;
        cur = NULL; /* a blank line between threads, or anything unknown */
    }
}

const struct sw_py_thread *sw_pyparse_find(const struct sw_py_dump *d, uint64_t id)
{
    for (unsigned i = 0; i < d->nthreads; i++)
        if (d->threads[i].id == id)
            return &d->threads[i];
    return NULL;
}
