/* Builds one syslog datagram the way glibc's syslog(3) frames it (RFC 3164 style, with the
 * PID), so rsyslog and journald parse our records like any other program's; or, as an
 * option, an RFC 5424 record with structured data. Any context;
 * pure: no stdio, no localtime (the caller supplies the local time), errno untouched.
 *
 * Choices the header leaves open: pri and pid are printed as given (signed decimal); a NULL
 * ident is an empty one and a NULL msg an empty one; a message cut to fit is not cut inside
 * a UTF-8 sequence (the cut backs up over at most three continuation bytes). */
#include "core/syslog_frame.h"

#include <string.h>

#include "core/buf.h"
#include "core/timefmt.h"

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

/* Puts the message (newlines as spaces) into what is left of b, keeping room for the NUL and
 * never cutting a UTF-8 sequence; terminates and returns the length. */
static size_t put_msg(struct sw_buf *b, char *out, const char *msg, size_t n)
{
    size_t room = b->cap - 1 - b->len;
    if (n > room) {
        n = room;
        for (int k = 0; k < 3 && n > 0 && is_cont((unsigned char)msg[n]); k++)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        out[b->len + i] = msg[i] == '\n' ? ' ' : msg[i];
    b->len += n;
    out[b->len] = '\0';
    return b->len;
}

/* A header field: printable ASCII without spaces, at most max bytes; "-" when empty. */
static void put_field(struct sw_buf *b, const char *s, size_t max)
{
    size_t n = 0;
    for (; s != NULL && s[n] != '\0' && n < max; n++) {
        unsigned char ch = (unsigned char)s[n];
        sw_buf_putc(b, ch > 0x20 && ch < 0x7f ? (char)ch : '_');
    }
    if (n == 0)
        sw_buf_putc(b, '-');
}

#define SD_VALUE_MAX 128

static void put_sd_value(struct sw_buf *b, const char *v)
{
    size_t n = strlen(v);
    if (n > SD_VALUE_MAX) {
        n = SD_VALUE_MAX;
        for (int k = 0; k < 3 && n > 0 && is_cont((unsigned char)v[n]); k++)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = v[i];
        if (ch == '"' || ch == '\\' || ch == ']')
            sw_buf_putc(b, '\\');
        sw_buf_putc(b, ch == '\n' ? ' ' : ch);
    }
}

size_t sw_syslog_frame5424(char *out, size_t cap, int pri, uint64_t time_ns, long tz_offset_s,
                           const char *hostname, const char *app, pid_t pid, const char *msgid,
                           const char *sd_id, const struct sw_sd_param *params, size_t nparams,
                           const char *msg, size_t msg_len)
{
    struct sw_buf b;
    struct sw_civil c;
    int64_t local_s = (int64_t)(time_ns / 1000000000u) + tz_offset_s;
    uint32_t us = (uint32_t)(time_ns % 1000000000u / 1000u);
    long off = tz_offset_s < 0 ? -tz_offset_s : tz_offset_s;

    sw_buf_init(&b, out, cap);
    sw_civil_from_unix(local_s, &c);
    sw_buf_putc(&b, '<');
    sw_buf_put_i64(&b, pri);
    sw_buf_put(&b, ">1 ", 3);
    sw_buf_put_u64(&b, (uint64_t)c.year);
    sw_buf_putc(&b, '-');
    put2(&b, c.month, '0');
    sw_buf_putc(&b, '-');
    put2(&b, c.day, '0');
    sw_buf_putc(&b, 'T');
    put2(&b, c.hour, '0');
    sw_buf_putc(&b, ':');
    put2(&b, c.min, '0');
    sw_buf_putc(&b, ':');
    put2(&b, c.sec, '0');
    sw_buf_putc(&b, '.');
    for (uint32_t d = 100000; d > 0; d /= 10)
        sw_buf_putc(&b, (char)('0' + us / d % 10));
    sw_buf_putc(&b, tz_offset_s < 0 ? '-' : '+');
    put2(&b, (int)(off / 3600 % 100), '0');
    sw_buf_putc(&b, ':');
    put2(&b, (int)(off / 60 % 60), '0');
    sw_buf_putc(&b, ' ');
    put_field(&b, hostname, 255);
    sw_buf_putc(&b, ' ');
    put_field(&b, app, 48);
    sw_buf_putc(&b, ' ');
    sw_buf_put_i64(&b, pid);
    sw_buf_putc(&b, ' ');
    put_field(&b, msgid, 32);
    sw_buf_putc(&b, ' ');
    if (sd_id == NULL) {
        sw_buf_putc(&b, '-');
    } else {
        sw_buf_putc(&b, '[');
        put_field(&b, sd_id, 32);
        for (size_t i = 0; i < nparams; i++) {
            if (params[i].value == NULL)
                continue;
            sw_buf_putc(&b, ' ');
            put_field(&b, params[i].name, 32);
            sw_buf_put(&b, "=\"", 2);
            put_sd_value(&b, params[i].value);
            sw_buf_putc(&b, '"');
        }
        sw_buf_putc(&b, ']');
    }
    sw_buf_putc(&b, ' ');
    if (b.overflow || b.len >= b.cap) {
        if (b.cap > 0)
            out[0] = '\0';
        return 0;
    }
    return put_msg(&b, out, msg, msg ? msg_len : 0);
}
