/* Renders one report (an event, its threads and their frames) as text lines or as one JSON
 * object, into the caller's scratch buffer, handing each complete record to a callback.
 * Any context; pure: no allocation, no locks, no stdio, no locale, errno untouched. It runs
 * on the watchdog thread, which must never wait for a lock the program may hold.
 *
 * The fields of a report and of its threads are described once, in REPORT_FIELDS and
 * THREAD_FIELDS below: key, kind, when shown, value, and where each format puts them. Both
 * renderings walk those tables; only the frames and the records' skeletons are written by
 * hand.
 *
 * Bounding the output (the header leaves the details to us):
 * - Every string field is escaped and limited to a share of the scratch buffer; a longer one
 *   is cut at a character boundary and ends with "..." (inside the quotes where quoted).
 *   Text: (cap - TEXT_RESERVE) / TEXT_STRINGS bytes, TEXT_STRINGS being the most strings one
 *   line can carry (the first line has the most: the report's strings and threads[0]'s),
 *   while its numbers and keys take under TEXT_RESERVE bytes. JSON: (cap - JSON_RESERVE) /
 *   JSON_STRINGS bytes, JSON_STRINGS being the most strings the part of a JSON report that
 *   is never dropped (top level plus threads[0] without frames) can carry, while its numbers
 *   (up to SW_REPORT_TIDS_MAX tids among them) and keys take under JSON_RESERVE bytes. Both
 *   counts are taken from the field tables at compile time. With cap >=
 *   SW_REPORT_MIN_SCRATCH a text line therefore always fits whole and a JSON report always
 *   fits at least its threads[0] header.
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
#define JSON_RESERVE 1024
#define FIELD_FLOOR  16 /* smallest share worth giving a string */

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
    return (unsigned)t->objkind < SW_OBJ_COUNT ? t->objkind : SW_OBJ_NONE;
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

static const char *class_of(const struct sw_thread_report *t)
{
    return sw_class_name(t->cls);
}

/* ---- the fields ------------------------------------------------------------------------- */

/* Where a field goes in the text rendering. The report's first line is "stallwatch #N "
 * followed by the report's HEAD fields and threads[0]'s; each further thread has a line
 * "stallwatch #N thread " followed by its LEAD fields and its HEAD fields. After a thread's
 * header come its body lines, one per place from TEXT_TIDS_LINE to TEXT_NOTE_LINE in this
 * order, each only when something is written on it, then its frame lines. */
enum text_place {
    TEXT_NONE = 0, /* not in text */
    TEXT_LEAD,
    TEXT_HEAD,
    TEXT_TIDS_LINE,
    TEXT_STATE_LINE,
    TEXT_NOTE_LINE,
    TEXT_PLACES,
};

/* Where a field goes in a JSON object (the report, or one of its threads): its EARLY fields,
 * then its LATE fields, then its arrays ("threads"; "frames" and "python_frames"). */
enum json_place {
    JSON_NONE = 0, /* not in JSON */
    JSON_EARLY,
    JSON_LATE,
};

/* Which object kind a thread field belongs to: the object part of a thread shows the fields
 * of its objkind only. */
enum {
    OBJ_ALL = -1, /* not part of the object: shown whatever the thread waits on */
    OBJ_ADDR = SW_OBJ_ADDR,
    OBJ_FD = SW_OBJ_FD,
    OBJ_PID = SW_OBJ_PID,
    OBJ_PATH = SW_OBJ_PATH,
    OBJ_THREAD = SW_OBJ_THREAD,
    OBJ_QUERY = SW_OBJ_QUERY,
    OBJ_IPC = SW_OBJ_IPC,
    OBJ_CHILD = SW_OBJ_CHILD,
    OBJ_MPI = SW_OBJ_MPI,
};

