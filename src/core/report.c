/* Renders one report (an event, its threads and their frames) as text lines or as one JSON
 * object, into the caller's scratch buffer, handing each complete record to a callback.
 * Any context; pure: no allocation, no locks, no stdio, no locale, errno untouched. It runs
 * on the watchdog thread, which must never wait for a lock the program may hold.
 *
 * Bounding the output (the header leaves the details to us):
 * - Every string field is escaped and limited to a share of the scratch buffer; a longer one
 *   is cut at a character boundary and ends with "..." (inside the quotes where quoted).
 *   Text: (cap - 512) / 8 bytes, since a text line carries at most 8 strings (the first
 *   line: event, process, fingerprint, name, call, fd target or path, owner process, scope)
 *   and its numbers and keys take under 512 bytes. JSON: (cap - 1024) / 12 bytes, since the
 *   part of a JSON report that is never dropped (top level plus threads[0] without frames)
 *   carries at most 12 strings (event, process, fingerprint, role, name, call, fd target or
 *   path, owner process, scope, wchan, capture, note) and its numbers (up to
 *   SW_REPORT_TIDS_MAX tids among them) and keys take under 1024 bytes. With cap >=
 * SW_REPORT_MIN_SCRATCH a text line therefore always fits whole and a JSON report always fits at
 * least its threads[0] header.
 * - A text line that still does not fit (scratch below the minimum) is cut and ends with
 *   "..."; its strings are cut at character boundaries, other items are never split.
 * - A JSON report that does not fit drops items in this order until it fits: frames of the
 *   last thread from its end, then the frames of each earlier thread from its end (threads[0]
 *   last), then whole threads from the last one; threads[0]'s header is never dropped. A
 *   thread's frames are its native frames, then its Python frames: the native ones go first
 *   (for a Python program the outer native frames are the interpreter's own, and its Python
 *   stack is what tells where the program is); a thread whose Python frames were all dropped
 *   keeps "python_frames":[]. The smallest number of dropped items that fits is found by
 *   bisection (the size shrinks with every dropped item), and "truncated":true follows
 *   "time".
 * - Below SW_REPORT_MIN_SCRATCH the function still does its best. When the reserve and a
 *   share of FIELD_FLOOR bytes per string do not fit, strings get no share of their own and
 *   only the line cut (text) or the item dropping (JSON) bounds the output; if even the
 *   threads[0] header does not fit, no JSON record is emitted. Under SW_REPORT_MIN_LINE bytes
 *   nothing is emitted at all.
 */
#include "core/report.h"

#include <string.h>

#include "core/buf.h"
#include "core/timefmt.h"

/* Room for the longest text prefix "stallwatch #4294967295 " plus a few bytes and "...". */
#define SW_REPORT_MIN_LINE 64

#define TEXT_RESERVE 512
#define TEXT_STRINGS 8
#define JSON_RESERVE 1024
#define JSON_STRINGS 12
#define FIELD_FLOOR  16 /* smallest share worth giving a string */

_Static_assert((SW_REPORT_MIN_SCRATCH - TEXT_RESERVE) / TEXT_STRINGS >= FIELD_FLOOR,
               "the minimum scratch must give every text string at least the floor");
_Static_assert((SW_REPORT_MIN_SCRATCH - JSON_RESERVE) / JSON_STRINGS >= FIELD_FLOOR,
               "the minimum scratch must give every JSON string at least the floor");

struct emitter {
    const struct sw_report *r;
    char *scratch;
    size_t cap;
    sw_record_fn fn;
    void *ctx;
    unsigned records;
    size_t field_max; /* escaped bytes allowed per string field, "..." included */
};

/* ---- strings ---------------------------------------------------------------------------- */

enum flavor {
    FLAVOR_TEXT,
    FLAVOR_JSON,
};

/* The worst escaping expands a byte to 6 ("\ufffd", "\u001b"); text's is 4 ("\x1b"). */
#define ESC_MAX_PER_BYTE 6

/* Length of the piece starting at s[i]: the byte and the continuation bytes after it, at most
 * 4 in all. Both escapings decide validity one lead byte at a time and never let a sequence
 * run past such a boundary, so escaping piece by piece equals escaping the whole string. */
