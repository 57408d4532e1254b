/* Unit tests for report.c: the text and JSON renderings of a report, their exact layout, and
 * their bounds under hostile input and small scratch buffers. Runs as a standalone Check
 * program; exits nonzero if any test fails.
 *
 * Every record any test produces goes through emit(), which checks what must always hold:
 * nothing written past the scratch, every text line starting with its "stallwatch #N " prefix
 * and free of raw control bytes, every JSON record a single line accepted by the strict
 * validator below. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "support.h"

/* ---- recording and checking every record ------------------------------------------------ */

/* ck_assert records every passed assertion through a pipe; loops only call Check on failure. */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

#define MAX_RECORDS 20000
#define CANARY      0xa5

static char arena[1 << 24];
static size_t arena_used;
static struct {
    const char *p;
    size_t n;
} recs[MAX_RECORDS];
static unsigned nrecs;
static char scratch[(1 << 20) + 64];

static void record(void *ctx, const char *rec, size_t len)
{
    (void)ctx;
    REQUIRE(nrecs < MAX_RECORDS && arena_used + len + 1 <= sizeof(arena), "too many records");
    REQUIRE(rec >= scratch && rec + len < scratch + sizeof(scratch), "record outside scratch");
    memcpy(arena + arena_used, rec, len);
    arena[arena_used + len] = '\0';
    recs[nrecs].p = arena + arena_used;
    recs[nrecs].n = len;
    arena_used += len + 1;
    nrecs++;
}

static void check_text_record(const struct sw_report *r, const char *p, size_t n)
{
    char prefix[32];
    int pl = snprintf(prefix, sizeof(prefix), "stallwatch #%u ", r->number);

    REQUIRE(n >= (size_t)pl && memcmp(p, prefix, (size_t)pl) == 0, "line without prefix: %s", p);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        REQUIRE(c >= 0x20 && c != 0x7f, "raw control byte 0x%02x in line: %s", c, p);
        REQUIRE(!(c == 0xc2 && i + 1 < n && (unsigned char)p[i + 1] < 0xa0), "raw C1: %s", p);
    }
}

/* Renders r with a scratch of cap bytes and checks what holds for every rendering: nothing
 * written past cap, records shorter than cap, every text line well formed, the JSON record
 * valid, one line and (from the minimum scratch up) present. Returns the records. */
static unsigned emit(const struct sw_report *r, enum sw_format fmt, size_t cap)
{
    unsigned n;

    ck_assert_uint_le(cap + 64, sizeof(scratch));
    nrecs = 0;
    arena_used = 0;
    memset(scratch + cap, CANARY, 64);
    n = sw_report_emit(r, fmt, scratch, cap, record, NULL);
    REQUIRE(n == nrecs, "returned %u, emitted %u", n, nrecs);
    for (size_t i = cap; i < cap + 64; i++)
        REQUIRE((unsigned char)scratch[i] == CANARY, "wrote past cap %zu", cap);
    for (unsigned i = 0; i < nrecs; i++) {
        REQUIRE(recs[i].n < cap, "record %u longer than the scratch", i);
        if (fmt == SW_FORMAT_TEXT) {
            check_text_record(r, recs[i].p, recs[i].n);
        } else {
            REQUIRE(memchr(recs[i].p, '\n', recs[i].n) == NULL, "JSON record spans lines");
            REQUIRE(json_valid(recs[i].p, recs[i].n), "invalid JSON (cap %zu): %s", cap, recs[i].p);
        }
    }
    if (fmt == SW_FORMAT_JSON) {
        REQUIRE(nrecs <= 1, "JSON must be one record");
        if (cap >= SW_REPORT_MIN_SCRATCH)
            REQUIRE(nrecs == 1, "no JSON record at cap %zu", cap);
    }
    return n;
}

static const char *json_of(const struct sw_report *r, size_t cap)
{
    emit(r, SW_FORMAT_JSON, cap);
    ck_assert_uint_eq(nrecs, 1);
    return recs[0].p;
}

/* ---- fixtures --------------------------------------------------------------------------- */

#define LIBC     "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define LIBC_BID "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"

static const struct sw_frame lock_frames[3] = {
    {0x7f3a12345678, LIBC, 0x8a0b4, LIBC_BID, "__futex_abstimed_wait_common",
     "./nptl/futex-internal.c", 57},
    {0x7f3a1234a0c1, LIBC, 0x8f0c1, LIBC_BID, "___pthread_mutex_lock",
     "./nptl/pthread_mutex_lock.c", 93},
    {0x55d0c8a2b1f3, "/usr/local/bin/abba", 0x21f3, "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567",
     NULL, NULL, 0},
};

static struct sw_thread_report lock_thread(void)
{
    struct sw_thread_report t = {
        .tid = 4243,
        .name = "worker-a",
        .call = "pthread_mutex_lock",
        .cls = SW_CLASS_LOCK,
        .waited_ms = 5012,
        .objkind = SW_OBJ_ADDR,
        .object = 0x55d0c8a4b0a0,
        .state = 'S',
        .wchan = "futex_wait_queue",
        .capture = "signal",
        .frames = lock_frames,
        .nframes = 3,
    };
    return t;
}

static struct sw_report report_of(const struct sw_thread_report *t, unsigned n)
{
    struct sw_report r = {
        .event = "stall",
        .number = 1,
        .pid = 4242,
        .process = "abba",
        .time_ns = 1795761340123456789u, /* 2026-11-27T06:35:40.123Z */
        .threads = t,
        .nthreads = n,
    };
    return r;
}

/* The first line of a one-thread report: the part the object and waited tests look at. */
static const char *first_line(const struct sw_thread_report *t)
{
    struct sw_report r = report_of(t, 1);

    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_uint_ge(nrecs, 1);
    return recs[0].p;
}

/* The text line of f as the only frame of the lock stall (after its head and state lines). */
static const char *line_of_frame(const struct sw_frame *f)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.frames = f;
    t.nframes = 1;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_uint_eq(nrecs, 3);
    return recs[2].p;
}

/* The JSON of f as the only frame of the lock stall: the text inside "frames":[...]. */
static const char *json_of_frame(const struct sw_frame *f)
{
    static char out[4096];
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    const char *s, *e;

    t.frames = f;
    t.nframes = 1;
    s = strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), "\"frames\":[");
    ck_assert_ptr_nonnull(s);
    s += strlen("\"frames\":[");
    e = strstr(s, "]}]}");
    ck_assert_ptr_nonnull(e);
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return out;
}

/* Hostile strings: kind selects the content, all NUL-terminated, len bytes long. */
enum { HOSTILE_KINDS = 9 };
static void make_hostile(char *s, size_t len, unsigned kind, uint64_t *seed)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t x;
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        x = *seed;
        switch (kind) {
        case 0:
            s[i] = '"';
            break;
        case 1:
            s[i] = '\\';
            break;
        case 2:
            s[i] = '\n';
            break;
        case 3:
            s[i] = (char)(1 + i % 255);
            break; /* every byte but NUL */
        case 4:
            s[i] = (char)(1 + x % 255);
            break;
        case 5:
            s[i] = (char)(0x80 + x % 0x80);
            break; /* mostly invalid UTF-8 */
        case 6:
            s[i] = "\xf0\x9f\x98\x80"[i % 4];
            break; /* valid 4-byte sequences */
        case 7:
            s[i] = '\x01';
            break; /* worst-case JSON expansion */
        default:
            s[i] = "\xc2\x9b\x1b\xe2\x82\"\\\n"[x % 8];
            break;
        }
    }
    s[len] = '\0';
}

#define HOSTILE_LEN 4096
#define NFIELDS     18
static char hostile[NFIELDS][HOSTILE_LEN + 1];
static const pid_t hostile_tids[SW_REPORT_TIDS_MAX + 5] = {
    INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN,
    INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN,
    INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN,
    INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN,
    INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN};

/* Fills every string of a report with hostile content; the caller's arrays hold it. Every
 * thread also gets three Python frames (hostile, hostile with an unknown line, all unknown). */
static void hostile_report(struct sw_report *r, struct sw_thread_report *t, unsigned nthreads,
                           struct sw_frame *f, unsigned nframes, uint64_t seed)
{
    static struct sw_py_frame py[3];

    for (unsigned k = 0; k < NFIELDS; k++)
        make_hostile(hostile[k], HOSTILE_LEN - (seed % 3) * (k % 2),
                     (unsigned)((seed + k) % HOSTILE_KINDS), &seed);
    py[0] = (struct sw_py_frame){hostile[16], hostile[17], UINT32_MAX};
    py[1] = (struct sw_py_frame){hostile[17], hostile[16], 0};
    py[2] = (struct sw_py_frame){NULL, NULL, 0};
    for (unsigned i = 0; i < nframes; i++) {
        f[i] = (struct sw_frame){.pc = UINT64_MAX - i,
                                 .module = hostile[0],
                                 .offset = UINT64_MAX,
                                 .build_id = hostile[1],
                                 .function = hostile[2],
                                 .file = hostile[3],
                                 .line = UINT32_MAX,
                                 .inlined = (i + seed) % 2 == 0};
    }
    for (unsigned i = 0; i < nthreads; i++) {
        t[i] = (struct sw_thread_report){
            .tid = INT32_MIN,
            .name = hostile[4],
            .call = hostile[5],
            .cls = SW_CLASS_LOCK,
            .waited_ms = UINT64_MAX,
            .objkind = (enum sw_objkind)((seed + i) % 6),
            .object = UINT64_MAX,
            .fd = INT32_MIN,
            .fd_target = hostile[6],
            .path = hostile[6],
            .state = (char)(seed % 256 ? seed % 256 : '"'),
            .wchan = hostile[7],
            .capture = hostile[8],
            .note = hostile[9],
            .role = i ? hostile[12] : NULL,
            .owner_tid = INT32_MIN,
            .owner_pid = INT32_MIN,
            .owner_process = hostile[13],
            .scope = hostile[14],
            .count = UINT32_MAX,
            .tids = hostile_tids,
            .ntids = SW_REPORT_TIDS_MAX + 5,
            .frames = f,
            .nframes = nframes,
            .python_frames = py,
            .npython_frames = 3,
        };
    }
    *r = (struct sw_report){.event = hostile[10],
                            .number = UINT32_MAX,
                            .stall_report = UINT32_MAX,
                            .fingerprint = hostile[15],
                            .suppressed = UINT32_MAX,
                            .pid = INT32_MIN,
                            .process = hostile[11],
                            .time_ns = UINT64_MAX,
                            .threads = t,
                            .nthreads = nthreads};
}