/* Kinds: how a value is written in each format. The strings of the kinds marked "share" are
 * escaped and cut to the share of the scratch buffer each string gets (see the file comment).
 *
 *   kind      value                   text                  JSON
 *   i64       signed number           key=-5                "key":-5
 *   u64       unsigned number         key=5                 "key":5
 *   hex       unsigned number         key=0x1f              "key":"0x1f"
 *   name      one of our own names    key=lock              "key":"lock"
 *   word      string (share)          key=esc               "key":"esc"
 *   quoted    string (share)          key="esc"             "key":"esc"
 *   sentence  string (share)          key: esc              "key":"esc"
 *   title     string (share)          esc                   "key":"esc"
 *   letter    one byte                key=S                 "key":"S"
 *   ms        milliseconds            key=5.01s             "key_ms":5012
 *   child     pid argument, as the    key=123, key=any      "key":123, "key":-1
 *             object word holds it    for -1
 *   tids      the thread's group      key=101,102,...       "key":[101,102]
 *   flag      true                    key                   "key":true
 *   time      ns since the epoch      key=2026-11-27T06:35:40.123Z, also in JSON, quoted
 *
 * ms: "750ms" under a second, else seconds with two decimals, truncated. tids: at most
 * SW_REPORT_TIDS_MAX of them; text ends the list with ",..." when the group has more and
 * leaves the field out when no tid is known, where JSON writes []. */
enum {
    SHARE_i64 = 0,
    SHARE_u64 = 0,
    SHARE_hex = 0,
    SHARE_name = 0,
    SHARE_word = 1,
    SHARE_quoted = 1,
    SHARE_sentence = 1,
    SHARE_title = 1,
    SHARE_letter = 0,
    SHARE_ms = 0,
    SHARE_child = 0,
    SHARE_tids = 0,
    SHARE_flag = 0,
    SHARE_time = 0,
};

/* The fields, one row each. Within a place both formats write the fields in row order; the
 * places say where the formats differ (text writes waited after the object part, JSON
 * before it; JSON writes stall_report right after the report number, text after process).
 *
 *   REPORT_FIELDS: X(_, key, kind, when, value, text place, JSON place)
 *   THREAD_FIELDS: X(_, key, kind, object, when, value, text place, JSON place)
 *
 * _       passed through for the string counts further down; renderings ignore it
 * key     the key in both formats (kind ms adds "_ms" to the JSON key)
 * kind    how the value is written, from the kinds' table above
 * object  ALL, or the objkind whose object part the field belongs to
 * when    the field is written only when this holds; v is the value, r the report, t the
 *         thread
 * value   an expression of r (REPORT_FIELDS) or t (THREAD_FIELDS) of the kind's type; the
 *         report's truncated is the JSON rendering's own
 * places  TEXT_x and JSON_x above, without the prefix
 *
 * Adding a field is adding a row (and its member in struct sw_report or struct
 * sw_thread_report). */
/* clang-format off */
#define REPORT_FIELDS(X, _)                                                                        \
    X(_, event,        title,  true, event_of(r),     HEAD, EARLY)                                 \
    X(_, report,       u64,    true, r->number,       NONE, EARLY)                                 \
    X(_, pid,          i64,    true, r->pid,          HEAD, LATE)                                  \
    X(_, process,      quoted, v,    r->process,      HEAD, LATE)                                  \
    X(_, host,         quoted, v,    r->host,         HEAD, LATE)                                  \
    X(_, job,          quoted, v,    r->job,          HEAD, LATE)                                  \
    X(_, rank,         u64,    r->ranked, r->rank,    HEAD, LATE)                                  \
    X(_, size,         u64,    r->ranked && v, r->size, HEAD, LATE)                                \
    X(_, comm,         quoted, v,    r->comm,         HEAD, LATE)                                  \
    X(_, title,        quoted, v,    r->title,        HEAD, LATE)                                  \
    X(_, stall_report, u64,    v,    r->stall_report, HEAD, EARLY)                                 \
    X(_, time,         time,   true, r->time_ns,      NONE, LATE)                                  \
    X(_, truncated,    flag,   v,    truncated,       NONE, LATE)                                  \
    X(_, fingerprint,  word,   v,    r->fingerprint,  HEAD, LATE)                                  \
    X(_, attached,     flag,   v,    r->attached,     HEAD, LATE)                                  \
    X(_, suppressed,   u64,    v,    r->suppressed,   HEAD, LATE)