static size_t piece_len(const char *s, size_t i, size_t n)
{
    size_t k = 1;

    while (k < 4 && i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
        k++;
    return k;
}

/* Escaped length of one piece, without JSON's quotes. */
static size_t piece_width(enum flavor f, const char *s, size_t k)
{
    char tmp[4 * ESC_MAX_PER_BYTE + 3];
    struct sw_buf t;

    sw_buf_init(&t, tmp, sizeof(tmp));
    if (f == FLAVOR_JSON) {
        sw_buf_put_json_str(&t, s, k);
        return t.len - 2;
    }
    sw_buf_put_text_esc(&t, s, k);
    return t.len;
}

static void put_escaped(struct sw_buf *b, enum flavor f, const char *s, size_t n)
{
    if (f == FLAVOR_JSON) {
        sw_buf_put_json_str(b, s, n);
        return;
    }
    /* Piece by piece, so a line cut by the scratch size keeps as much of the string as fits
     * (sticky overflow drops everything after the first piece that does not). */
    for (size_t i = 0; i < n && !b->overflow;) {
        size_t k = piece_len(s, i, n);

        sw_buf_put_text_esc(b, s + i, k);
        i += k;
    }
}

/* Writes s escaped (JSON: as a string literal) using at most max escaped bytes; a longer s
 * is cut after the longest prefix of whole pieces that leaves room for "...". */
static void put_str(struct sw_buf *b, enum flavor f, const char *s, size_t max)
{
    size_t n, cut = 0, width = 0;
    bool whole = true;

    if (b->overflow)
        return;
    n = strlen(s);
    if (n > max / ESC_MAX_PER_BYTE) {
        for (size_t i = 0; i < n;) {
            size_t k = piece_len(s, i, n);
            size_t w = piece_width(f, s + i, k);

            if (width + w > max) {
                whole = false;
                break;
            }
            width += w;
            i += k;
            if (width + 3 <= max)
                cut = i;
        }
    }
    if (whole) {
        put_escaped(b, f, s, n);
        return;
    }
    put_escaped(b, f, s, cut);
    if (f == FLAVOR_JSON && !b->overflow) {
        /* Reopen the literal: drop its closing quote, append the ellipsis inside it. */
        struct sw_buf_mark m = sw_buf_mark(b);

        m.len--;
        sw_buf_rollback(b, m);
        sw_buf_put(b, "...\"", 4);
        return;
    }
    sw_buf_put(b, "...", 3);
}

/* ---- shared pieces ---------------------------------------------------------------------- */

static enum sw_objkind objkind_of(const struct sw_thread_report *t)
{
    return (unsigned)t->objkind <= SW_OBJ_THREAD ? t->objkind : SW_OBJ_NONE;
}

static unsigned nthreads_of(const struct sw_report *r)
{
    return r->threads ? r->nthreads : 0;
}

static unsigned nframes_of(const struct sw_thread_report *t)
{
    return t->frames ? t->nframes : 0;
}

static unsigned npy_of(const struct sw_thread_report *t)
{
    return t->python_frames ? t->npython_frames : 0;
}

/* A NULL call or event still renders (as "??" / "unknown") so records keep their shape. */
static const char *call_of(const struct sw_thread_report *t)
{
    return t->call ? t->call : "??";
}

static const char *event_of(const struct sw_report *r)
{
    return r->event ? r->event : "unknown";
}

/* ---- text ------------------------------------------------------------------------------- */

/* Lines are built with the last 3 bytes of scratch held back, so a cut line can always end
 * with "...". */
static void line_begin(struct emitter *e, struct sw_buf *b)
{
    sw_buf_init(b, e->scratch, e->cap - 3);
    sw_buf_put(b, "stallwatch #", 12);
    sw_buf_put_u64(b, e->r->number);
    sw_buf_putc(b, ' ');
}

static void line_end(struct emitter *e, struct sw_buf *b)
{
    if (b->overflow) {
        b->cap += 3;
        b->overflow = false;
        sw_buf_put(b, "...", 3);
    }
    e->fn(e->ctx, b->p, b->len);
    e->records++;
}

static void text_str(struct emitter *e, struct sw_buf *b, const char *s)
{
    put_str(b, FLAVOR_TEXT, s, e->field_max);
}

static void text_quoted(struct emitter *e, struct sw_buf *b, const char *key, const char *s)
{
    sw_buf_puts(b, key);
    sw_buf_putc(b, '"');
    text_str(e, b, s);
    sw_buf_putc(b, '"');
}

/* "750ms" under a second, else seconds with two decimals, truncated: "5.01s". */
static void text_waited(struct sw_buf *b, uint64_t ms)
{
    char cs[2];

    if (ms < 1000) {
        sw_buf_put_u64(b, ms);
        sw_buf_put(b, "ms", 2);
        return;
    }
    sw_buf_put_u64(b, ms / 1000);
    cs[0] = (char)('0' + ms % 1000 / 100);
    cs[1] = (char)('0' + ms % 100 / 10);
    sw_buf_putc(b, '.');
    sw_buf_put(b, cs, 2);
    sw_buf_putc(b, 's');
}

static void text_object(struct emitter *e, struct sw_buf *b, const struct sw_thread_report *t)
{
    switch (objkind_of(t)) {
    case SW_OBJ_ADDR:
        sw_buf_puts(b, " object=");
        sw_buf_put_hex(b, t->object);
        break;
    case SW_OBJ_THREAD:
        sw_buf_puts(b, " thread=");
        sw_buf_put_hex(b, t->object);
        break;
    case SW_OBJ_FD:
        sw_buf_puts(b, " fd=");
        sw_buf_put_i64(b, t->fd);
        if (t->fd_target)
            text_quoted(e, b, " fd_target=", t->fd_target);
        break;
    case SW_OBJ_PID:
        sw_buf_puts(b, " child=");
        if ((int64_t)t->object == -1)
            sw_buf_puts(b, "any");
        else
            sw_buf_put_i64(b, (int64_t)t->object);
        break;
    case SW_OBJ_PATH:
        if (t->path)
            text_quoted(e, b, " path=", t->path);
        break;
    case SW_OBJ_NONE:
        break;
    }
}

/* The part shared by the first line and the "thread" lines, from "tid=" to "waited=". */
static void text_thread_head(struct emitter *e, struct sw_buf *b, const struct sw_thread_report *t)
{
    sw_buf_puts(b, "tid=");
    sw_buf_put_i64(b, t->tid);
    if (t->name)
        text_quoted(e, b, " name=", t->name);
    sw_buf_puts(b, " call=");
    text_str(e, b, call_of(t));
    sw_buf_puts(b, " class=");
    sw_buf_puts(b, sw_class_name(t->cls));
    text_object(e, b, t);
    sw_buf_puts(b, " waited=");
    text_waited(b, t->waited_ms);
    if (t->owner_tid) {
        sw_buf_puts(b, " owner_tid=");
        sw_buf_put_i64(b, t->owner_tid);
    }
    if (t->owner_pid) {
        sw_buf_puts(b, " owner_pid=");
        sw_buf_put_i64(b, t->owner_pid);
        if (t->owner_process)
            text_quoted(e, b, " owner_process=", t->owner_process);
    }
    if (t->scope)
        text_quoted(e, b, " scope=", t->scope);
    if (t->count > 1) {
        sw_buf_puts(b, " count=");
        sw_buf_put_u64(b, t->count);
    }
}

/* "function (file:line)" of a frame, native or Python: "??" for an unknown function, the
 * parenthesis only with a file, the line only when known. */
static void text_where(struct emitter *e, struct sw_buf *b, const char *function, const char *file,
                       unsigned line)
{
    text_str(e, b, function ? function : "??");
    if (file) {
        sw_buf_put(b, " (", 2);
        text_str(e, b, file);
        if (line) {
            sw_buf_putc(b, ':');
            sw_buf_put_u64(b, line);
        }
        sw_buf_putc(b, ')');
    }
}

static void text_frame(struct emitter *e, unsigned k, const struct sw_frame *f)
{
    struct sw_buf b;

    line_begin(e, &b);
    sw_buf_putc(&b, '#');
    sw_buf_put_u64(&b, k);
    sw_buf_putc(&b, ' ');
    sw_buf_put_hex(&b, f->pc);
    sw_buf_putc(&b, ' ');
    text_where(e, &b, f->function, f->file, f->line);
    if (f->module) {
        sw_buf_put(&b, " [", 2);
        text_str(e, &b, f->module);
        sw_buf_putc(&b, '+');
        sw_buf_put_hex(&b, f->offset);
        sw_buf_putc(&b, ']');
    }
    /* Unsymbolized frames carry what eu-addr2line/debuginfod need to finish the job. */
    if (!f->function && f->build_id) {
        sw_buf_puts(&b, " build-id=");
        text_str(e, &b, f->build_id);
    }
    if (f->inlined)
        sw_buf_puts(&b, " inlined");
    line_end(e, &b);
}

/* "py#k function (file:line)", the layout of a native frame without its address and module. */
static void text_py_frame(struct emitter *e, unsigned k, const struct sw_py_frame *f)
{
    struct sw_buf b;

    line_begin(e, &b);
    sw_buf_puts(&b, "py#");
    sw_buf_put_u64(&b, k);
    sw_buf_putc(&b, ' ');
    text_where(e, &b, f->function, f->file, f->line);
    line_end(e, &b);
}

/* The state, note and frame lines that follow a thread's header line, then its Python stack
 * under a "Python stack:" line. */
static void text_thread_body(struct emitter *e, const struct sw_thread_report *t)
{
    struct sw_buf b;
    unsigned nframes = nframes_of(t), npy = npy_of(t);

    if (t->count > 1 && t->tids && t->ntids) {
        unsigned n = t->ntids < SW_REPORT_TIDS_MAX ? t->ntids : SW_REPORT_TIDS_MAX;
        line_begin(e, &b);
        sw_buf_puts(&b, "tids=");
        for (unsigned i = 0; i < n; i++) {
            if (i)
                sw_buf_putc(&b, ',');
            sw_buf_put_i64(&b, t->tids[i]);
        }
        if (n < t->count)
            sw_buf_puts(&b, ",...");
        line_end(e, &b);
    }
    if (t->state || t->wchan || t->capture) {
        const char *sep = "";

        line_begin(e, &b);
        if (t->state) {
            sw_buf_puts(&b, "state=");
            sw_buf_put_text_esc(&b, &t->state, 1);
            sep = " ";
        }
        if (t->wchan) {
            sw_buf_puts(&b, sep);
            sw_buf_puts(&b, "wchan=");
            text_str(e, &b, t->wchan);
            sep = " ";
        }
        if (t->capture) {
            sw_buf_puts(&b, sep);
            sw_buf_puts(&b, "capture=");
            text_str(e, &b, t->capture);
        }
        line_end(e, &b);
    }
    if (t->note) {
        line_begin(e, &b);
        sw_buf_puts(&b, "note: ");
        text_str(e, &b, t->note);
        line_end(e, &b);
    }
    for (unsigned k = 0; k < nframes; k++)
        text_frame(e, k, &t->frames[k]);
    if (npy > 0) {
        line_begin(e, &b);
        sw_buf_puts(&b, "Python stack:");
        line_end(e, &b);
    }
    for (unsigned k = 0; k < npy; k++)
        text_py_frame(e, k, &t->python_frames[k]);
}

static void emit_text(struct emitter *e)
{
    const struct sw_report *r = e->r;
    unsigned nthreads = nthreads_of(r);
    struct sw_buf b;

    line_begin(e, &b);
    text_str(e, &b, event_of(r));
    sw_buf_puts(&b, " pid=");
    sw_buf_put_i64(&b, r->pid);
    if (r->process)
        text_quoted(e, &b, " process=", r->process);
    if (r->stall_report) {
        sw_buf_puts(&b, " stall_report=");
        sw_buf_put_u64(&b, r->stall_report);
    }
    if (r->fingerprint) {
        sw_buf_puts(&b, " fingerprint=");
        text_str(e, &b, r->fingerprint);
    }
    if (r->suppressed) {
        sw_buf_puts(&b, " suppressed=");
        sw_buf_put_u64(&b, r->suppressed);
    }
    if (nthreads > 0) {
        sw_buf_putc(&b, ' ');
        text_thread_head(e, &b, &r->threads[0]);
    }
    line_end(e, &b);
    if (nthreads > 0)
        text_thread_body(e, &r->threads[0]);

    for (unsigned i = 1; i < nthreads; i++) {
        line_begin(e, &b);
        sw_buf_puts(&b, "thread ");
        if (r->threads[i].role) {
            sw_buf_puts(&b, "role=");
            text_str(e, &b, r->threads[i].role);
            sw_buf_putc(&b, ' ');
        }
        text_thread_head(e, &b, &r->threads[i]);
        line_end(e, &b);
        text_thread_body(e, &r->threads[i]);
    }
}

/* ---- JSON ------------------------------------------------------------------------------- */

/* How much of the report a JSON rendering keeps: the first `drop` items of the drop order
 * (see the file comment) are left out. */
struct keep {
    uint64_t drop;
    uint64_t total_items; /* native and Python frames of every thread */
};

static void json_str(struct emitter *e, struct sw_buf *b, const char *key, const char *s)
{
    sw_buf_puts(b, key);
    put_str(b, FLAVOR_JSON, s, e->field_max);
}

static void json_frame(struct emitter *e, struct sw_buf *b, const struct sw_frame *f)
{
    sw_buf_puts(b, "{\"pc\":\"");
    sw_buf_put_hex(b, f->pc);
    sw_buf_putc(b, '"');
    if (f->module) {
        json_str(e, b, ",\"module\":", f->module);
        sw_buf_puts(b, ",\"offset\":\"");
        sw_buf_put_hex(b, f->offset);
        sw_buf_putc(b, '"');
    }
    if (f->build_id)
        json_str(e, b, ",\"build_id\":", f->build_id);
    if (f->function)
        json_str(e, b, ",\"function\":", f->function);
    if (f->file) {
        json_str(e, b, ",\"file\":", f->file);
        if (f->line) {
            sw_buf_puts(b, ",\"line\":");
            sw_buf_put_u64(b, f->line);
        }
    }
    if (f->inlined)
        sw_buf_puts(b, ",\"inlined\":true");
    sw_buf_putc(b, '}');
}

static void json_py_frame(struct emitter *e, struct sw_buf *b, const struct sw_py_frame *f)
{
    const char *sep = "";

    sw_buf_putc(b, '{');
    if (f->function) {
        json_str(e, b, "\"function\":", f->function);
        sep = ",";
    }
    if (f->file) {
        sw_buf_puts(b, sep);
        json_str(e, b, "\"file\":", f->file);
        sep = ",";
    }
    if (f->line) {
        sw_buf_puts(b, sep);
        sw_buf_puts(b, "\"line\":");
        sw_buf_put_u64(b, f->line);
    }
    sw_buf_putc(b, '}');
}

static void json_object(struct emitter *e, struct sw_buf *b, const struct sw_thread_report *t)
{
    switch (objkind_of(t)) {
    case SW_OBJ_ADDR:
        sw_buf_puts(b, ",\"object\":\"");
        sw_buf_put_hex(b, t->object);
        sw_buf_putc(b, '"');
        break;
    case SW_OBJ_THREAD:
        sw_buf_puts(b, ",\"thread\":\"");
        sw_buf_put_hex(b, t->object);
        sw_buf_putc(b, '"');
        break;
    case SW_OBJ_FD:
        sw_buf_puts(b, ",\"fd\":");
        sw_buf_put_i64(b, t->fd);
        if (t->fd_target)
            json_str(e, b, ",\"fd_target\":", t->fd_target);
        break;
    case SW_OBJ_PID:
        sw_buf_puts(b, ",\"child\":");
        sw_buf_put_i64(b, (int64_t)t->object);
        break;
    case SW_OBJ_PATH:
        if (t->path)
            json_str(e, b, ",\"path\":", t->path);
        break;
    case SW_OBJ_NONE:
        break;
    }
}

static void json_thread(struct emitter *e, struct sw_buf *b, const struct sw_thread_report *t,
                        unsigned nframes, unsigned npy)
{
    sw_buf_puts(b, "{\"tid\":");
    sw_buf_put_i64(b, t->tid);
    if (t->role)
        json_str(e, b, ",\"role\":", t->role);
    if (t->name)
        json_str(e, b, ",\"name\":", t->name);
    json_str(e, b, ",\"call\":", call_of(t));
    sw_buf_puts(b, ",\"class\":\"");
    sw_buf_puts(b, sw_class_name(t->cls));
    sw_buf_puts(b, "\",\"waited_ms\":");
    sw_buf_put_u64(b, t->waited_ms);
    json_object(e, b, t);
    if (t->owner_tid) {
        sw_buf_puts(b, ",\"owner_tid\":");
        sw_buf_put_i64(b, t->owner_tid);
    }
    if (t->owner_pid) {
        sw_buf_puts(b, ",\"owner_pid\":");
        sw_buf_put_i64(b, t->owner_pid);
        if (t->owner_process)
            json_str(e, b, ",\"owner_process\":", t->owner_process);
    }
    if (t->scope)
        json_str(e, b, ",\"scope\":", t->scope);
    if (t->count > 1) {
        unsigned n = t->tids ? (t->ntids < SW_REPORT_TIDS_MAX ? t->ntids : SW_REPORT_TIDS_MAX) : 0;
        sw_buf_puts(b, ",\"count\":");
        sw_buf_put_u64(b, t->count);
        sw_buf_puts(b, ",\"tids\":[");
        for (unsigned i = 0; i < n; i++) {
            if (i)
                sw_buf_putc(b, ',');
            sw_buf_put_i64(b, t->tids[i]);
        }
        sw_buf_putc(b, ']');
    }
    if (t->state) {
        sw_buf_puts(b, ",\"state\":");
        sw_buf_put_json_str(b, &t->state, 1);
    }
    if (t->wchan)
        json_str(e, b, ",\"wchan\":", t->wchan);
    if (t->capture)
        json_str(e, b, ",\"capture\":", t->capture);
    if (t->note)
        json_str(e, b, ",\"note\":", t->note);
    sw_buf_puts(b, ",\"frames\":[");
    for (unsigned k = 0; k < nframes && !b->overflow; k++) {
        if (k)
            sw_buf_putc(b, ',');
        json_frame(e, b, &t->frames[k]);
    }
    sw_buf_putc(b, ']');
    /* Present whenever the thread has a Python stack, even with all its frames dropped. */
    if (npy_of(t) > 0) {
        sw_buf_puts(b, ",\"python_frames\":[");
        for (unsigned k = 0; k < npy && !b->overflow; k++) {
            if (k)
                sw_buf_putc(b, ',');
            json_py_frame(e, b, &t->python_frames[k]);
        }
        sw_buf_putc(b, ']');
    }
    sw_buf_putc(b, '}');
}

/* Renders the report keeping what k allows; the result is complete unless b overflowed. */
static void json_render(struct emitter *e, struct sw_buf *b, struct keep k)
{
    const struct sw_report *r = e->r;
    unsigned nthreads = nthreads_of(r);
    uint64_t items_after = k.total_items; /* frames of the threads after the current one */
    char ts[32];

    /* Whole threads left out, from the end: at most nthreads - 1, as emit_json bounds drop. */
    if (k.drop > k.total_items)
        nthreads -= (unsigned)(k.drop - k.total_items);
    sw_time_iso8601(r->time_ns, ts);
    sw_buf_reset(b);
    sw_buf_puts(b, "{\"event\":");
    put_str(b, FLAVOR_JSON, event_of(r), e->field_max);
    sw_buf_puts(b, ",\"report\":");
    sw_buf_put_u64(b, r->number);
    if (r->stall_report) {
        sw_buf_puts(b, ",\"stall_report\":");
        sw_buf_put_u64(b, r->stall_report);
    }
    sw_buf_puts(b, ",\"pid\":");
    sw_buf_put_i64(b, r->pid);
    if (r->process)
        json_str(e, b, ",\"process\":", r->process);
    sw_buf_puts(b, ",\"time\":\"");
    sw_buf_puts(b, ts);
    sw_buf_putc(b, '"');
    if (k.drop > 0)
        sw_buf_puts(b, ",\"truncated\":true");
    if (r->fingerprint)
        json_str(e, b, ",\"fingerprint\":", r->fingerprint);
    if (r->suppressed) {
        sw_buf_puts(b, ",\"suppressed\":");
        sw_buf_put_u64(b, r->suppressed);
    }
    sw_buf_puts(b, ",\"threads\":[");
    for (unsigned i = 0; i < nthreads && !b->overflow; i++) {
        const struct sw_thread_report *t = &r->threads[i];
        unsigned nframes = nframes_of(t), npy = npy_of(t);
        uint64_t items = (uint64_t)nframes + npy;
        uint64_t dropped = 0; /* of this thread's items: native frames from their end, then
                               * Python frames from theirs */
        unsigned native_dropped;

        items_after -= items;
        if (k.drop > items_after) {
            dropped = k.drop - items_after;
            if (dropped > items)
                dropped = items;
        }
        native_dropped = dropped < nframes ? (unsigned)dropped : nframes;
        if (i)
            sw_buf_putc(b, ',');
        json_thread(e, b, t, nframes - native_dropped, npy - (unsigned)(dropped - native_dropped));
    }
    sw_buf_put(b, "]}", 2);
}

/* Finds the fewest dropped items that let the report fit and leaves that rendering in b.
 * Returns false if even threads[0]'s header alone does not fit (only below the minimum
 * scratch). Bisection is valid because every dropped item shrinks the output. */
static bool json_shrink_to_fit(struct emitter *e, struct sw_buf *b, struct keep k)
{
    unsigned nthreads = nthreads_of(e->r);
    uint64_t lo = 0; /* dropping lo items does not fit */
    uint64_t hi = k.total_items + (nthreads > 1 ? nthreads - 1 : 0); /* ... hi items might */

    k.drop = hi;
    json_render(e, b, k);
    if (b->overflow)
        return false;
    while (hi - lo > 1) {
        k.drop = lo + (hi - lo) / 2;
        json_render(e, b, k);
        if (b->overflow)
            lo = k.drop;
        else
            hi = k.drop;
    }
    if (k.drop != hi) {
        k.drop = hi;
        json_render(e, b, k);
    }
    return true;
}

static void emit_json(struct emitter *e)
{
    const struct sw_report *r = e->r;
    unsigned nthreads = nthreads_of(r);
    struct keep k = {0, 0};
    struct sw_buf b;

    for (unsigned i = 0; i < nthreads; i++)
        k.total_items += nframes_of(&r->threads[i]) + (uint64_t)npy_of(&r->threads[i]);
    sw_buf_init(&b, e->scratch, e->cap);
    json_render(e, &b, k);
    if (b.overflow && !json_shrink_to_fit(e, &b, k))
        return;
    e->fn(e->ctx, b.p, b.len);
    e->records++;
}

unsigned sw_report_emit(const struct sw_report *r, enum sw_format fmt, char *scratch, size_t cap,
                        sw_record_fn fn, void *ctx)
{
    struct emitter e = {r, scratch, cap, fn, ctx, 0, cap};

    if (!r || !scratch || !fn || cap < SW_REPORT_MIN_LINE)
        return 0;
    if (fmt == SW_FORMAT_JSON) {
        if (cap >= JSON_RESERVE + JSON_STRINGS * FIELD_FLOOR)
            e.field_max = (cap - JSON_RESERVE) / JSON_STRINGS;
        emit_json(&e);
    } else {
        if (cap >= TEXT_RESERVE + TEXT_STRINGS * FIELD_FLOOR)
            e.field_max = (cap - TEXT_RESERVE) / TEXT_STRINGS;
        emit_text(&e);
    }
    return e.records;
}