/* Frames kept per thread in a JSON record (benign strings only: counts markers). */
static unsigned frames_per_thread(const char *json, unsigned *counts, unsigned max)
{
    unsigned nt = 0;
    const char *p = json;

    while ((p = strstr(p, "{\"tid\":")) != NULL) {
        const char *next = strstr(p + 1, "{\"tid\":");
        unsigned c = 0;
        for (const char *q = p; (q = strstr(q, "{\"pc\":")) != NULL && (!next || q < next); q++)
            c++;
        ck_assert_uint_lt(nt, max);
        counts[nt++] = c;
        p++;
    }
    return nt;
}

/* ---- text: the spec's example ----------------------------------------------------------- */

START_TEST(test_text_lock_stall_matches_spec_example)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    ck_assert_uint_eq(emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH), 5);
    ck_assert_str_eq(recs[0].p, "stallwatch #1 stall pid=4242 process=\"abba\" tid=4243 "
                                "name=\"worker-a\" call=pthread_mutex_lock class=lock "
                                "object=0x55d0c8a4b0a0 waited=5.01s");
    ck_assert_str_eq(recs[1].p, "stallwatch #1 state=S wchan=futex_wait_queue capture=signal");
    ck_assert_str_eq(recs[2].p, "stallwatch #1 #0 0x7f3a12345678 __futex_abstimed_wait_common "
                                "(./nptl/futex-internal.c:57) [" LIBC "+0x8a0b4]");
    ck_assert_str_eq(recs[3].p, "stallwatch #1 #1 0x7f3a1234a0c1 ___pthread_mutex_lock "
                                "(./nptl/pthread_mutex_lock.c:93) [" LIBC "+0x8f0c1]");
    ck_assert_str_eq(recs[4].p, "stallwatch #1 #2 0x55d0c8a2b1f3 ?? [/usr/local/bin/abba+0x21f3] "
                                "build-id=0f1e2d3c4b5a69788796a5b4c3d2e1f001234567");
}
END_TEST

START_TEST(test_text_event_name_comes_from_the_report)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    r.event = "slow";
    r.number = 12;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert(strncmp(recs[0].p, "stallwatch #12 slow pid=4242 ", 29) == 0);
    r.event = NULL;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert(strncmp(recs[0].p, "stallwatch #12 unknown pid=4242 ", 32) == 0);
}
END_TEST

/* ---- text: waited ----------------------------------------------------------------------- */

static const char *waited(uint64_t ms)
{
    struct sw_thread_report t = lock_thread();
    const char *l;

    t.waited_ms = ms;
    l = first_line(&t);
    return strstr(l, " waited=") + 8;
}

START_TEST(test_text_waited_under_a_second_is_in_milliseconds)
{
    ck_assert_str_eq(waited(0), "0ms");
    ck_assert_str_eq(waited(750), "750ms");
    ck_assert_str_eq(waited(999), "999ms");
}
END_TEST

START_TEST(test_text_waited_from_a_second_is_seconds_truncated_to_two_decimals)
{
    ck_assert_str_eq(waited(1000), "1.00s");
    ck_assert_str_eq(waited(5012), "5.01s");
    ck_assert_str_eq(waited(1999), "1.99s");
    ck_assert_str_eq(waited(61000), "61.00s");
    ck_assert_str_eq(waited(3600009), "3600.00s");
    ck_assert_str_eq(waited(UINT64_MAX), "18446744073709551.61s");
}
END_TEST

/* ---- text: the object part -------------------------------------------------------------- */

static const char *object_part(enum sw_objkind k, uint64_t obj, int fd, const char *target,
                               const char *path)
{
    struct sw_thread_report t = lock_thread();
    const char *l, *s;
    static char out[256];

    t.objkind = k;
    t.object = obj;
    t.fd = fd;
    t.fd_target = target;
    t.path = path;
    l = first_line(&t);
    s = strstr(l, " class=lock") + strlen(" class=lock");
    memcpy(out, s, (size_t)(strstr(s, " waited=") - s));
    out[strstr(s, " waited=") - s] = '\0';
    return out;
}

START_TEST(test_text_object_part_for_each_object_kind)
{
    ck_assert_str_eq(object_part(SW_OBJ_ADDR, 0xdeadbeef, 0, NULL, NULL), " object=0xdeadbeef");
    ck_assert_str_eq(object_part(SW_OBJ_THREAD, 0x7f00aa, 0, NULL, NULL), " thread=0x7f00aa");
    ck_assert_str_eq(object_part(SW_OBJ_FD, 0, 3, "pipe:[123]", NULL),
                     " fd=3 fd_target=\"pipe:[123]\"");
    ck_assert_str_eq(object_part(SW_OBJ_FD, 0, 3, NULL, NULL), " fd=3");
    ck_assert_str_eq(object_part(SW_OBJ_FD, 0, -1, NULL, NULL), " fd=-1");
    ck_assert_str_eq(object_part(SW_OBJ_PID, 1234, 0, NULL, NULL), " child=1234");
    ck_assert_str_eq(object_part(SW_OBJ_PID, (uint64_t)-1, 0, NULL, NULL), " child=any");
    ck_assert_str_eq(object_part(SW_OBJ_PID, 0, 0, NULL, NULL), " child=0");
    ck_assert_str_eq(object_part(SW_OBJ_PID, (uint64_t)-77, 0, NULL, NULL), " child=-77");
    ck_assert_str_eq(object_part(SW_OBJ_PATH, 0, 0, NULL, "/tmp/fifo"), " path=\"/tmp/fifo\"");
    ck_assert_str_eq(object_part(SW_OBJ_PATH, 0, 0, NULL, NULL), "");
    ck_assert_str_eq(object_part(SW_OBJ_NONE, 0xdead, 4, "x", "y"), "");
    ck_assert_str_eq(object_part((enum sw_objkind)99, 0xdead, 4, "x", "y"), "");
}
END_TEST

/* The objects and marks of the calls the kernel fallback and the new wrappers report: a
 * lookup's query, a SysV id, system()'s child, the lock a futex wait is on, "kernel". */
START_TEST(test_query_ipc_child_lock_and_kernel_in_both_formats)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.objkind = SW_OBJ_QUERY;
    t.query = "db.example.com:5432";
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " class=lock query=\"db.example.com:5432\" waited="));
    ck_assert_ptr_nonnull(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH),
                                 "\"waited_ms\":5012,\"query\":\"db.example.com:5432\",\"state\""));
    t.query = NULL;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " class=lock waited="));

    t.objkind = SW_OBJ_IPC;
    t.object = 7;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " class=lock ipc_id=7 waited="));
    ck_assert_ptr_nonnull(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), "\"ipc_id\":7,\"state\""));

    t.objkind = SW_OBJ_CHILD;
    t.object = 4321;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " class=lock child=4321 waited="));
    t.object = 0;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " class=lock waited="));

    t.objkind = SW_OBJ_ADDR;
    t.object = 0x1000;
    t.lock = "stdout's stdio lock";
    t.kernel = true;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " object=0x1000 lock=\"stdout's stdio lock\" waited="));
    ck_assert_str_eq(recs[1].p,
                     "stallwatch #1 kernel state=S wchan=futex_wait_queue capture=signal");
    const char *j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(j, "\"object\":\"0x1000\",\"lock\":\"stdout's stdio lock\""));
    ck_assert_ptr_nonnull(strstr(j, "\"kernel\":true,\"state\":\"S\""));
    t.kernel = false;
    ck_assert_ptr_null(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), "kernel"));
}
END_TEST

START_TEST(test_text_quoted_fields_escape_quotes_and_newlines)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.name = "a\"b\nc";
    t.objkind = SW_OBJ_PATH;
    t.path = "/tmp/x\" injected=\"1";
    r.process = "p\\q";
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " process=\"p\\\\q\" "));
    ck_assert_ptr_nonnull(strstr(recs[0].p, " name=\"a\\\"b\\nc\" "));
    ck_assert_ptr_nonnull(strstr(recs[0].p, " path=\"/tmp/x\\\" injected=\\\"1\" "));
}
END_TEST

/* A program that rewrites its command line (postgres, nginx) keeps its name; the rewritten
 * line is the title, and the comm shows only where it differs from the name. */
START_TEST(test_process_comm_and_title_follow_the_pid_in_both_formats)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    r.process = "postgres";
    r.comm = "bgworker";
    r.title = "postgres: walwriter \"x\"";
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " pid=4242 process=\"postgres\" comm=\"bgworker\" "
                                            "title=\"postgres: walwriter \\\"x\\\"\" tid="));
    const char *j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(j, "\"pid\":4242,\"process\":\"postgres\",\"comm\":\"bgworker\","
                                    "\"title\":\"postgres: walwriter \\\"x\\\"\",\"time\""));
    r.comm = NULL;
    r.title = NULL;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_null(strstr(recs[0].p, "comm="));
    ck_assert_ptr_null(strstr(recs[0].p, "title="));
}
END_TEST

START_TEST(test_text_unknown_name_and_process_are_omitted)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.name = NULL;
    r.process = NULL;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert(strncmp(recs[0].p, "stallwatch #1 stall pid=4242 tid=4243 call=", 43) == 0);
}
END_TEST

