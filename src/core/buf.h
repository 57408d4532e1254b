/* Private: a bounded string builder over caller-provided memory. It never allocates, never
 * locks and never touches errno, so it is safe in any context (watchdog, tests, and even
 * signal handlers). Output that does not fit is dropped and the buffer marks itself
 * overflowed. Overflow is sticky: after one piece is dropped every later piece is dropped too
 * (until reset or rollback), so the content is always an unbroken prefix of what was asked.
 * Callers that need well-formed records use sw_buf_mark/sw_buf_rollback. */
#ifndef SW_BUF_H
#define SW_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sw_buf {
    char *p;       /* always NUL-terminated when cap > 0 */
    size_t len;    /* bytes written, excluding the NUL */
    size_t cap;    /* size of p, including room for the NUL */
    bool overflow; /* some output did not fit and was dropped */
};

void sw_buf_init(struct sw_buf *b, char *mem, size_t cap);
void sw_buf_reset(struct sw_buf *b);

/* Appends; on overflow appends nothing of this piece (an item never appears cut in half). */
void sw_buf_put(struct sw_buf *b, const char *s, size_t n);
void sw_buf_puts(struct sw_buf *b, const char *s);
void sw_buf_putc(struct sw_buf *b, char c);
void sw_buf_put_u64(struct sw_buf *b, uint64_t v);
void sw_buf_put_i64(struct sw_buf *b, int64_t v);
void sw_buf_put_hex(struct sw_buf *b, uint64_t v); /* "0x" and lowercase hex, no padding */

/* A JSON string literal with the quotes: '"' and '\\' escaped, control characters as \n, \t,
 * \r, \b, \f or \u00XX, DEL as \u007f, each byte of invalid UTF-8 (bad lead, bad
 * continuation, overlong, surrogate, > U+10FFFF, truncated sequence) as \ufffd. NULL is
 * written as null. */
void sw_buf_put_json_str(struct sw_buf *b, const char *s, size_t n);

/* Text-format escaping, no quotes added: '"' as \", '\\' as \\, \n \t \r, other control
 * bytes, DEL and each byte of invalid UTF-8 as \xNN. Valid UTF-8 passes through, except the
 * C1 controls U+0080..U+009F (written \xc2\xNN: terminals act on some, U+009B starts an
 * escape sequence). The result never contains a newline or a raw control character. */
void sw_buf_put_text_esc(struct sw_buf *b, const char *s, size_t n);

/* A point to come back to: everything written after it is discarded by the rollback, and the
 * overflow flag is restored to its state at the mark. */
struct sw_buf_mark {
    size_t len;
    bool overflow;
};
struct sw_buf_mark sw_buf_mark(const struct sw_buf *b);
void sw_buf_rollback(struct sw_buf *b, struct sw_buf_mark m);

#endif