#define THREAD_FIELDS(X, _)                                                                        \
    X(_, tid,           i64,      ALL,    true,              t->tid,           HEAD,       EARLY)  \
    X(_, role,          word,     ALL,    v,                 t->role,          LEAD,       EARLY)  \
    X(_, name,          quoted,   ALL,    v,                 t->name,          HEAD,       EARLY)  \
    X(_, call,          word,     ALL,    true,              call_of(t),       HEAD,       EARLY)  \
    X(_, class,         name,     ALL,    true,              class_of(t),      HEAD,       EARLY)  \
    X(_, object,        hex,      ADDR,   true,              t->object,        HEAD,       LATE)   \
    X(_, thread,        hex,      THREAD, true,              t->object,        HEAD,       LATE)   \
    X(_, fd,            i64,      FD,     true,              t->fd,            HEAD,       LATE)   \
    X(_, fd_target,     quoted,   FD,     v,                 t->fd_target,     HEAD,       LATE)   \
    X(_, child,         child,    PID,    true,              t->object,        HEAD,       LATE)   \
    X(_, child,         i64,      CHILD,  v,                 (int64_t)t->object, HEAD,     LATE)   \
    X(_, path,          quoted,   PATH,   v,                 t->path,          HEAD,       LATE)   \
    X(_, query,         quoted,   QUERY,  v,                 t->query,         HEAD,       LATE)   \
    X(_, communicator,  quoted,   MPI,    v,                 t->communicator,  HEAD,       LATE)   \
    X(_, comm_size,     i64,      MPI,    v >= 0,            t->comm_size,     HEAD,       LATE)   \
    X(_, comm_rank,     i64,      MPI,    v >= 0,            t->comm_rank,     HEAD,       LATE)   \
    X(_, seq,           u64,      MPI,    v,                 t->seq,           HEAD,       LATE)   \
    X(_, peer,          i64,      MPI,    v != SW_MPI_NONE,  t->peer,          HEAD,       LATE)   \
    X(_, tag,           i64,      MPI,    v != SW_MPI_NONE,  t->tag,           HEAD,       LATE)   \
    X(_, ipc_id,        i64,      IPC,    true,              (int64_t)t->object, HEAD,     LATE)   \
    X(_, lock,          quoted,   ALL,    v,                 t->lock,          HEAD,       LATE)   \
    X(_, waited,        ms,       ALL,    true,              t->waited_ms,     HEAD,       EARLY)  \
    X(_, owner_tid,     i64,      ALL,    v,                 t->owner_tid,     HEAD,       LATE)   \
    X(_, owner_pid,     i64,      ALL,    v,                 t->owner_pid,     HEAD,       LATE)   \
    X(_, owner_process, quoted,   ALL,    v && t->owner_pid, t->owner_process, HEAD,       LATE)   \
    X(_, scope,         quoted,   ALL,    v,                 t->scope,         HEAD,       LATE)   \
    X(_, count,         u64,      ALL,    v > 1,             t->count,         HEAD,       LATE)   \
    X(_, tids,          tids,     ALL,    t->count > 1,      t,                TIDS_LINE,  LATE)   \
    X(_, kernel,        flag,     ALL,    v,                 t->kernel,        STATE_LINE, LATE)   \
    X(_, state,         letter,   ALL,    v,                 t->state,         STATE_LINE, LATE)   \
    X(_, wchan,         word,     ALL,    v,                 t->wchan,         STATE_LINE, LATE)   \
    X(_, capture,       word,     ALL,    v,                 t->capture,       STATE_LINE, LATE)   \
    X(_, note,          sentence, ALL,    v,                 t->note,          NOTE_LINE,  LATE)
/* clang-format on */