START_TEST(test_text_unknown_call_is_question_marks)
{
    struct sw_thread_report t = lock_thread();

    t.call = NULL;
    ck_assert_ptr_nonnull(strstr(first_line(&t), " call=?? class=lock "));
}
END_TEST

/* ---- text: state and note lines --------------------------------------------------------- */

START_TEST(test_text_state_line_omits_unknown_parts)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.nframes = 0;
    t.state = 0;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_str_eq(recs[1].p, "stallwatch #1 wchan=futex_wait_queue capture=signal");
    t.wchan = NULL;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_str_eq(recs[1].p, "stallwatch #1 capture=signal");
    t.state = 'D';
    t.capture = NULL;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_str_eq(recs[1].p, "stallwatch #1 state=D");
}
END_TEST

START_TEST(test_text_state_line_is_omitted_when_all_unknown)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.state = 0;
    t.wchan = NULL;
    t.capture = NULL;
    ck_assert_uint_eq(emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH), 4);
    ck_assert(strncmp(recs[1].p, "stallwatch #1 #0 ", 17) == 0);
}
END_TEST

START_TEST(test_text_note_line_follows_state_line_and_is_escaped)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.note = "stack taken from /proc:\nno \"signal\"";
    ck_assert_uint_eq(emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH), 6);
    ck_assert_str_eq(recs[2].p, "stallwatch #1 note: stack taken from /proc:\\nno \\\"signal\\\"");
    ck_assert(strncmp(recs[3].p, "stallwatch #1 #0 ", 17) == 0);
}
END_TEST

/* ---- text: frames ----------------------------------------------------------------------- */

START_TEST(test_text_frame_without_file_omits_parentheses)
{
    struct sw_frame f = {0x10, "/lib/m.so", 0x20, "bid", "fn", NULL, 12};

    ck_assert_str_eq(line_of_frame(&f), "stallwatch #1 #0 0x10 fn [/lib/m.so+0x20]");
}
END_TEST

START_TEST(test_text_frame_file_without_line_has_no_colon)
{
    struct sw_frame f = {0x10, "/lib/m.so", 0x20, "bid", "fn", "m.c", 0};

    ck_assert_str_eq(line_of_frame(&f), "stallwatch #1 #0 0x10 fn (m.c) [/lib/m.so+0x20]");
}
END_TEST

START_TEST(test_text_frame_without_module_omits_brackets)
{
    struct sw_frame f = {0x10, NULL, 0x20, NULL, "fn", "m.c", 9};

    ck_assert_str_eq(line_of_frame(&f), "stallwatch #1 #0 0x10 fn (m.c:9)");
}
END_TEST

START_TEST(test_text_unknown_function_prints_question_marks_and_build_id)
{
    struct sw_frame f = {0x10, "/lib/m.so", 0x20, "abcdef", NULL, NULL, 0};
    struct sw_frame g = {0x10, NULL, 0, NULL, NULL, NULL, 0};

    ck_assert_str_eq(line_of_frame(&f),
                     "stallwatch #1 #0 0x10 ?? [/lib/m.so+0x20] build-id=abcdef");
    ck_assert_str_eq(line_of_frame(&g), "stallwatch #1 #0 0x10 ??");
}
END_TEST

START_TEST(test_text_build_id_only_when_function_is_unknown)
{
    struct sw_frame f = {0x10, "/lib/m.so", 0x20, "abcdef", "fn", NULL, 0};

    ck_assert_ptr_null(strstr(line_of_frame(&f), "build-id"));
}
END_TEST

START_TEST(test_text_frame_strings_are_escaped_unquoted)
{
    struct sw_frame f = {0x10, "/lib/a b\n.so", 0x20, NULL, "operator\"\"_x", "dir\\f.c", 1};

    ck_assert_str_eq(line_of_frame(&f), "stallwatch #1 #0 0x10 operator\\\"\\\"_x (dir\\\\f.c:1) "
                                        "[/lib/a b\\n.so+0x20]");
}
END_TEST

/* ---- text: several threads -------------------------------------------------------------- */

START_TEST(test_text_further_threads_get_a_thread_header_and_their_own_frame_numbers)
{
    struct sw_thread_report t[2] = {lock_thread(), lock_thread()};
    struct sw_report r = report_of(t, 2);

    t[1].tid = 4244;
    t[1].name = "owner";
    t[1].call = "read";
    t[1].cls = SW_CLASS_PEER;
    t[1].waited_ms = 750;
    t[1].objkind = SW_OBJ_FD;
    t[1].fd = 7;
    t[1].fd_target = "socket:[456]";
    t[1].state = 'S';
    t[1].wchan = NULL;
    t[1].capture = "proc";
    t[1].nframes = 2;
    ck_assert_uint_eq(emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH), 9);
    ck_assert_str_eq(recs[5].p, "stallwatch #1 thread tid=4244 name=\"owner\" call=read class=peer "
                                "fd=7 fd_target=\"socket:[456]\" waited=750ms");
    ck_assert_str_eq(recs[6].p, "stallwatch #1 state=S capture=proc");
    ck_assert(strncmp(recs[7].p, "stallwatch #1 #0 0x7f3a12345678 ", 32) == 0);
    ck_assert(strncmp(recs[8].p, "stallwatch #1 #1 0x7f3a1234a0c1 ", 32) == 0);
}
END_TEST

START_TEST(test_text_report_without_threads_is_one_line)
{
    struct sw_report r = report_of(NULL, 3); /* threads NULL: count ignored */

    ck_assert_uint_eq(emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH), 1);
    ck_assert_str_eq(recs[0].p, "stallwatch #1 stall pid=4242 process=\"abba\"");
}
END_TEST

START_TEST(test_text_frames_pointer_null_means_no_frames)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.frames = NULL;
    ck_assert_uint_eq(emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH), 2);
}
END_TEST

/* ---- text: bounds ----------------------------------------------------------------------- */

START_TEST(test_every_text_line_starts_with_report_prefix)
{
    static struct sw_thread_report t[4];
    static struct sw_frame f[8];
    struct sw_report r;

    for (uint64_t seed = 1; seed < 40; seed++) {
        hostile_report(&r, t, 4, f, 8, seed);
        r.number = (unsigned)(seed * 2654435761u);
        emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH + (size_t)seed * 97); /* checks prefix */
        REQUIRE(nrecs >= 4 * 9 + 1, "lines missing: %u", nrecs);
    }
}
END_TEST

START_TEST(test_text_line_never_contains_newline)
{
    static struct sw_thread_report t[2];
    static struct sw_frame f[3];
    struct sw_report r;

    for (uint64_t seed = 100; seed < 160; seed++) {
        hostile_report(&r, t, 2, f, 3, seed);
        emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH); /* checks every byte of every line */
        for (unsigned i = 0; i < nrecs; i++)
            REQUIRE(strlen(recs[i].p) == recs[i].n, "NUL inside a line");
    }
}
END_TEST

START_TEST(test_text_hostile_strings_never_push_out_the_first_lines_fields)
{
    static struct sw_thread_report t[1];
    static struct sw_frame f[1];
    struct sw_report r;

    for (uint64_t seed = 1; seed < 30; seed++) {
        const char *l;
        hostile_report(&r, t, 1, f, 1, seed);
        t[0].objkind = SW_OBJ_FD;
        emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
        l = recs[0].p;
        REQUIRE(strstr(l, " tid=-2147483648 name=\"") != NULL, "tid lost: %s", l);
        REQUIRE(strstr(l, " class=lock fd=-2147483648 fd_target=\"") != NULL, "class lost: %s", l);
        REQUIRE(strstr(l, "\" waited=18446744073709551.61s owner_tid=-2147483648 "
                          "owner_pid=-2147483648 owner_process=\"") != NULL,
                "waited or owner lost: %s", l);
        REQUIRE(recs[0].n > 17 && strcmp(l + recs[0].n - 17, " count=4294967295") == 0,
                "count lost: %s", l);
    }
}
END_TEST

START_TEST(test_text_long_string_is_cut_with_ellipsis_at_a_character_boundary)
{
    static char name[4097];
    struct sw_thread_report t = lock_thread();
    const char *l, *s, *e;

    for (size_t i = 0; i < 4096; i += 2)
        memcpy(name + i, "\xc3\xa9", 2);
    t.name = name;
    l = first_line(&t);
    s = strstr(l, " name=\"") + 7;
    e = strstr(s, "...\" call=");
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_gt((size_t)(e - s), 100);
    ck_assert((e - s) % 2 == 0);
    ck_assert(memcmp(s, name, (size_t)(e - s)) == 0);
}
END_TEST

START_TEST(test_text_line_longer_than_scratch_is_cut_with_ellipsis)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    for (size_t cap = 64; cap < 160; cap++) {
        emit(&r, SW_FORMAT_TEXT, cap);
        REQUIRE(nrecs == 5, "lines: %u", nrecs);
        for (unsigned i = 0; i < nrecs; i++) {
            REQUIRE(recs[i].n <= cap - 1, "too long");
            if (recs[i].n == cap - 1 || recs[i].n > cap - 4)
                REQUIRE(strcmp(recs[i].p + recs[i].n - 3, "...") == 0, "cut without ...: %s",
                        recs[i].p);
        }
    }
    emit(&r, SW_FORMAT_TEXT, 100);
    ck_assert_str_eq(recs[0].p, "stallwatch #1 stall pid=4242 process=\"abba\" tid=4243 "
                                "name=\"worker-a\" call=pthread_mutex_lock...");
}
END_TEST

START_TEST(test_text_cut_line_keeps_whole_characters)
{
    static char name[4097];
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    for (size_t i = 0; i < 4095; i += 3)
        memcpy(name + i, "\xe2\x82\xac", 3);
    t.name = name;
    for (size_t cap = 64; cap < 200; cap++) {
        emit(&r, SW_FORMAT_TEXT, cap);
        REQUIRE(strstr(recs[0].p, "\\x") == NULL, "a character was split: %s", recs[0].p);
    }
}
END_TEST

