/* systemd-journald's native protocol (systemd.journal-fields(7), "Native Protocol" in
 * systemd's documentation): an entry is a list of fields, each either NAME=value and a
 * newline, or, for a value that holds a newline, NAME, a newline, the value's length as a
 * 64-bit little-endian integer, the value and a newline. Pure; any context: no allocation,
 * no stdio, errno untouched. */
#include "core/journal.h"

#include "core/diagnose.h"

#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/calls.h"

size_t sw_journal_encode(char *out, size_t cap, const struct sw_journal_field *fields, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sw_journal_field *f = &fields[i];
        if (f->value == NULL)
            continue;
        size_t name = strlen(f->name);
        bool binary = memchr(f->value, '\n', f->len) != NULL;
        size_t need = name + 1 + (binary ? 8 : 0) + f->len + 1;
        if (need > cap - len)
            return 0;
        memcpy(out + len, f->name, name);
        len += name;
        if (binary) {
            out[len++] = '\n';
            uint64_t v = f->len;
            for (int k = 0; k < 8; k++)
                out[len++] = (char)(v >> (8 * k) & 0xff);
        } else {
            out[len++] = '=';
        }
        memcpy(out + len, f->value, f->len);
        len += f->len;
        out[len++] = '\n';
    }
    return len;
}

const struct sw_frame *sw_journal_code_frame(const struct sw_thread_report *t)
{
    for (unsigned i = 0; i < t->nframes; i++) {
        const struct sw_frame *f = &t->frames[i];
        if (f->function != NULL && !sw_runtime_module(f->module))
            return f;
    }
    return NULL;
}

static void field(struct sw_journal_field *f, const char *name, const char *value)
{
    f->name = name;
    f->value = value;
    f->len = value != NULL ? strlen(value) : 0;
}

/* Appends the decimal v to text at *used and returns where it starts. */
static const char *number(char *text, size_t *used, uint64_t v)
{
    struct sw_buf b;
    sw_buf_init(&b, text + *used, 128 - *used);
    sw_buf_put_u64(&b, v);
    if (b.overflow)
        return NULL;
    const char *start = text + *used;
    *used += b.len + 1;
    text[*used - 1] = '\0';
    return start;
}

size_t sw_journal_report_fields(const struct sw_report *r, struct sw_journal_field *out,
                                char text[128])
{
    size_t used = 0, n = 0;
    const struct sw_thread_report *t = r->nthreads > 0 ? &r->threads[0] : NULL;
    const struct sw_frame *code = t != NULL ? sw_journal_code_frame(t) : NULL;

    field(&out[n++], "STALLWATCH_EVENT", r->event);
    field(&out[n++], "STALLWATCH_REPORT", number(text, &used, r->number));
    field(&out[n++], "STALLWATCH_STALL_REPORT",
          r->stall_report != 0 ? number(text, &used, r->stall_report) : NULL);
    field(&out[n++], "STALLWATCH_FINGERPRINT", r->fingerprint);
    field(&out[n++], "STALLWATCH_HOST", r->host);
    field(&out[n++], "STALLWATCH_JOB", r->job);
    field(&out[n++], "STALLWATCH_RANK", r->ranked ? number(text, &used, r->rank) : NULL);
    field(&out[n++], "STALLWATCH_TID", t != NULL ? number(text, &used, (uint64_t)t->tid) : NULL);
    field(&out[n++], "STALLWATCH_THREAD", t != NULL ? t->name : NULL);
    field(&out[n++], "STALLWATCH_CALL", t != NULL ? t->call : NULL);
    field(&out[n++], "STALLWATCH_CLASS", t != NULL ? sw_class_name(t->cls) : NULL);
    field(&out[n++], "STALLWATCH_WAITED_MS", t != NULL ? number(text, &used, t->waited_ms) : NULL);
    field(&out[n++], "CODE_FUNC", code != NULL ? code->function : NULL);
    field(&out[n++], "CODE_FILE", code != NULL ? code->file : NULL);
    field(&out[n++], "CODE_LINE",
          code != NULL && code->line != 0 ? number(text, &used, code->line) : NULL);
    return n;
}