/* Text writes a key with its separator as one piece from a small buffer. */
#define KEY_MAX 32
#define CHECK_ROW(_, key, kind, ...)                                                               \
    _Static_assert(sizeof(#key) + sizeof("_ms") <= KEY_MAX, "key too long: " #key);
REPORT_FIELDS(CHECK_ROW, ~)
THREAD_FIELDS(CHECK_ROW, ~)
#undef CHECK_ROW
#define CHECK_REPORT_ROW(_, key, kind, when, value, tp, jp)                                        \
    _Static_assert(TEXT_##tp == TEXT_NONE || TEXT_##tp == TEXT_HEAD,                               \
                   "the report's own fields are on the first line only: " #key);
REPORT_FIELDS(CHECK_REPORT_ROW, ~)
#undef CHECK_REPORT_ROW

/* ---- string budgets --------------------------------------------------------------------- */

/* The strings with a share that the fields of a table can show together, counted by
 * expanding the table with _ saying what to count: for text, a set of places (bits); for a
 * thread, also the kind of its object, as (places, objkind), since the object part shows the
 * fields of one objkind only. */
#define BIT(place)        (1 << (place))
#define ON(places, tp)    (((places) >> TEXT_##tp) & 1)
#define IN_JSON(jp)       (JSON_##jp != JSON_NONE)
#define PLACES_OF(P, K)   P
#define KIND_OF(P, K)     K
#define SHOWN_FOR(obj, K) ((int)(obj) == OBJ_ALL || (int)(obj) == (int)(K))

#define REPORT_TEXT(places, key, kind, when, value, tp, jp) +(SHARE_##kind && ON(places, tp))
#define REPORT_JSON(_, key, kind, when, value, tp, jp)      +(SHARE_##kind && IN_JSON(jp))
#define THREAD_TEXT(PK, key, kind, obj, when, value, tp, jp)                                       \
    +(SHARE_##kind && ON(PLACES_OF PK, tp) && SHOWN_FOR(OBJ_##obj, KIND_OF PK))
#define THREAD_JSON(PK, key, kind, obj, when, value, tp, jp)                                       \
    +(SHARE_##kind && IN_JSON(jp) && SHOWN_FOR(OBJ_##obj, KIND_OF PK))

#define REPORT_TEXT_STRINGS(places)          (0 REPORT_FIELDS(REPORT_TEXT, places))
#define REPORT_JSON_STRINGS                  (0 REPORT_FIELDS(REPORT_JSON, ~))
#define THREAD_TEXT_STRINGS(places, objkind) (0 THREAD_FIELDS(THREAD_TEXT, (places, objkind)))
#define THREAD_JSON_STRINGS(places, objkind) (0 THREAD_FIELDS(THREAD_JSON, (places, objkind)))

/* A thread's count for the objkind with the most. */
#define MOST(a, b) ((a) > (b) ? (a) : (b))
#define OVER_OBJECTS(COUNT, places)                                                                \
    MOST(MOST(MOST(MOST(COUNT(places, SW_OBJ_NONE), COUNT(places, SW_OBJ_ADDR)),                   \
                   MOST(COUNT(places, SW_OBJ_FD), COUNT(places, SW_OBJ_PID))),                     \
              MOST(COUNT(places, SW_OBJ_PATH), COUNT(places, SW_OBJ_THREAD))),                     \
         MOST(MOST(COUNT(places, SW_OBJ_QUERY), COUNT(places, SW_OBJ_IPC)),                        \
              MOST(COUNT(places, SW_OBJ_CHILD), COUNT(places, SW_OBJ_MPI))))
_Static_assert(SW_OBJ_COUNT == 10, "OVER_OBJECTS lists every object kind");
_Static_assert(TEXT_NOTE_LINE + 1 == TEXT_PLACES, "every body line is counted below");

/* Strings on a frame line, which is written by hand: function, file, module and build-id. */
#define FRAME_LINE_STRINGS 4

enum {
    FIRST_LINE_STRINGS =
        REPORT_TEXT_STRINGS(BIT(TEXT_HEAD)) + OVER_OBJECTS(THREAD_TEXT_STRINGS, BIT(TEXT_HEAD)),
    THREAD_LINE_STRINGS = OVER_OBJECTS(THREAD_TEXT_STRINGS, BIT(TEXT_LEAD) | BIT(TEXT_HEAD)),
    BODY_LINE_STRINGS = MOST(MOST(OVER_OBJECTS(THREAD_TEXT_STRINGS, BIT(TEXT_TIDS_LINE)),
                                  OVER_OBJECTS(THREAD_TEXT_STRINGS, BIT(TEXT_STATE_LINE))),
                             OVER_OBJECTS(THREAD_TEXT_STRINGS, BIT(TEXT_NOTE_LINE))),
    /* the most strings one text line carries */
    TEXT_STRINGS = MOST(MOST(FIRST_LINE_STRINGS, THREAD_LINE_STRINGS),
                        MOST(BODY_LINE_STRINGS, FRAME_LINE_STRINGS)),
    /* the most strings in the report's top level and threads[0] without its frames */
    JSON_STRINGS = REPORT_JSON_STRINGS + OVER_OBJECTS(THREAD_JSON_STRINGS, 0),
};

_Static_assert((SW_REPORT_MIN_SCRATCH - TEXT_RESERVE) / TEXT_STRINGS >= FIELD_FLOOR,
               "the minimum scratch must give every text string at least the floor");
_Static_assert((SW_REPORT_MIN_SCRATCH - JSON_RESERVE) / JSON_STRINGS >= FIELD_FLOOR,
               "the minimum scratch must give every JSON string at least the floor");

/* ---- text ------------------------------------------------------------------------------- */

struct line {
    struct emitter *e;
    struct sw_buf b;
    bool body;  /* a body line: a separator is a piece of its own, not one with its key */
    bool fresh; /* the next field needs no separator */
    bool used;  /* a field was written */
};

/* Lines are built with the last 3 bytes of scratch held back, so a cut line can always end
 * with "...". */
static void line_begin(struct emitter *e, struct line *l, bool body)
{
    l->e = e;
    l->body = body;
    l->fresh = true;
    l->used = false;
    sw_buf_init(&l->b, e->scratch, e->cap - 3);
    sw_buf_put(&l->b, "stallwatch #", 12);
    sw_buf_put_u64(&l->b, e->r->number);
    sw_buf_putc(&l->b, ' ');
}

static void line_end(struct line *l)
{
    struct sw_buf *b = &l->b;

    if (b->overflow) {
        b->cap += 3;
        b->overflow = false;
        sw_buf_put(b, "...", 3);
    }
    l->e->fn(l->e->ctx, b->p, b->len);
    l->e->records++;
}

static void text_str(struct line *l, const char *s)
{
    put_str(&l->b, FLAVOR_TEXT, s, l->e->field_max);
}

/* Writes the separator (none for the first field of a part of the line), then key and sep.
 * A line cut for want of scratch ends where a piece ends: on a header line the separator and
 * the key are one piece, on a body line two. */
static void text_key(struct line *l, const char *key, const char *sep)
{
    char piece[KEY_MAX];
    struct sw_buf k;

    sw_buf_init(&k, piece, sizeof(piece));
    if (!l->fresh)
        sw_buf_putc(l->body ? &l->b : &k, ' ');
    sw_buf_puts(&k, key);
    sw_buf_puts(&k, sep);
    sw_buf_put(&l->b, k.p, k.len);
    l->fresh = false;
    l->used = true;
}

/* Between the parts of a header line (the report's fields, a thread's LEAD fields, its HEAD
 * fields): a separator of its own, after which the next part starts without one. */
static void text_gap(struct line *l)
{
    if (!l->fresh) {
        sw_buf_putc(&l->b, ' ');
        l->fresh = true;
    }
}

/* One writer per kind (see the kinds' table). */

static void text_i64(struct line *l, const char *key, int64_t v)
{
    text_key(l, key, "=");
    sw_buf_put_i64(&l->b, v);
}

static void text_u64(struct line *l, const char *key, uint64_t v)
{
    text_key(l, key, "=");
    sw_buf_put_u64(&l->b, v);
}

static void text_hex(struct line *l, const char *key, uint64_t v)
{
    text_key(l, key, "=");
    sw_buf_put_hex(&l->b, v);
}

static void text_name(struct line *l, const char *key, const char *s)
{
    text_key(l, key, "=");
    sw_buf_puts(&l->b, s);
}

static void text_word(struct line *l, const char *key, const char *s)
{
    text_key(l, key, "=");
    text_str(l, s);
}

static void text_quoted(struct line *l, const char *key, const char *s)
{
    text_key(l, key, "=");
    sw_buf_putc(&l->b, '"');
    text_str(l, s);
    sw_buf_putc(&l->b, '"');
}

static void text_sentence(struct line *l, const char *key, const char *s)
{
    text_key(l, key, ": ");
    text_str(l, s);
}

static void text_title(struct line *l, const char *key, const char *s)
{
    (void)key;
    text_key(l, "", "");
    text_str(l, s);
}

static void text_letter(struct line *l, const char *key, char c)
{
    text_key(l, key, "=");
    sw_buf_put_text_esc(&l->b, &c, 1);
}

/* "750ms" under a second, else seconds with two decimals, truncated: "5.01s". */
static void text_ms(struct line *l, const char *key, uint64_t ms)
{
    struct sw_buf *b = &l->b;
    char cs[2];

    text_key(l, key, "=");
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

/* The object word holds the pid argument as an int64_t. */
static void text_child(struct line *l, const char *key, uint64_t object)
{
    text_key(l, key, "=");
    if ((int64_t)object == -1)
        sw_buf_puts(&l->b, "any");
    else
        sw_buf_put_i64(&l->b, (int64_t)object);
}

static unsigned tids_listed(const struct sw_thread_report *t)
{
    if (!t->tids)
        return 0;
    return t->ntids < SW_REPORT_TIDS_MAX ? t->ntids : SW_REPORT_TIDS_MAX;
}

/* Nothing at all when no tid is known. */
static void text_tids(struct line *l, const char *key, const struct sw_thread_report *t)
{
    unsigned n = tids_listed(t);

    if (n == 0)
        return;
    text_key(l, key, "=");
    for (unsigned i = 0; i < n; i++) {
        if (i)
            sw_buf_putc(&l->b, ',');
        sw_buf_put_i64(&l->b, t->tids[i]);
    }
    if (n < t->count)
        sw_buf_puts(&l->b, ",...");
}

static void text_flag(struct line *l, const char *key, bool set)
{
    (void)set;
    text_key(l, key, "");
}

static void text_time(struct line *l, const char *key, uint64_t ns)
{
    char ts[32];

    sw_time_iso8601(ns, ts);
    text_key(l, key, "=");
    sw_buf_puts(&l->b, ts);
}

/* Writes the fields of one place, in table order. */
#define TEXT_FIELD(key, kind, object_shown, when, value, tp)                                       \
    if (TEXT_##tp == place && (object_shown)) {                                                    \
        __typeof__(value) v = (value);                                                             \
        if (when)                                                                                  \
            text_##kind(l, #key, v);                                                               \
    }

static void text_report_fields(struct line *l, const struct sw_report *r, enum text_place place)
{
    const bool truncated = false; /* text cuts a line, it never drops items */

#define X(_, key, kind, when, value, tp, jp) TEXT_FIELD(key, kind, true, when, value, tp)
    REPORT_FIELDS(X, ~)
#undef X
}

static bool shows_object(const struct sw_thread_report *t, int obj)
{
    return obj == OBJ_ALL || obj == (int)objkind_of(t);
}

static void text_thread_fields(struct line *l, const struct sw_thread_report *t,
                               enum text_place place)
{
#define X(_, key, kind, obj, when, value, tp, jp)                                                  \
    TEXT_FIELD(key, kind, shows_object(t, OBJ_##obj), when, value, tp)
    THREAD_FIELDS(X, ~)
#undef X
}

/* "function (file:line)" of a frame, native or Python: "??" for an unknown function, the
 * parenthesis only with a file, the line only when known. */
static void text_where(struct line *l, const char *function, const char *file, unsigned line)
{
    struct sw_buf *b = &l->b;

    text_str(l, function ? function : "??");
    if (file) {
        sw_buf_put(b, " (", 2);
        text_str(l, file);
        if (line) {
            sw_buf_putc(b, ':');
            sw_buf_put_u64(b, line);
        }
        sw_buf_putc(b, ')');
    }
}

/* "#k 0xPC function (file:line) [module+0xOFFSET] build-id=HEX inlined"; its strings are
 * those FRAME_LINE_STRINGS counts. */
static void text_frame(struct emitter *e, unsigned k, const struct sw_frame *f)
{
    struct line l;
    struct sw_buf *b = &l.b;

    line_begin(e, &l, true);
    sw_buf_putc(b, '#');
    sw_buf_put_u64(b, k);
    sw_buf_putc(b, ' ');
    sw_buf_put_hex(b, f->pc);
    sw_buf_putc(b, ' ');
    text_where(&l, f->function, f->file, f->line);
    if (f->module) {
        sw_buf_put(b, " [", 2);
        text_str(&l, f->module);
        sw_buf_putc(b, '+');
        sw_buf_put_hex(b, f->offset);
        sw_buf_putc(b, ']');
    }
    /* Unsymbolized frames carry what eu-addr2line/debuginfod need to finish the job. */
    if (!f->function && f->build_id) {
        sw_buf_puts(b, " build-id=");
        text_str(&l, f->build_id);
    }
    if (f->inlined)
        sw_buf_puts(b, " inlined");
    line_end(&l);
}

/* "py#k function (file:line)", the layout of a native frame without its address and module. */
static void text_py_frame(struct emitter *e, unsigned k, const struct sw_py_frame *f)
{
    struct line l;

    line_begin(e, &l, true);
    sw_buf_puts(&l.b, "py#");
    sw_buf_put_u64(&l.b, k);
    sw_buf_putc(&l.b, ' ');
    text_where(&l, f->function, f->file, f->line);
    line_end(&l);
}

/* The body lines that follow a thread's header line, then its frames and its Python stack
 * under a "Python stack:" line. */
static void text_thread_body(struct emitter *e, const struct sw_thread_report *t)
{
    unsigned nframes = nframes_of(t), npy = npy_of(t);
    struct line l;

    for (int place = TEXT_TIDS_LINE; place < TEXT_PLACES; place++) {
        line_begin(e, &l, true);
        text_thread_fields(&l, t, (enum text_place)place);
        if (l.used)
            line_end(&l);
    }
    for (unsigned k = 0; k < nframes; k++)
        text_frame(e, k, &t->frames[k]);
    if (npy > 0) {
        line_begin(e, &l, true);
        sw_buf_puts(&l.b, "Python stack:");
        line_end(&l);
    }
    for (unsigned k = 0; k < npy; k++)
        text_py_frame(e, k, &t->python_frames[k]);
}

static void emit_text(struct emitter *e)
{
    const struct sw_report *r = e->r;
    unsigned nthreads = nthreads_of(r);
    struct line l;

    line_begin(e, &l, false);
    text_report_fields(&l, r, TEXT_HEAD);
    if (nthreads > 0) {
        text_gap(&l);
        text_thread_fields(&l, &r->threads[0], TEXT_HEAD);
    }
    line_end(&l);
    if (nthreads > 0)
        text_thread_body(e, &r->threads[0]);

    for (unsigned i = 1; i < nthreads; i++) {
        line_begin(e, &l, false);
        sw_buf_puts(&l.b, "thread ");
        text_thread_fields(&l, &r->threads[i], TEXT_LEAD);
        text_gap(&l);
        text_thread_fields(&l, &r->threads[i], TEXT_HEAD);
        line_end(&l);
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

/* One JSON object being written: the report or one of its threads. */
struct object {
    struct emitter *e;
    struct sw_buf *b;
    bool fresh; /* no member yet: the next one needs no comma */
};

/* Writes ,"key<suffix>": (without the comma for the object's first member). */
static void json_key(struct object *o, const char *key, const char *suffix)
{
    if (!o->fresh)
        sw_buf_putc(o->b, ',');
    o->fresh = false;
    sw_buf_putc(o->b, '"');
    sw_buf_puts(o->b, key);
    sw_buf_puts(o->b, suffix);
    sw_buf_put(o->b, "\":", 2);
}

/* One writer per kind (see the kinds' table). */

static void json_i64(struct object *o, const char *key, int64_t v)
{
    json_key(o, key, "");
    sw_buf_put_i64(o->b, v);
}

static void json_u64(struct object *o, const char *key, uint64_t v)
{
    json_key(o, key, "");
    sw_buf_put_u64(o->b, v);
}

static void json_hex(struct object *o, const char *key, uint64_t v)
{
    json_key(o, key, "");
    sw_buf_putc(o->b, '"');
    sw_buf_put_hex(o->b, v);
    sw_buf_putc(o->b, '"');
}

static void json_name(struct object *o, const char *key, const char *s)
{
    json_key(o, key, "");
    sw_buf_putc(o->b, '"');
    sw_buf_puts(o->b, s);
    sw_buf_putc(o->b, '"');
}

static void json_word(struct object *o, const char *key, const char *s)
{
    json_key(o, key, "");
    put_str(o->b, FLAVOR_JSON, s, o->e->field_max);
}

static void json_quoted(struct object *o, const char *key, const char *s)
{
    json_word(o, key, s);
}

static void json_sentence(struct object *o, const char *key, const char *s)
{
    json_word(o, key, s);
}

static void json_title(struct object *o, const char *key, const char *s)
{
    json_word(o, key, s);
}

static void json_letter(struct object *o, const char *key, char c)
{
    json_key(o, key, "");
    sw_buf_put_json_str(o->b, &c, 1);
}

static void json_ms(struct object *o, const char *key, uint64_t ms)
{
    json_key(o, key, "_ms");
    sw_buf_put_u64(o->b, ms);
}

static void json_child(struct object *o, const char *key, uint64_t object)
{
    json_i64(o, key, (int64_t)object);
}

/* [] when no tid is known. */
static void json_tids(struct object *o, const char *key, const struct sw_thread_report *t)
{
    unsigned n = tids_listed(t);

    json_key(o, key, "");
    sw_buf_putc(o->b, '[');
    for (unsigned i = 0; i < n; i++) {
        if (i)
            sw_buf_putc(o->b, ',');
        sw_buf_put_i64(o->b, t->tids[i]);
    }
    sw_buf_putc(o->b, ']');
}

static void json_flag(struct object *o, const char *key, bool set)
{
    (void)set;
    json_key(o, key, "");
    sw_buf_put(o->b, "true", 4);
}

static void json_time(struct object *o, const char *key, uint64_t ns)
{
    char ts[32];

    sw_time_iso8601(ns, ts);
    json_key(o, key, "");
    sw_buf_putc(o->b, '"');
    sw_buf_puts(o->b, ts);
    sw_buf_putc(o->b, '"');
}

/* Writes the members of one place, in table order. */
#define JSON_FIELD(key, kind, object_shown, when, value, jp)                                       \
    if (JSON_##jp == place && (object_shown)) {                                                    \
        __typeof__(value) v = (value);                                                             \
        if (when)                                                                                  \
            json_##kind(o, #key, v);                                                               \
    }

static void json_report_fields(struct object *o, const struct sw_report *r, bool truncated,
                               enum json_place place)
{
#define X(_, key, kind, when, value, tp, jp) JSON_FIELD(key, kind, true, when, value, jp)
    REPORT_FIELDS(X, ~)
#undef X
}

static void json_thread_fields(struct object *o, const struct sw_thread_report *t,
                               enum json_place place)
{
#define X(_, key, kind, obj, when, value, tp, jp)                                                  \
    JSON_FIELD(key, kind, shows_object(t, OBJ_##obj), when, value, jp)
    THREAD_FIELDS(X, ~)
#undef X
}

/* A frame's or Python frame's string member; key includes the comma before it, if any. */
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

static void json_thread(struct emitter *e, struct sw_buf *b, const struct sw_thread_report *t,
                        unsigned nframes, unsigned npy)
{
    struct object o = {e, b, true};

    sw_buf_putc(b, '{');
    json_thread_fields(&o, t, JSON_EARLY);
    json_thread_fields(&o, t, JSON_LATE);
    json_key(&o, "frames", "");
    sw_buf_putc(b, '[');
    for (unsigned k = 0; k < nframes && !b->overflow; k++) {
        if (k)
            sw_buf_putc(b, ',');
        json_frame(e, b, &t->frames[k]);
    }
    sw_buf_putc(b, ']');
    /* Present whenever the thread has a Python stack, even with all its frames dropped. */
    if (npy_of(t) > 0) {
        json_key(&o, "python_frames", "");
        sw_buf_putc(b, '[');
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
    struct object o = {e, b, true};

    /* Whole threads left out, from the end: at most nthreads - 1, as emit_json bounds drop. */
    if (k.drop > k.total_items)
        nthreads -= (unsigned)(k.drop - k.total_items);
    sw_buf_reset(b);
    sw_buf_putc(b, '{');
    json_report_fields(&o, r, k.drop > 0, JSON_EARLY);
    json_report_fields(&o, r, k.drop > 0, JSON_LATE);
    json_key(&o, "threads", "");
    sw_buf_putc(b, '[');
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