/* ---- JSON: the spec's example ----------------------------------------------------------- */

START_TEST(test_json_lock_stall_matches_spec_example)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    ck_assert_uint_eq(emit(&r, SW_FORMAT_JSON, SW_REPORT_MIN_SCRATCH), 1);
    ck_assert_str_eq(
        recs[0].p,
        "{\"event\":\"stall\",\"report\":1,\"pid\":4242,\"process\":\"abba\","
        "\"time\":\"2026-11-27T06:35:40.123Z\",\"threads\":[{\"tid\":4243,\"name\":\"worker-a\","
        "\"call\":\"pthread_mutex_lock\",\"class\":\"lock\",\"waited_ms\":5012,"
        "\"object\":\"0x55d0c8a4b0a0\",\"state\":\"S\",\"wchan\":\"futex_wait_queue\","
        "\"capture\":\"signal\",\"frames\":["
        "{\"pc\":\"0x7f3a12345678\",\"module\":\"" LIBC "\",\"offset\":\"0x8a0b4\","
        "\"build_id\":\"" LIBC_BID "\",\"function\":\"__futex_abstimed_wait_common\","
        "\"file\":\"./nptl/futex-internal.c\",\"line\":57},"
        "{\"pc\":\"0x7f3a1234a0c1\",\"module\":\"" LIBC "\",\"offset\":\"0x8f0c1\","
        "\"build_id\":\"" LIBC_BID "\",\"function\":\"___pthread_mutex_lock\","
        "\"file\":\"./nptl/pthread_mutex_lock.c\",\"line\":93},"
        "{\"pc\":\"0x55d0c8a2b1f3\",\"module\":\"/usr/local/bin/abba\",\"offset\":\"0x21f3\","
        "\"build_id\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f001234567\"}]}]}");
}
END_TEST

START_TEST(test_json_event_name_comes_from_the_report)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    r.event = "slow \"call\"";
    ck_assert(
        strncmp(json_of(&r, SW_REPORT_MIN_SCRATCH), "{\"event\":\"slow \\\"call\\\"\",", 25) == 0);
}
END_TEST

START_TEST(test_json_object_part_for_each_object_kind)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    struct {
        enum sw_objkind k;
        uint64_t obj;
        int fd;
        const char *target, *path, *want;
    } cases[] = {
        {SW_OBJ_ADDR, 0xdeadbeef, 0, NULL, NULL,
         "\"waited_ms\":5012,\"object\":\"0xdeadbeef\",\"state\""},
        {SW_OBJ_THREAD, 0x7f00aa, 0, NULL, NULL,
         "\"waited_ms\":5012,\"thread\":\"0x7f00aa\",\"state\""},
        {SW_OBJ_FD, 0, 3, "pipe:[123]", NULL,
         "\"waited_ms\":5012,\"fd\":3,\"fd_target\":\"pipe:[123]\",\"state\""},
        {SW_OBJ_FD, 0, 3, NULL, NULL, "\"waited_ms\":5012,\"fd\":3,\"state\""},
        {SW_OBJ_PID, 1234, 0, NULL, NULL, "\"waited_ms\":5012,\"child\":1234,\"state\""},
        {SW_OBJ_PID, (uint64_t)-1, 0, NULL, NULL, "\"waited_ms\":5012,\"child\":-1,\"state\""},
        {SW_OBJ_PATH, 0, 0, NULL, "/tmp/fifo",
         "\"waited_ms\":5012,\"path\":\"/tmp/fifo\",\"state\""},
        {SW_OBJ_PATH, 0, 0, NULL, NULL, "\"waited_ms\":5012,\"state\""},
        {SW_OBJ_NONE, 1, 1, "x", "y", "\"waited_ms\":5012,\"state\""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t.objkind = cases[i].k;
        t.object = cases[i].obj;
        t.fd = cases[i].fd;
        t.fd_target = cases[i].target;
        t.path = cases[i].path;
        ck_assert_msg(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), cases[i].want) != NULL,
                      "case %zu: %s", i, recs[0].p);
    }
}
END_TEST

START_TEST(test_json_omits_unknown_optional_fields_instead_of_null)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    const char *j;

    t.name = NULL;
    t.state = 0;
    t.wchan = NULL;
    t.capture = NULL;
    t.note = NULL;
    t.nframes = 0;
    r.process = NULL;
    j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_str_eq(j, "{\"event\":\"stall\",\"report\":1,\"pid\":4242,"
                        "\"time\":\"2026-11-27T06:35:40.123Z\",\"threads\":[{\"tid\":4243,"
                        "\"call\":\"pthread_mutex_lock\",\"class\":\"lock\",\"waited_ms\":5012,"
                        "\"object\":\"0x55d0c8a4b0a0\",\"frames\":[]}]}");
    ck_assert_ptr_null(strstr(j, "null"));
}
END_TEST

START_TEST(test_json_thread_keys_are_in_spec_order)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    static const char *keys[] = {
        "\"event\":",     "\"report\":",   "\"pid\":",       "\"process\":", "\"time\":",
        "\"threads\":",   "\"tid\":",      "\"name\":",      "\"call\":",    "\"class\":",
        "\"waited_ms\":", "\"fd\":",       "\"fd_target\":", "\"state\":",   "\"wchan\":",
        "\"capture\":",   "\"note\":",     "\"frames\":",    "\"pc\":",      "\"module\":",
        "\"offset\":",    "\"build_id\":", "\"function\":",  "\"file\":",    "\"line\":"};
    const char *j, *at;

    t.objkind = SW_OBJ_FD;
    t.fd_target = "f";
    t.note = "n";
    t.nframes = 1;
    j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    at = j;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *k = strstr(j, keys[i]);
        ck_assert_msg(k != NULL && k >= at, "key %s out of order in %s", keys[i], j);
        at = k;
    }
}
END_TEST

START_TEST(test_json_frame_omits_unknown_parts)
{
    struct sw_frame f1 = {0x10, NULL, 0x20, NULL, "fn", "m.c", 9};
    struct sw_frame f2 = {0x10, "/m.so", 0x20, NULL, NULL, NULL, 9};
    struct sw_frame f3 = {0x10, NULL, 0, "bid", "fn", "m.c", 0};
    struct sw_frame f4 = {0x10, NULL, 0, NULL, NULL, NULL, 0};

    ck_assert_str_eq(json_of_frame(&f1), "{\"pc\":\"0x10\",\"function\":\"fn\",\"file\":\"m.c\","
                                         "\"line\":9}");
    ck_assert_str_eq(json_of_frame(&f2),
                     "{\"pc\":\"0x10\",\"module\":\"/m.so\",\"offset\":\"0x20\"}");
    ck_assert_str_eq(json_of_frame(&f3),
                     "{\"pc\":\"0x10\",\"build_id\":\"bid\",\"function\":\"fn\","
                     "\"file\":\"m.c\"}");
    ck_assert_str_eq(json_of_frame(&f4), "{\"pc\":\"0x10\"}");
}
END_TEST

START_TEST(test_json_unknown_call_and_event_still_render_as_strings)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    const char *j;

    t.call = NULL;
    r.event = NULL;
    j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(j, "{\"event\":\"unknown\","));
    ck_assert_ptr_nonnull(strstr(j, ",\"call\":\"??\","));
}
END_TEST

START_TEST(test_json_numbers_at_their_limits)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    struct sw_frame f = {UINT64_MAX, "m", UINT64_MAX, NULL, NULL, "f", UINT32_MAX};
    const char *j;

    t.tid = INT32_MIN;
    t.waited_ms = UINT64_MAX;
    t.objkind = SW_OBJ_FD;
    t.fd = INT32_MIN;
    t.frames = &f;
    t.nframes = 1;
    r.pid = INT32_MAX;
    r.number = UINT32_MAX;
    r.time_ns = UINT64_MAX;
    j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(j, "\"report\":4294967295,\"pid\":2147483647,"));
    ck_assert_ptr_nonnull(strstr(j, "\"time\":\"2554-07-21T23:34:33.709Z\""));
    ck_assert_ptr_nonnull(strstr(j, "\"tid\":-2147483648,"));
    ck_assert_ptr_nonnull(strstr(j, "\"waited_ms\":18446744073709551615,\"fd\":-2147483648,"));
    ck_assert_ptr_nonnull(strstr(j, "{\"pc\":\"0xffffffffffffffff\",\"module\":\"m\","
                                    "\"offset\":\"0xffffffffffffffff\",\"file\":\"f\","
                                    "\"line\":4294967295}"));
}
END_TEST

START_TEST(test_json_state_letter_is_escaped)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.state = '"';
    ck_assert_ptr_nonnull(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), "\"state\":\"\\\"\""));
    t.state = '\n';
    ck_assert_ptr_nonnull(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), "\"state\":\"\\n\""));
    t.state = (char)0xff;
    ck_assert_ptr_nonnull(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), "\"state\":\"\\ufffd\""));
}
END_TEST

START_TEST(test_json_several_threads_in_order)
{
    struct sw_thread_report t[3] = {lock_thread(), lock_thread(), lock_thread()};
    struct sw_report r = report_of(t, 3);
    unsigned counts[8];
    const char *j;

    t[1].tid = 2;
    t[2].tid = 3;
    t[2].nframes = 1;
    j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_uint_eq(frames_per_thread(j, counts, 8), 3);
    ck_assert_uint_eq(counts[0], 3);
    ck_assert_uint_eq(counts[2], 1);
    ck_assert_ptr_nonnull(strstr(j, "]},{\"tid\":2,"));
    ck_assert_ptr_nonnull(strstr(j, "]},{\"tid\":3,"));
    ck_assert_ptr_null(strstr(j, "truncated"));
}
END_TEST

