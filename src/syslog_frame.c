/* Builds one syslog datagram the way glibc's syslog(3) frames it (RFC 3164 style, with the
 * PID), so rsyslog and journald parse our records like any other program's. Any context;
 * pure: no stdio, no localtime (the caller supplies the local time), errno untouched.
 *
 * Choices the header leaves open: pri and pid are printed as given (signed decimal); a NULL
 * ident is an empty one and a NULL msg an empty one; a message cut to fit is not cut inside
 * a UTF-8 sequence (the cut backs up over at most three continuation bytes). */
#include "syslog_frame.h"

#include "buf.h"
#include "timefmt.h"

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void put2(struct sw_buf *b, int v, char pad)
{
    char t[2] = {v >= 10 ? (char)('0' + v / 10 % 10) : pad, (char)('0' + v % 10)};

    sw_buf_put(b, t, 2);
}

static bool is_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

size_t sw_syslog_frame(char *out, size_t cap, int pri, int64_t local_s, const char *ident,
                       pid_t pid, const char *msg, size_t msg_len)
{
    struct sw_buf b;
    struct sw_civil c;
    size_t room;
    size_t n = msg ? msg_len : 0;

    sw_buf_init(&b, out, cap);
    sw_civil_from_unix(local_s, &c);

    sw_buf_putc(&b, '<');
    sw_buf_put_i64(&b, pri);
    sw_buf_putc(&b, '>');
    sw_buf_put(&b, months[c.month - 1], 3);
    sw_buf_putc(&b, ' ');
    put2(&b, c.day, ' ');
    sw_buf_putc(&b, ' ');
    put2(&b, c.hour, '0');
    sw_buf_putc(&b, ':');
    put2(&b, c.min, '0');
    sw_buf_putc(&b, ':');
    put2(&b, c.sec, '0');
    sw_buf_putc(&b, ' ');
    for (const char *s = ident; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        bool ok = ch > 0x20 && ch < 0x7f && ch != '[' && ch != ']' && ch != ':';

        sw_buf_putc(&b, ok ? (char)ch : '_');
    }
    sw_buf_putc(&b, '[');
    sw_buf_put_i64(&b, pid);
    sw_buf_put(&b, "]: ", 3);
    if (b.overflow) {
        if (b.cap > 0)
            out[0] = '\0';
        return 0;
    }

    room = b.cap - 1 - b.len;
    if (n > room) {
        n = room;
        for (int k = 0; k < 3 && n > 0 && is_cont((unsigned char)msg[n]); k++)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        out[b.len + i] = msg[i] == '\n' ? ' ' : msg[i];
    b.len += n;
    out[b.len] = '\0';
    return b.len;
}