START_TEST(test_json_report_without_threads_has_empty_array)
{
    struct sw_report r = report_of(NULL, 0);

    ck_assert_str_eq(json_of(&r, SW_REPORT_MIN_SCRATCH),
                     "{\"event\":\"stall\",\"report\":1,\"pid\":4242,\"process\":\"abba\","
                     "\"time\":\"2026-11-27T06:35:40.123Z\",\"threads\":[]}");
}
END_TEST

/* ---- JSON: truncation ------------------------------------------------------------------- */

static struct sw_frame many_frames[2000];

static void fill_many_frames(void)
{
    for (unsigned i = 0; i < 2000; i++)
        many_frames[i] = (struct sw_frame){
            0x7f0000001000 + i * 16, LIBC,         0x1000 + i * 16, LIBC_BID, "some_function_name",
            "src/some/file.c",       100 + i % 900};
}

START_TEST(test_untruncated_json_has_no_truncated_key)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    ck_assert_ptr_null(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), "truncated"));
}
END_TEST

START_TEST(test_truncated_json_is_still_valid)
{
    struct sw_thread_report t[3] = {lock_thread(), lock_thread(), lock_thread()};
    struct sw_report r = report_of(t, 3);

    fill_many_frames();
    for (unsigned i = 0; i < 3; i++) {
        t[i].frames = many_frames;
        t[i].nframes = 2000;
    }
    for (size_t cap = SW_REPORT_MIN_SCRATCH; cap < 4 * SW_REPORT_MIN_SCRATCH; cap += 61) {
        const char *j = json_of(&r, cap); /* emit() validates */
        REQUIRE(strstr(j, "\"truncated\":true") != NULL, "not marked: %zu", cap);
    }
}
END_TEST

START_TEST(test_truncated_json_marks_truncated_right_after_time)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    fill_many_frames();
    t.frames = many_frames;
    t.nframes = 100;
    ck_assert_ptr_nonnull(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH),
                                 ".123Z\",\"truncated\":true,\"threads\":[{\"tid\":4243,"));
}
END_TEST

START_TEST(test_truncated_json_drops_frames_from_the_end_of_the_last_thread_first)
{
    struct sw_thread_report t[3] = {lock_thread(), lock_thread(), lock_thread()};
    struct sw_report r = report_of(t, 3);
    unsigned counts[8];

    fill_many_frames();
    for (unsigned i = 0; i < 3; i++) {
        t[i].frames = many_frames;
        t[i].nframes = 12;
    }
    for (size_t cap = SW_REPORT_MIN_SCRATCH; cap < 3 * SW_REPORT_MIN_SCRATCH; cap += 101) {
        const char *j = json_of(&r, cap);
        unsigned nt = frames_per_thread(j, counts, 8);
        bool cut = false;

        REQUIRE(nt == 3, "thread dropped while frames remained");
        for (unsigned i = 0; i < nt; i++) {
            /* once a thread lost frames, every later thread has none */
            REQUIRE(!cut || counts[i] == 0, "thread %u kept frames after a cut (cap %zu)", i, cap);
            if (counts[i] < 12)
                cut = true;
        }
        /* the kept frames are the first ones, in order */
        for (unsigned k = 0; k < counts[0]; k++) {
            char pc[32];
            snprintf(pc, sizeof(pc), "{\"pc\":\"0x%llx\"", (unsigned long long)many_frames[k].pc);
            REQUIRE(strstr(j, pc) != NULL, "frame %u missing", k);
        }
    }
}
END_TEST

START_TEST(test_truncated_json_across_threads_keeps_as_much_as_fits)
{
    struct sw_thread_report t[3] = {lock_thread(), lock_thread(), lock_thread()};
    struct sw_report r = report_of(t, 3);
    size_t one, two, per_frame;

    fill_many_frames();
    for (unsigned i = 0; i < 3; i++) {
        t[i].frames = many_frames; /* the first 12 frames have the same size */
        t[i].nframes = 12;
    }
    t[2].nframes = 1;
    one = strlen(json_of(&r, 1 << 16));
    t[2].nframes = 2;
    two = strlen(json_of(&r, 1 << 16));
    per_frame = two - one;
    t[2].nframes = 12;
    for (size_t cap = SW_REPORT_MIN_SCRATCH; cap < 3 * SW_REPORT_MIN_SCRATCH; cap += 23) {
        size_t len = strlen(json_of(&r, cap));
        if (strstr(recs[0].p, "truncated") == NULL)
            break;
        REQUIRE(len + per_frame > cap - 1, "cap %zu: %zu bytes used, one more frame fits", cap,
                len);
    }
}
END_TEST

START_TEST(test_json_truncated_flag_is_set_exactly_when_something_was_dropped)
{
    struct sw_thread_report t[2] = {lock_thread(), lock_thread()};
    struct sw_report r = report_of(t, 2);
    unsigned counts[4];
    size_t full;

    fill_many_frames();
    t[0].frames = t[1].frames = many_frames;
    t[0].nframes = t[1].nframes = 20;
    full = strlen(json_of(&r, 1 << 16));
    ck_assert_uint_gt(full, SW_REPORT_MIN_SCRATCH + 600);
    for (size_t cap = full - 600; cap <= full + 2; cap++) {
        const char *j = json_of(&r, cap);
        bool all = frames_per_thread(j, counts, 4) == 2 && counts[0] == 20 && counts[1] == 20;
        REQUIRE(all == (strstr(j, "\"truncated\":true") == NULL), "cap %zu: flag wrong", cap);
        REQUIRE(all == (cap > full), "cap %zu: dropped %s", cap, all ? "nothing" : "something");
    }
}
END_TEST

START_TEST(test_truncated_json_drops_first_threads_frames_before_any_thread)
{
    static struct sw_thread_report t[40];
    static char note[300];
    struct sw_report r = report_of(t, 40);
    unsigned counts[64];
    const char *j;

    fill_many_frames();
    memset(note, 'n', sizeof(note) - 1);
    for (unsigned i = 0; i < 40; i++) {
        t[i] = lock_thread();
        t[i].note = note;
        t[i].frames = many_frames;
        t[i].nframes = 5;
    }
    /* 40 headers of ~500 bytes: some headers must go, so every frame must be gone too */
    j = json_of(&r, 3 * SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(j, "\"truncated\":true"));
    ck_assert_uint_lt(frames_per_thread(j, counts, 64), 40);
    ck_assert_uint_eq(counts[0], 0);
}
END_TEST

START_TEST(test_truncated_json_drops_whole_threads_from_the_end_but_never_the_first)
{
    static struct sw_thread_report t[200];
    static char note[400];
    struct sw_report r = report_of(t, 200);
    unsigned counts[256];

    memset(note, 'x', sizeof(note) - 1);
    for (unsigned i = 0; i < 200; i++) {
        t[i] = lock_thread();
        t[i].tid = (pid_t)(1000 + i);
        t[i].note = note;
    }
    for (size_t cap = SW_REPORT_MIN_SCRATCH; cap < 5 * SW_REPORT_MIN_SCRATCH; cap += 499) {
        const char *j = json_of(&r, cap);
        unsigned nt = frames_per_thread(j, counts, 256);

        REQUIRE(nt >= 1 && nt < 200, "threads kept: %u", nt);
        for (unsigned i = 0; i < nt; i++) {
            char tid[32];
            snprintf(tid, sizeof(tid), "{\"tid\":%u,", 1000 + i);
            REQUIRE(strstr(j, tid) != NULL, "thread %u is not among the first kept", i);
            REQUIRE(counts[i] == 0, "frames kept while threads were dropped");
        }
    }
}
END_TEST

START_TEST(test_truncated_json_keeps_as_much_as_fits)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    size_t one, two, per_frame;

    fill_many_frames();
    t.frames = many_frames;
    /* same-sized frames: the first 256 pcs and offsets share their hex width */
    t.nframes = 1;
    one = strlen(json_of(&r, 1 << 16));
    t.nframes = 2;
    two = strlen(json_of(&r, 1 << 16));
    per_frame = two - one; /* a frame and its comma */
    t.nframes = 200;
    for (size_t cap = SW_REPORT_MIN_SCRATCH; cap < 3 * SW_REPORT_MIN_SCRATCH; cap += 37) {
        size_t len = strlen(json_of(&r, cap));
        REQUIRE(len + per_frame > cap - 1, "cap %zu: %zu bytes used, one more frame fits", cap,
                len);
    }
}
END_TEST

START_TEST(test_json_long_string_is_cut_with_ellipsis_inside_quotes)
{
    static char note[4097];
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    const char *j, *s, *e;

    memset(note, 'a', 4096);
    t.note = note;
    j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    s = strstr(j, "\"note\":\"") + 8;
    e = strstr(s, "...\",\"frames\":[");
    ck_assert_ptr_nonnull(e);
    /* Its share: the scratch (less a reserve) over the strings a report may show at once,
     * 12 of a thread's and the report's own, counting process, title, host and job. */
    ck_assert_uint_gt((size_t)(e - s), (SW_REPORT_MIN_SCRATCH - 1024) / 18);
    ck_assert_uint_le((size_t)(e - s + 3), (SW_REPORT_MIN_SCRATCH - 1024) / 12);
    ck_assert(strspn(s, "a") == (size_t)(e - s));
    /* the rest of the report is still there */
    ck_assert_ptr_nonnull(strstr(j, "\"function\":\"__futex_abstimed_wait_common\""));
}
END_TEST

START_TEST(test_json_cut_string_keeps_whole_characters_and_escapes)
{
    static char note[4097];
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    for (int shift = 0; shift < 6; shift++) {
        for (size_t i = 0; i < 4096; i++)
            note[i] = "\xf0\x9f\x98\x80\x01\""[(i + (size_t)shift) % 6];
        note[4096] = '\0';
        t.note = note;
        json_of(&r, SW_REPORT_MIN_SCRATCH); /* validated: no broken UTF-8, no cut escape */
        ck_assert_ptr_nonnull(strstr(recs[0].p, "...\",\"frames\":["));
    }
}
END_TEST

START_TEST(test_json_with_hostile_4k_strings_everywhere_is_valid_at_every_scratch_size)
{
    static struct sw_thread_report t[3];
    static struct sw_frame f[6];
    struct sw_report r;
    uint64_t seed = 1;

    for (size_t cap = SW_REPORT_MIN_SCRATCH; cap < 2 * SW_REPORT_MIN_SCRATCH; cap += 41) {
        hostile_report(&r, t, 3, f, 6, seed++);
        json_of(&r, cap); /* one valid record, never past cap */
        REQUIRE(strstr(recs[0].p, "\"threads\":[{\"tid\":-2147483648,") != NULL,
                "threads[0] lost at %zu", cap);
    }
    for (int i = 0; i < 30; i++) {
        size_t cap = SW_REPORT_MIN_SCRATCH + (size_t)(seed * 7919 % 60000);
        hostile_report(&r, t, 3, f, 6, seed++);
        json_of(&r, cap);
    }
}
END_TEST

START_TEST(test_json_of_every_hostile_kind_in_every_field_at_minimum_scratch)
{
    static struct sw_thread_report t[2];
    static struct sw_frame f[2];
    struct sw_report r;

    for (uint64_t seed = 0; seed < 9 * 6; seed++) {
        hostile_report(&r, t, 2, f, 2, seed);
        t[0].objkind = (enum sw_objkind)(seed % 6);
        json_of(&r, SW_REPORT_MIN_SCRATCH);
        /* every header field of threads[0] survived */
        REQUIRE(strstr(recs[0].p, "\"waited_ms\":18446744073709551615") != NULL, "waited lost");
        REQUIRE(strstr(recs[0].p, ",\"frames\":[") != NULL, "frames key lost");
    }
}
END_TEST

START_TEST(test_json_worst_case_header_fits_minimum_scratch)
{
    static char s7[HOSTILE_LEN + 1];
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    const char *j;

    memset(s7, '\x01', HOSTILE_LEN); /* six bytes of output per input byte */
    t.name = t.call = t.fd_target = t.wchan = t.capture = t.note = s7;
    t.owner_process = t.scope = s7;
    t.owner_tid = t.owner_pid = INT32_MIN;
    t.count = UINT32_MAX;
    t.tids = hostile_tids;
    t.ntids = SW_REPORT_TIDS_MAX;
    r.fingerprint = s7;
    r.stall_report = r.suppressed = UINT32_MAX;
    t.objkind = SW_OBJ_FD;
    t.fd = INT32_MIN;
    t.tid = INT32_MIN;
    t.state = '\x01';
    t.waited_ms = UINT64_MAX;
    t.cls = SW_CLASS_NONE;
    t.nframes = 0;
    r.event = r.process = s7;
    r.number = UINT32_MAX;
    r.pid = INT32_MIN;
    j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_null(strstr(j, "truncated"));
    ck_assert_uint_le(strlen(j), SW_REPORT_MIN_SCRATCH - 1);
}
END_TEST

/* ---- any format: arguments and bounds --------------------------------------------------- */

START_TEST(test_json_below_minimum_scratch_is_valid_or_absent)
{
    static struct sw_thread_report t[2];
    static struct sw_frame f[3];
    struct sw_thread_report lt = lock_thread();
    struct sw_report r = report_of(&lt, 1);
    unsigned seen = 0;

    for (size_t cap = 0; cap < SW_REPORT_MIN_SCRATCH; cap += 13) {
        emit(&r, SW_FORMAT_JSON, cap); /* validates whatever it emits */
        seen += nrecs;
    }
    ck_assert_uint_gt(seen, 0);
    for (size_t cap = 0; cap < SW_REPORT_MIN_SCRATCH; cap += 29) {
        hostile_report(&r, t, 2, f, 3, cap);
        emit(&r, SW_FORMAT_JSON, cap);
        emit(&r, SW_FORMAT_TEXT, cap);
    }
}
END_TEST

START_TEST(test_tiny_scratch_or_missing_arguments_emit_nothing)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    for (size_t cap = 0; cap < 64; cap++) {
        ck_assert_uint_eq(emit(&r, SW_FORMAT_TEXT, cap), 0);
        ck_assert_uint_eq(emit(&r, SW_FORMAT_JSON, cap), 0);
    }
    ck_assert_uint_eq(sw_report_emit(NULL, SW_FORMAT_TEXT, scratch, 4096, record, NULL), 0);
    ck_assert_uint_eq(sw_report_emit(&r, SW_FORMAT_TEXT, NULL, 4096, record, NULL), 0);
    ck_assert_uint_eq(sw_report_emit(&r, SW_FORMAT_TEXT, scratch, 4096, NULL, NULL), 0);
}
END_TEST

static void count_ctx(void *ctx, const char *rec, size_t len)
{
    (void)rec;
    (void)len;
    (*(unsigned *)ctx)++;
}

START_TEST(test_callback_receives_the_callers_context)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    unsigned n = 0;

    ck_assert_uint_eq(sw_report_emit(&r, SW_FORMAT_TEXT, scratch, 4096, count_ctx, &n), 5);
    ck_assert_uint_eq(n, 5);
}
END_TEST

START_TEST(test_emit_preserves_errno)
{
    static struct sw_thread_report t[2];
    static struct sw_frame f[3];
    struct sw_report r;

    hostile_report(&r, t, 2, f, 3, 5);
    errno = 4242;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    emit(&r, SW_FORMAT_JSON, SW_REPORT_MIN_SCRATCH);
    emit(&r, SW_FORMAT_JSON, 100);
    ck_assert_int_eq(errno, 4242);
}
END_TEST

/* ---- Python frames --------------------------------------------------------------------- */

static const struct sw_py_frame py_frames[3] = {
    {"wait_for_config", "/srv/app/worker.py", 7},
    {"main", "/srv/app/worker.py", 30},
    {"<module>", "/srv/app/worker.py", 34},
};

static const struct sw_py_frame py_partial[4] = {
    {NULL, NULL, 0},
    {"f", "/a.py", 0},
    {NULL, "/b.py", 3},
    {"g", NULL, 5},
};

START_TEST(test_text_python_stack_follows_the_native_frames)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.python_frames = py_frames;
    t.npython_frames = 3;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_uint_eq(nrecs, 2 + 3 + 1 + 3);
    ck_assert(strncmp(recs[4].p, "stallwatch #1 #2 ", 17) == 0);
    ck_assert_str_eq(recs[5].p, "stallwatch #1 Python stack:");
    ck_assert_str_eq(recs[6].p, "stallwatch #1 py#0 wait_for_config (/srv/app/worker.py:7)");
    ck_assert_str_eq(recs[7].p, "stallwatch #1 py#1 main (/srv/app/worker.py:30)");
    ck_assert_str_eq(recs[8].p, "stallwatch #1 py#2 <module> (/srv/app/worker.py:34)");
}
END_TEST

START_TEST(test_text_python_frame_omits_unknown_parts)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.frames = NULL;
    t.python_frames = py_partial;
    t.npython_frames = 4;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_uint_eq(nrecs, 2 + 1 + 4);
    ck_assert_str_eq(recs[2].p, "stallwatch #1 Python stack:");
    ck_assert_str_eq(recs[3].p, "stallwatch #1 py#0 ??");
    ck_assert_str_eq(recs[4].p, "stallwatch #1 py#1 f (/a.py)");
    ck_assert_str_eq(recs[5].p, "stallwatch #1 py#2 ?? (/b.py:3)");
    ck_assert_str_eq(recs[6].p, "stallwatch #1 py#3 g");
}
END_TEST

START_TEST(test_text_python_stack_belongs_to_its_thread)
{
    struct sw_thread_report t[3] = {lock_thread(), lock_thread(), lock_thread()};
    struct sw_report r = report_of(t, 3);
    unsigned block = 0;

    /* Only the second thread has a Python stack: a NULL pointer or a count of 0 is none. */
    t[0].python_frames = NULL;
    t[0].npython_frames = 3;
    t[1].python_frames = py_frames;
    t[1].npython_frames = 2;
    t[2].python_frames = py_frames;
    t[2].npython_frames = 0;
    t[1].role = "owner";
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_uint_eq(nrecs, 3 * 5 + 1 + 2);
    for (unsigned i = 0; i < nrecs; i++)
        if (strcmp(recs[i].p, "stallwatch #1 Python stack:") == 0)
            block = i;
    ck_assert_uint_eq(block, 10); /* after thread 1's header, state and three frames */
    ck_assert(strncmp(recs[5].p, "stallwatch #1 thread role=owner ", 32) == 0);
    ck_assert_str_eq(recs[12].p, "stallwatch #1 py#1 main (/srv/app/worker.py:30)");
    ck_assert(strncmp(recs[13].p, "stallwatch #1 thread tid=", 25) == 0);
}
END_TEST

START_TEST(test_json_python_frames_follow_frames)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    const char *j,
        *tail = ",\"python_frames\":["
                "{\"function\":\"wait_for_config\",\"file\":\"/srv/app/worker.py\",\"line\":7},"
                "{\"function\":\"main\",\"file\":\"/srv/app/worker.py\",\"line\":30},"
                "{\"function\":\"<module>\",\"file\":\"/srv/app/worker.py\",\"line\":34}]}]}";

    t.python_frames = py_frames;
    t.npython_frames = 3;
    j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_uint_gt(strlen(j), strlen(tail));
    ck_assert_str_eq(j + strlen(j) - strlen(tail), tail);
    /* right after the native frames' array */
    ck_assert_ptr_nonnull(strstr(j, "01234567\"}],\"python_frames\":[{"));
    ck_assert_ptr_null(strstr(j, "\"truncated\""));
}
END_TEST

START_TEST(test_json_python_frame_omits_unknown_parts)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.frames = NULL;
    t.python_frames = py_partial;
    t.npython_frames = 4;
    ck_assert_ptr_nonnull(
        strstr(json_of(&r, SW_REPORT_MIN_SCRATCH),
               ",\"frames\":[],\"python_frames\":[{},{\"function\":\"f\",\"file\":"
               "\"/a.py\"},{\"file\":\"/b.py\",\"line\":3},{\"function\":\"g\","
               "\"line\":5}]}]}"));
}
END_TEST

START_TEST(test_json_without_python_frames_has_no_python_key)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);

    t.python_frames = py_frames;
    t.npython_frames = 0;
    ck_assert_ptr_null(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), "python_frames"));
    t.python_frames = NULL;
    t.npython_frames = 3;
    ck_assert_ptr_null(strstr(json_of(&r, SW_REPORT_MIN_SCRATCH), "python_frames"));
}
END_TEST

static struct sw_py_frame many_py[200];

static void fill_many_py(void)
{
    for (unsigned i = 0; i < 200; i++)
        many_py[i] = (struct sw_py_frame){"pyf", "/srv/app/some_module.py", 1000 + i};
}

/* Python frames kept per thread in a JSON record (benign strings only). */
static unsigned py_per_thread(const char *json, unsigned *counts, bool *has_key, unsigned max)
{
    unsigned nt = 0;
    const char *p = json;

    while ((p = strstr(p, "{\"tid\":")) != NULL) {
        const char *next = strstr(p + 1, "{\"tid\":");
        const char *key = strstr(p, "\"python_frames\":[");
        unsigned c = 0;
        for (const char *q = p;
             (q = strstr(q, "{\"function\":\"pyf\"")) != NULL && (!next || q < next); q++)
            c++;
        ck_assert_uint_lt(nt, max);
        has_key[nt] = key != NULL && (!next || key < next);
        counts[nt++] = c;
        p++;
    }
    return nt;
}

START_TEST(test_truncated_json_drops_native_frames_before_python_frames)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    unsigned native[1], py[1], last_total = 0;
    bool key[1];

    fill_many_frames();
    fill_many_py();
    t.frames = many_frames;
    t.nframes = 60;
    t.python_frames = many_py;
    t.npython_frames = 40;
    for (size_t cap = SW_REPORT_MIN_SCRATCH; cap < 12 * SW_REPORT_MIN_SCRATCH; cap += 97) {
        const char *j = json_of(&r, cap);
        ck_assert_uint_eq(frames_per_thread(j, native, 1), 1);
        ck_assert_uint_eq(py_per_thread(j, py, key, 1), 1);
        REQUIRE(key[0], "python_frames key dropped at cap %zu", cap);
        REQUIRE(py[0] == 40 || native[0] == 0, "cap %zu: %u Python frames kept with %u native", cap,
                py[0], native[0]);
        REQUIRE((strstr(j, "\"truncated\":true") != NULL) == (native[0] + py[0] < 100),
                "truncated flag wrong at cap %zu", cap);
        REQUIRE(native[0] + py[0] >= last_total, "a larger scratch kept less");
        last_total = native[0] + py[0];
        /* The kept Python frames are the innermost ones, in order. */
        for (unsigned k = 0; k < py[0]; k++) {
            char want[64];
            snprintf(want, sizeof want, "\"line\":%u}", 1000 + k);
            REQUIRE(strstr(j, want) != NULL, "Python frame %u missing at cap %zu", k, cap);
        }
    }
    ck_assert_uint_eq(last_total, 100);
}
END_TEST

START_TEST(test_truncated_json_drops_python_frames_thread_by_thread_from_the_last)
{
    struct sw_thread_report t[3] = {lock_thread(), lock_thread(), lock_thread()};
    struct sw_report r = report_of(t, 3);
    unsigned native[3], py[3];
    bool key[3];

    fill_many_frames();
    fill_many_py();
    for (unsigned i = 0; i < 3; i++) {
        t[i].frames = many_frames;
        t[i].nframes = 12;
        t[i].python_frames = many_py;
        t[i].npython_frames = 5;
    }
    for (size_t cap = SW_REPORT_MIN_SCRATCH; cap < 4 * SW_REPORT_MIN_SCRATCH; cap += 53) {
        const char *j = json_of(&r, cap);
        unsigned nt = frames_per_thread(j, native, 3);
        ck_assert_uint_eq(py_per_thread(j, py, key, 3), nt);
        bool cut = false;
        for (unsigned i = 0; i < nt; i++) {
            REQUIRE(key[i], "thread %u lost its python_frames key at cap %zu", i, cap);
            /* once a thread lost something, every later thread has nothing */
            REQUIRE(!cut || (native[i] == 0 && py[i] == 0),
                    "thread %u kept frames after a cut "
                    "(cap %zu)",
                    i, cap);
            /* within a thread, Python frames go only once the native ones are gone */
            REQUIRE(py[i] == 5 || native[i] == 0, "thread %u: native kept over Python (cap %zu)", i,
                    cap);
            if (native[i] < 12 || py[i] < 5)
                cut = true;
        }
    }
}
END_TEST

START_TEST(test_truncated_json_keeps_as_many_python_frames_as_fit)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    size_t one, two, per_frame;

    for (unsigned i = 0; i < 200; i++)
        many_py[i] = (struct sw_py_frame){"pyf", "/srv/app/some_module.py", 1000};
    t.frames = NULL;
    t.python_frames = many_py;
    t.npython_frames = 1;
    one = strlen(json_of(&r, 1 << 16));
    t.npython_frames = 2;
    two = strlen(json_of(&r, 1 << 16));
    per_frame = two - one;
    t.npython_frames = 200;
    for (size_t cap = SW_REPORT_MIN_SCRATCH; cap < 3 * SW_REPORT_MIN_SCRATCH; cap += 37) {
        size_t len = strlen(json_of(&r, cap));
        REQUIRE(len + per_frame > cap - 1, "cap %zu: %zu bytes used, one more frame fits", cap,
                len);
    }
}
END_TEST

/* ---- diagnosis fields ------------------------------------------------------------------ */

static const pid_t some_tids[3] = {101, 102, 103};

START_TEST(test_text_names_owner_scope_and_group)
{
    struct sw_thread_report t = lock_thread();
    t.owner_tid = 4250;
    t.scope = "load \"config\"";
    t.count = 3;
    t.tids = some_tids;
    t.ntids = 3;
    const char *l = first_line(&t);
    ck_assert_ptr_nonnull(strstr(l, " waited=5.01s owner_tid=4250 scope=\"load \\\"config\\\"\" "
                                    "count=3"));
    ck_assert_str_eq(recs[1].p, "stallwatch #1 tids=101,102,103");
}
END_TEST

START_TEST(test_text_file_lock_owner_and_more_tids_than_listed)
{
    struct sw_thread_report t = lock_thread();
    t.objkind = SW_OBJ_FD;
    t.fd = 5;
    t.fd_target = "/var/lock/x";
    t.owner_pid = 77;
    t.owner_process = "backup";
    t.count = 40;
    t.tids = some_tids;
    t.ntids = 3;
    const char *l = first_line(&t);
    ck_assert_ptr_nonnull(strstr(l, " owner_pid=77 owner_process=\"backup\" count=40"));
    ck_assert_str_eq(recs[1].p, "stallwatch #1 tids=101,102,103,...");
}
END_TEST

START_TEST(test_text_header_carries_stall_report_fingerprint_and_roles)
{
    struct sw_thread_report t[2] = {lock_thread(), lock_thread()};
    t[1].role = "owner";
    t[1].tid = 4250;
    struct sw_report r = report_of(t, 2);
    r.event = "still-stalled";
    r.stall_report = 3;
    r.fingerprint = "0123456789abcdef";
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p,
                                 "stallwatch #1 still-stalled pid=4242 process=\"abba\" "
                                 "stall_report=3 fingerprint=0123456789abcdef tid=4243 "));
    bool found = false;
    for (unsigned i = 0; i < nrecs; i++)
        found |= strncmp(recs[i].p, "stallwatch #1 thread role=owner tid=4250 ", 41) == 0;
    ck_assert(found);
}
END_TEST

START_TEST(test_a_report_from_outside_the_process_says_attached_in_both_formats)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    r.event = "dump";
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, "stallwatch #1 dump pid=4242 process=\"abba\" "));
    ck_assert_ptr_null(strstr(recs[0].p, " attached"));
    r.attached = true;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " attached tid=4243 "));
    emit(&r, SW_FORMAT_JSON, SW_REPORT_MIN_SCRATCH);
    ck_assert(json_valid(recs[0].p, recs[0].n));
    ck_assert_ptr_nonnull(strstr(recs[0].p, "\"event\":\"dump\""));
    ck_assert_ptr_nonnull(strstr(recs[0].p, "\"attached\":true"));
    r.attached = false;
    emit(&r, SW_FORMAT_JSON, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_null(strstr(recs[0].p, "attached"));
}
END_TEST

START_TEST(test_host_job_and_rank_say_who_wrote_the_report_in_both_formats)
{
    struct sw_thread_report t = lock_thread();
    struct sw_report r = report_of(&t, 1);
    r.host = "node7";
    r.job = "881.2";
    r.ranked = true;
    r.rank = 0; /* rank 0 is a rank */
    r.size = 16;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(recs[0].p, " host=\"node7\" job=\"881.2\" rank=0 size=16 "));
    emit(&r, SW_FORMAT_JSON, SW_REPORT_MIN_SCRATCH);
    ck_assert(json_valid(recs[0].p, recs[0].n));
    ck_assert_ptr_nonnull(strstr(recs[0].p, "\"host\":\"node7\",\"job\":\"881.2\",\"rank\":0,"
                                           "\"size\":16"));
    r.ranked = false;
    r.job = NULL;
    emit(&r, SW_FORMAT_JSON, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_null(strstr(recs[0].p, "\"rank\""));
    ck_assert_ptr_null(strstr(recs[0].p, "\"size\""));
    ck_assert_ptr_null(strstr(recs[0].p, "\"job\""));
}
END_TEST

START_TEST(test_text_inlined_frame_is_marked)
{
    struct sw_frame f[2] = {{0x10, "/lib/m.so", 0x20, "bid", "inner", "m.h", 3, true},
                            {0x10, "/lib/m.so", 0x20, "bid", "outer", "m.c", 9, false}};
    struct sw_thread_report t = lock_thread();
    t.frames = f;
    t.nframes = 2;
    struct sw_report r = report_of(&t, 1);
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_str_eq(recs[nrecs - 2].p,
                     "stallwatch #1 #0 0x10 inner (m.h:3) [/lib/m.so+0x20] inlined");
    ck_assert_str_eq(recs[nrecs - 1].p, "stallwatch #1 #1 0x10 outer (m.c:9) [/lib/m.so+0x20]");
}
END_TEST

START_TEST(test_json_diagnosis_fields_in_order)
{
    struct sw_frame f[1] = {{0x10, NULL, 0, NULL, "inner", "m.h", 3, true}};
    struct sw_thread_report t[2] = {lock_thread(), lock_thread()};
    t[0].owner_tid = 4250;
    t[0].count = 3;
    t[0].tids = some_tids;
    t[0].ntids = 3;
    t[0].frames = f;
    t[0].nframes = 1;
    t[1].role = "owner";
    t[1].scope = "s";
    t[1].nframes = 0;
    struct sw_report r = report_of(t, 2);
    r.event = "recovered";
    r.stall_report = 2;
    r.fingerprint = "00000000000000aa";
    const char *j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(j, "{\"event\":\"recovered\",\"report\":1,\"stall_report\":2,"
                                    "\"pid\":4242,"));
    ck_assert_ptr_nonnull(strstr(j, "\"time\":\"2026-11-27T06:35:40.123Z\",\"fingerprint\":"
                                    "\"00000000000000aa\",\"threads\":["));
    ck_assert_ptr_nonnull(strstr(j, "\"object\":\"0x55d0c8a4b0a0\",\"owner_tid\":4250,"
                                    "\"count\":3,\"tids\":[101,102,103],\"state\":"));
    ck_assert_ptr_nonnull(strstr(j, "{\"pc\":\"0x10\",\"function\":\"inner\",\"file\":\"m.h\","
                                    "\"line\":3,\"inlined\":true}"));
    ck_assert_ptr_nonnull(strstr(j, "{\"tid\":4243,\"role\":\"owner\",\"name\":"));
    ck_assert_ptr_nonnull(strstr(j, "\"scope\":\"s\""));
}
END_TEST

START_TEST(test_suppressed_summary_without_threads)
{
    struct sw_report r = report_of(NULL, 0);
    r.event = "suppressed";
    r.suppressed = 12;
    emit(&r, SW_FORMAT_TEXT, SW_REPORT_MIN_SCRATCH);
    ck_assert_uint_eq(nrecs, 1);
    ck_assert_str_eq(recs[0].p, "stallwatch #1 suppressed pid=4242 process=\"abba\" suppressed=12");
    const char *j = json_of(&r, SW_REPORT_MIN_SCRATCH);
    ck_assert_ptr_nonnull(strstr(j, "\"suppressed\":12,\"threads\":[]}"));
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *text = tcase_create("text");
    TCase *json = tcase_create("json");
    TCase *any = tcase_create("any");

    tcase_set_timeout(text, 600);
    tcase_set_timeout(json, 600);
    tcase_set_timeout(any, 600);

    tcase_add_test(text, test_text_lock_stall_matches_spec_example);
    tcase_add_test(text, test_text_event_name_comes_from_the_report);
    tcase_add_test(text, test_text_waited_under_a_second_is_in_milliseconds);
    tcase_add_test(text, test_text_waited_from_a_second_is_seconds_truncated_to_two_decimals);
    tcase_add_test(text, test_text_object_part_for_each_object_kind);
    tcase_add_test(text, test_query_ipc_child_lock_and_kernel_in_both_formats);
    tcase_add_test(text, test_text_quoted_fields_escape_quotes_and_newlines);
    tcase_add_test(text, test_text_unknown_name_and_process_are_omitted);
    tcase_add_test(text, test_process_comm_and_title_follow_the_pid_in_both_formats);
    tcase_add_test(text, test_text_unknown_call_is_question_marks);
    tcase_add_test(text, test_text_state_line_omits_unknown_parts);
    tcase_add_test(text, test_text_state_line_is_omitted_when_all_unknown);
    tcase_add_test(text, test_text_note_line_follows_state_line_and_is_escaped);
    tcase_add_test(text, test_text_frame_without_file_omits_parentheses);
    tcase_add_test(text, test_text_frame_file_without_line_has_no_colon);
    tcase_add_test(text, test_text_frame_without_module_omits_brackets);
    tcase_add_test(text, test_text_unknown_function_prints_question_marks_and_build_id);
    tcase_add_test(text, test_text_build_id_only_when_function_is_unknown);
    tcase_add_test(text, test_text_frame_strings_are_escaped_unquoted);
    tcase_add_test(text, test_text_further_threads_get_a_thread_header_and_their_own_frame_numbers);
    tcase_add_test(text, test_text_report_without_threads_is_one_line);
    tcase_add_test(text, test_text_frames_pointer_null_means_no_frames);
    tcase_add_test(text, test_every_text_line_starts_with_report_prefix);
    tcase_add_test(text, test_text_line_never_contains_newline);
    tcase_add_test(text, test_text_hostile_strings_never_push_out_the_first_lines_fields);
    tcase_add_test(text, test_text_long_string_is_cut_with_ellipsis_at_a_character_boundary);
    tcase_add_test(text, test_text_line_longer_than_scratch_is_cut_with_ellipsis);
    tcase_add_test(text, test_text_cut_line_keeps_whole_characters);

    tcase_add_test(json, test_json_lock_stall_matches_spec_example);
    tcase_add_test(json, test_json_event_name_comes_from_the_report);
    tcase_add_test(json, test_json_object_part_for_each_object_kind);
    tcase_add_test(json, test_json_omits_unknown_optional_fields_instead_of_null);
    tcase_add_test(json, test_json_thread_keys_are_in_spec_order);
    tcase_add_test(json, test_json_frame_omits_unknown_parts);
    tcase_add_test(json, test_json_unknown_call_and_event_still_render_as_strings);
    tcase_add_test(json, test_json_numbers_at_their_limits);
    tcase_add_test(json, test_json_state_letter_is_escaped);
    tcase_add_test(json, test_json_several_threads_in_order);
    tcase_add_test(json, test_json_report_without_threads_has_empty_array);
    tcase_add_test(json, test_untruncated_json_has_no_truncated_key);
    tcase_add_test(json, test_truncated_json_is_still_valid);
    tcase_add_test(json, test_truncated_json_marks_truncated_right_after_time);
    tcase_add_test(json, test_truncated_json_drops_frames_from_the_end_of_the_last_thread_first);
    tcase_add_test(json, test_truncated_json_across_threads_keeps_as_much_as_fits);
    tcase_add_test(json, test_json_truncated_flag_is_set_exactly_when_something_was_dropped);
    tcase_add_test(json, test_truncated_json_drops_first_threads_frames_before_any_thread);
    tcase_add_test(json, test_truncated_json_drops_whole_threads_from_the_end_but_never_the_first);
    tcase_add_test(json, test_truncated_json_keeps_as_much_as_fits);
    tcase_add_test(json, test_json_long_string_is_cut_with_ellipsis_inside_quotes);
    tcase_add_test(json, test_json_cut_string_keeps_whole_characters_and_escapes);
    tcase_add_test(json,
                   test_json_with_hostile_4k_strings_everywhere_is_valid_at_every_scratch_size);
    tcase_add_test(json, test_json_of_every_hostile_kind_in_every_field_at_minimum_scratch);
    tcase_add_test(json, test_json_worst_case_header_fits_minimum_scratch);

    tcase_add_test(any, test_json_below_minimum_scratch_is_valid_or_absent);
    tcase_add_test(any, test_tiny_scratch_or_missing_arguments_emit_nothing);
    tcase_add_test(any, test_callback_receives_the_callers_context);
    tcase_add_test(any, test_emit_preserves_errno);

    tcase_add_test(text, test_text_names_owner_scope_and_group);
    tcase_add_test(text, test_text_file_lock_owner_and_more_tids_than_listed);
    tcase_add_test(text, test_text_header_carries_stall_report_fingerprint_and_roles);
    tcase_add_test(text, test_text_inlined_frame_is_marked);
    tcase_add_test(text, test_a_report_from_outside_the_process_says_attached_in_both_formats);
    tcase_add_test(text, test_host_job_and_rank_say_who_wrote_the_report_in_both_formats);
    tcase_add_test(json, test_json_diagnosis_fields_in_order);
    tcase_add_test(any, test_suppressed_summary_without_threads);

    tcase_add_test(text, test_text_python_stack_follows_the_native_frames);
    tcase_add_test(text, test_text_python_frame_omits_unknown_parts);
    tcase_add_test(text, test_text_python_stack_belongs_to_its_thread);
    tcase_add_test(json, test_json_python_frames_follow_frames);
    tcase_add_test(json, test_json_python_frame_omits_unknown_parts);
    tcase_add_test(json, test_json_without_python_frames_has_no_python_key);
    tcase_add_test(json, test_truncated_json_drops_native_frames_before_python_frames);
    tcase_add_test(json, test_truncated_json_drops_python_frames_thread_by_thread_from_the_last);
    tcase_add_test(json, test_truncated_json_keeps_as_many_python_frames_as_fit);

    suite_add_tcase(s, text);
    suite_add_tcase(s, json);
    suite_add_tcase(s, any);
    return s;
}

int main(void)
{
    return unit_run(report_suite());
}
