/* Unit suite for the parser of CPython's thread dump (src/pyparse.c): the format as CPython
 * 3.11 writes it, its limits ("..." lines, "<no Python frame>", "Garbage-collecting", names cut
 * at 500 characters, escapes), and hostile input: cut lines, missing headers, unknown lines,
 * separators inside names, overflowing numbers, more threads and frames than we keep, random
 * bytes. Every parse goes through parse(), which checks what must always hold. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pyparse.h"
#include "support.h"

#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

static char text[1 << 22];
static size_t text_len;
static struct sw_py_dump dump;

/* A string of the parse must lie inside the text and end there. */
static void check_string(const char *s)
{
    if (s == NULL)
        return;
    REQUIRE(s >= text && s < text + text_len, "string outside the text");
    REQUIRE(memchr(s, '\0', (size_t)(text + text_len - s)) != NULL, "unterminated string");
    REQUIRE(strchr(s, '\n') == NULL, "string spans lines");
}

/* Parses a copy of src (n bytes; -1: strlen) and checks the invariants: counts within bounds,
 * each thread's frames a slice of the pool in order, every string inside the text. */
static const struct sw_py_dump *parse_n(const char *src, size_t n)
{
    ck_assert_uint_lt(n, sizeof text);
    memcpy(text, src, n);
    text[n] = '\0'; /* a guard: the parser must not need it */
    text_len = n;
    sw_pyparse(text, n, &dump);
    REQUIRE(dump.nthreads <= SW_PY_THREADS_MAX && dump.nframes <= SW_PY_FRAMES_MAX, "counts");
    unsigned next = 0;
    for (unsigned i = 0; i < dump.nthreads; i++) {
        const struct sw_py_thread *t = &dump.threads[i];
        REQUIRE(t->frames == &dump.frames[next], "thread %u's frames are not next in the pool", i);
        next += t->nframes;
        REQUIRE(next <= dump.nframes, "thread %u's frames run past the pool", i);
        for (unsigned k = 0; k < t->nframes; k++) {
            check_string(t->frames[k].function);
            check_string(t->frames[k].file);
        }
    }
    REQUIRE(next == dump.nframes, "frames that belong to no thread");
    return &dump;
}

static const struct sw_py_dump *parse(const char *src)
{
    return parse_n(src, strlen(src));
}

static void check_frame(const struct sw_py_frame *f, const char *function, const char *file,
                        unsigned line)
{
    if (function == NULL)
        ck_assert_ptr_null(f->function);
    else
        ck_assert_str_eq(f->function, function);
    if (file == NULL)
        ck_assert_ptr_null(f->file);
    else
        ck_assert_str_eq(f->file, file);
    ck_assert_uint_eq(f->line, line);
}

/* What CPython 3.11 wrote for a program with a worker blocked in queue.get() and a main thread
 * waiting for a lock, as faulthandler.dump_traceback(all_threads=True) prints it. */
static const char two_threads[] = "Thread 0x00007f3b2a5ff6c0 (most recent call first):\n"
                                  "  File \"/usr/lib/python3.11/threading.py\", line 320 in wait\n"
                                  "  File \"/usr/lib/python3.11/queue.py\", line 171 in get\n"
                                  "  File \"/srv/app/worker.py\", line 12 in consume\n"
                                  "  File \"/usr/lib/python3.11/threading.py\", line 975 in run\n"
                                  "\n"
                                  "Thread 0x00007f3b2b9b7040 (most recent call first):\n"
                                  "  File \"/srv/app/worker.py\", line 7 in wait_for_config\n"
                                  "  File \"/srv/app/worker.py\", line 30 in <module>\n";

START_TEST(test_threads_and_frames_innermost_first)
{
    const struct sw_py_dump *d = parse(two_threads);
    ck_assert_uint_eq(d->nthreads, 2);
    ck_assert_uint_eq(d->threads[0].id, 0x00007f3b2a5ff6c0ull);
    ck_assert_uint_eq(d->threads[0].nframes, 4);
    check_frame(&d->threads[0].frames[0], "wait", "/usr/lib/python3.11/threading.py", 320);
    check_frame(&d->threads[0].frames[2], "consume", "/srv/app/worker.py", 12);
    ck_assert_uint_eq(d->threads[1].id, 0x00007f3b2b9b7040ull);
    ck_assert_uint_eq(d->threads[1].nframes, 2);
    check_frame(&d->threads[1].frames[0], "wait_for_config", "/srv/app/worker.py", 7);
    check_frame(&d->threads[1].frames[1], "<module>", "/srv/app/worker.py", 30);
    ck_assert(!d->threads[0].cut && !d->threads[1].cut && !d->more_threads);
}
END_TEST

START_TEST(test_find_by_pthread_id)
{
    const struct sw_py_dump *d = parse(two_threads);
    ck_assert_ptr_eq(sw_pyparse_find(d, 0x00007f3b2b9b7040ull), &d->threads[1]);
    ck_assert_ptr_eq(sw_pyparse_find(d, 0x00007f3b2a5ff6c0ull), &d->threads[0]);
    ck_assert_ptr_null(sw_pyparse_find(d, 0x7f3b2b9b7041ull));
    ck_assert_ptr_null(sw_pyparse_find(d, 0));
}
END_TEST

START_TEST(test_current_thread_header_and_garbage_collecting_line)
{
    const struct sw_py_dump *d =
        parse("Current thread 0x00000000000004d2 (most recent call first):\n"
              "  Garbage-collecting\n"
              "  File \"/a.py\", line 3 in __del__\n"
              "  File \"/a.py\", line 9 in f\n");
    ck_assert_uint_eq(d->nthreads, 1);
    ck_assert_uint_eq(d->threads[0].id, 1234);
    ck_assert_uint_eq(d->threads[0].nframes, 2);
    check_frame(&d->threads[0].frames[0], "__del__", "/a.py", 3);
}
END_TEST

START_TEST(test_thread_without_python_frame)
{
    const struct sw_py_dump *d = parse("Thread 0x0000000000000010 (most recent call first):\n"
                                       "  <no Python frame>\n"
                                       "\n"
                                       "Thread 0x0000000000000020 (most recent call first):\n"
                                       "  <tstate is freed>\n"
                                       "\n"
                                       "Thread 0x0000000000000030 (most recent call first):\n"
                                       "  File \"/a.py\", line 1 in <module>\n");
    ck_assert_uint_eq(d->nthreads, 3);
    ck_assert_uint_eq(d->threads[0].nframes, 0);
    ck_assert_uint_eq(d->threads[1].nframes, 0);
    ck_assert_uint_eq(d->threads[2].nframes, 1);
}
END_TEST

START_TEST(test_depth_limit_marks_the_thread_cut)
{
    char src[16384] = "Thread 0x0000000000000001 (most recent call first):\n";
    for (int i = 0; i < 100; i++)
        snprintf(src + strlen(src), sizeof src - strlen(src), "  File \"/r.py\", line %d in r\n",
                 i + 1);
    strcat(src, "  ...\n\nThread 0x0000000000000002 (most recent call first):\n"
                "  File \"/m.py\", line 5 in main\n");
    const struct sw_py_dump *d = parse(src);
    ck_assert_uint_eq(d->nthreads, 2);
    ck_assert_uint_eq(d->threads[0].nframes, 100);
    ck_assert(d->threads[0].cut);
    check_frame(&d->threads[0].frames[99], "r", "/r.py", 100);
    ck_assert(!d->threads[1].cut);
    check_frame(&d->threads[1].frames[0], "main", "/m.py", 5);
}
END_TEST

START_TEST(test_thread_limit_line_ends_the_dump)
{
    const struct sw_py_dump *d = parse("Thread 0x0000000000000001 (most recent call first):\n"
                                       "  File \"/a.py\", line 1 in a\n"
                                       "\n"
                                       "...\n"
                                       "  File \"/b.py\", line 2 in b\n");
    ck_assert_uint_eq(d->nthreads, 1);
    ck_assert_uint_eq(d->nframes, 1);
    ck_assert(d->more_threads);
}
END_TEST

START_TEST(test_unknown_file_line_and_name_are_null_and_zero)
{
    const struct sw_py_dump *d = parse("Thread 0x0000000000000001 (most recent call first):\n"
                                       "  File ???, line ??? in ???\n"
                                       "  File \"/a.py\", line ??? in f\n"
                                       "  File ???, line 4 in g\n"
                                       "  File \"\", line 5 in \n");
    ck_assert_uint_eq(d->threads[0].nframes, 4);
    check_frame(&d->frames[0], NULL, NULL, 0);
    check_frame(&d->frames[1], "f", "/a.py", 0);
    check_frame(&d->frames[2], "g", NULL, 4);
    check_frame(&d->frames[3], NULL, "", 5);
}
END_TEST

START_TEST(test_escapes_are_decoded_to_utf8)
{
    const struct sw_py_dump *d =
        parse("Thread 0x0000000000000001 (most recent call first):\n"
              "  File \"/srv/caf\\xe9/\\u20ac.py\", line 1 in \\U0001f600_\\u00e9t\\xe9\n"
              "  File \"/srv/b\\udce9d.py\", line 2 in f\n");
    check_frame(&d->frames[0], "\xf0\x9f\x98\x80_\xc3\xa9t\xc3\xa9",
                "/srv/caf\xc3\xa9/\xe2\x82\xac.py", 1);
    /* An undecodable byte of a file name (surrogateescape) is that byte again. */
    check_frame(&d->frames[1], "f",
                "/srv/b\xe9"
                "d.py",
                2);
}
END_TEST

START_TEST(test_escapes_that_are_not_code_points_stay_as_written)
{
    const struct sw_py_dump *d =
        parse("Thread 0x0000000000000001 (most recent call first):\n"
              "  File \"/a\\x00b\\ud800c\\U00110000d\\x4\", line 1 in e\\u12g\\\n"
              "  File \"C:\\\\dir\\q.py\", line 2 in \\\\x41\n");
    check_frame(&d->frames[0], "e\\u12g\\", "/a\\x00b\\ud800c\\U00110000d\\x4", 1);
    /* A backslash is written as itself: what looks like an escape is decoded. */
    check_frame(&d->frames[1], "\\A", "C:\\\\dir\\q.py", 2);
}
END_TEST

START_TEST(test_cut_last_line_is_ignored)
{
    const char *full = two_threads;
    size_t n = strlen(full);
    /* Every cut: the frames are those of the complete lines, never one of a cut line. */
    for (size_t cut = 0; cut < n; cut++) {
        const struct sw_py_dump *d = parse_n(full, cut);
        unsigned complete = 0;
        size_t line_start = 0;
        for (size_t i = 0; i < cut; i++) {
            if (full[i] != '\n')
                continue;
            if (strncmp(full + line_start, "  File ", 7) == 0)
                complete++;
            line_start = i + 1;
        }
        REQUIRE(d->nframes == complete, "cut at %zu: %u frames, expected %u", cut, d->nframes,
                complete);
    }
}
END_TEST

START_TEST(test_frames_without_a_header_belong_to_nobody)
{
    const struct sw_py_dump *d = parse("  File \"/a.py\", line 1 in orphan\n"
                                       "Thread 0x0000000000000001 (most recent call first):\n"
                                       "  File \"/a.py\", line 2 in mine\n"
                                       "Some unexpected line\n"
                                       "  File \"/a.py\", line 3 in orphan_too\n"
                                       "\n"
                                       "  File \"/a.py\", line 4 in after_blank\n");
    ck_assert_uint_eq(d->nthreads, 1);
    ck_assert_uint_eq(d->nframes, 1);
    check_frame(&d->frames[0], "mine", "/a.py", 2);
}
END_TEST

START_TEST(test_bad_headers_are_not_threads)
{
    static const char *const bad[] = {
        "Thread 0x (most recent call first):\n",
        "Thread 0x00000000000000001 (most recent call first):\n", /* 17 digits */
        "Thread 0xzz (most recent call first):\n",
        "Thread 0x10 (most recent call first)\n",
        "Thread 0x10 (most recent call first): \n",
        "Thread 10 (most recent call first):\n",
        " Thread 0x10 (most recent call first):\n",
        "Current thread 0x10\n",
        "thread 0x10 (most recent call first):\n",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof *bad; i++) {
        char src[256];
        snprintf(src, sizeof src, "%s  File \"/a.py\", line 1 in f\n", bad[i]);
        const struct sw_py_dump *d = parse(src);
        REQUIRE(d->nthreads == 0 && d->nframes == 0, "accepted header %u: %s", i, bad[i]);
    }
    /* 16 digits, upper case: the widest id there is. */
    const struct sw_py_dump *d = parse("Thread 0xFFFFFFFFFFFFFFFF (most recent call first):\n");
    ck_assert_uint_eq(d->nthreads, 1);
    ck_assert_uint_eq(d->threads[0].id, UINT64_MAX);
}
END_TEST

START_TEST(test_malformed_frame_lines_are_skipped)
{
    const struct sw_py_dump *d = parse("Thread 0x0000000000000001 (most recent call first):\n"
                                       "  File \"/a.py\", line 1 in good\n"
                                       "  File /a.py, line 2 in unquoted\n"
                                       "  File \"/a.py\n"
                                       "  File \"/a.py\", line 12x in bad_number\n"
                                       "  File \"/a.py\", line 5 no_in\n"
                                       "  File \"/a.py\", line  in no_number\n"
                                       "  File \"/a.py\" line 6 in no_comma\n"
                                       "  File \n"
                                       "  File \"/a.py\", line 7 in still_mine\n");
    ck_assert_uint_eq(d->nthreads, 1);
    ck_assert_uint_eq(d->threads[0].nframes, 2);
    check_frame(&d->frames[0], "good", "/a.py", 1);
    check_frame(&d->frames[1], "still_mine", "/a.py", 7);
}
END_TEST

START_TEST(test_separator_inside_a_name_splits_at_the_last_one)
{
    const struct sw_py_dump *d = parse("Thread 0x0000000000000001 (most recent call first):\n"
                                       "  File \"/tmp/a\", line 3 in b.py\", line 7 in f\n"
                                       "  File \"/tmp/x.py\", line 8 in g\", line 9 in h\n"
                                       "  File \"/tmp/y.py\", line 10 in  in  \n");
    check_frame(&d->frames[0], "f", "/tmp/a\", line 3 in b.py", 7);
    check_frame(&d->frames[1], "h", "/tmp/x.py\", line 8 in g", 9);
    check_frame(&d->frames[2], " in  ", "/tmp/y.py", 10);
}
END_TEST

START_TEST(test_huge_names_are_kept_whole)
{
    /* CPython cuts a name at 500 characters and adds "..."; escaped, that is up to 5000 bytes. */
    static char src[32768], name[6000], file[600];
    memset(file, 'f', 500);
    file[500] = '\0';
    for (int i = 0; i < 500; i++)
        memcpy(name + 10 * i, "\\U0001f600", 10);
    name[5000] = '\0';
    snprintf(src, sizeof src,
             "Thread 0x0000000000000001 (most recent call first):\n"
             "  File \"/%s...\", line 4294967295 in %s...\n",
             file, name);
    const struct sw_py_dump *d = parse(src);
    ck_assert_uint_eq(d->nframes, 1);
    ck_assert_uint_eq(strlen(d->frames[0].file), 504);
    ck_assert_uint_eq(strlen(d->frames[0].function), 2003);
    ck_assert(memcmp(d->frames[0].function, "\xf0\x9f\x98\x80", 4) == 0);
    ck_assert_str_eq(d->frames[0].function + 2000, "...");
    /* UINT_MAX itself is no line number any file has: unknown. */
    ck_assert_uint_eq(d->frames[0].line, 0);
}
END_TEST

START_TEST(test_line_numbers_that_overflow_are_unknown)
{
    const struct sw_py_dump *d = parse("Thread 0x0000000000000001 (most recent call first):\n"
                                       "  File \"/a.py\", line 99999999999999999999 in f\n"
                                       "  File \"/a.py\", line 4294967294 in g\n");
    ck_assert_uint_eq(d->nframes, 2);
    ck_assert_uint_eq(d->frames[0].line, 0);
    ck_assert_uint_eq(d->frames[1].line, 4294967294u);
}
END_TEST

START_TEST(test_same_thread_twice_keeps_the_first)
{
    const struct sw_py_dump *d = parse("Thread 0x0000000000000001 (most recent call first):\n"
                                       "  File \"/a.py\", line 1 in first\n"
                                       "\n"
                                       "Thread 0x0000000000000001 (most recent call first):\n"
                                       "  File \"/a.py\", line 2 in second\n");
    ck_assert_uint_eq(d->nthreads, 1);
    ck_assert_uint_eq(d->nframes, 1);
    check_frame(&d->frames[0], "first", "/a.py", 1);
}
END_TEST

/* n threads of k frames each, ids from 1. */
static size_t many_threads(char *src, size_t cap, unsigned n, unsigned k)
{
    size_t len = 0;
    for (unsigned t = 0; t < n; t++) {
        len += (size_t)snprintf(src + len, cap - len, "Thread 0x%016x (most recent call first):\n",
                                t + 1);
        for (unsigned i = 0; i < k; i++)
            len +=
                (size_t)snprintf(src + len, cap - len, "  File \"/t.py\", line %u in f\n", i + 1);
        len += (size_t)snprintf(src + len, cap - len, "\n");
    }
    return len;
}

START_TEST(test_more_threads_than_kept)
{
    static char src[1 << 16];
    const struct sw_py_dump *d =
        parse_n(src, many_threads(src, sizeof src, SW_PY_THREADS_MAX + 20, 1));
    ck_assert_uint_eq(d->nthreads, SW_PY_THREADS_MAX);
    ck_assert(d->more_threads);
    ck_assert_uint_eq(d->nframes, SW_PY_THREADS_MAX);
    ck_assert_uint_eq(d->threads[SW_PY_THREADS_MAX - 1].id, SW_PY_THREADS_MAX);
}
END_TEST

START_TEST(test_more_frames_than_kept)
{
    static char src[1 << 21];
    /* 10240 frames = 93 whole threads of 110 and 10 frames of the 94th. */
    const struct sw_py_dump *d = parse_n(src, many_threads(src, sizeof src, 100, 110));
    ck_assert_uint_eq(d->nthreads, 100);
    ck_assert(!d->more_threads);
    ck_assert_uint_eq(d->nframes, SW_PY_FRAMES_MAX);
    ck_assert_uint_eq(d->threads[92].nframes, 110);
    ck_assert(!d->threads[92].cut);
    ck_assert_uint_eq(d->threads[93].nframes, 10);
    ck_assert(d->threads[93].cut);
    ck_assert_uint_eq(d->threads[94].nframes, 0);
    ck_assert(d->threads[94].cut);
    /* Parsing again starts afresh. */
    d = parse(two_threads);
    ck_assert_uint_eq(d->nthreads, 2);
    ck_assert(!d->threads[0].cut && !d->threads[1].cut);
}
END_TEST

START_TEST(test_empty_and_blank_input)
{
    ck_assert_uint_eq(parse("")->nthreads, 0);
    ck_assert_uint_eq(parse("\n\n\n")->nthreads, 0);
    ck_assert_uint_eq(parse_n("\0\0\n\0", 4)->nthreads, 0);
}
END_TEST

/* Random bytes, and random splices of valid lines with random cuts and corruptions: parse()
 * checks the invariants each time. */
START_TEST(test_random_input_keeps_the_invariants)
{
    static const char *const pieces[] = {
        "Thread 0x00007f3b2a5ff6c0 (most recent call first):\n",
        "Current thread 0x0000000000000001 (most recent call first):\n",
        "  File \"/usr/lib/python3.11/threading.py\", line 320 in wait\n",
        "  File ???, line ??? in ???\n",
        "  File \"/a\\xe9\\u20ac\\U0001f600\\udce9\", line 7 in f\\x\n",
        "  ...\n",
        "...\n",
        "\n",
        "  <no Python frame>\n",
        "  Garbage-collecting\n",
        "  File \"",
        "\", line ",
        " in ",
        "\\U",
        "\\x4",
        "0x",
        "\n",
    };
    static char src[1 << 16];
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 4000; round++) {
        size_t n = 0;
        while (n < 4096) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if (round % 4 == 0) {
                src[n++] = (char)(seed >> 24);
                continue;
            }
            const char *p = pieces[seed % (sizeof pieces / sizeof *pieces)];
            size_t len = strlen(p);
            if ((seed >> 32) % 7 == 0)
                len = (size_t)((seed >> 40) % (len + 1)); /* cut it */
            memcpy(src + n, p, len);
            n += len;
            if ((seed >> 48) % 11 == 0 && n > 0)
                src[n - 1] = (char)(seed >> 56); /* corrupt a byte */
        }
        parse_n(src, n);
    }
}
END_TEST

static Suite *pyparse_suite(void)
{
    Suite *s = suite_create("pyparse");
    TCase *tc = tcase_create("pyparse");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_threads_and_frames_innermost_first);
    tcase_add_test(tc, test_find_by_pthread_id);
    tcase_add_test(tc, test_current_thread_header_and_garbage_collecting_line);
    tcase_add_test(tc, test_thread_without_python_frame);
    tcase_add_test(tc, test_depth_limit_marks_the_thread_cut);
    tcase_add_test(tc, test_thread_limit_line_ends_the_dump);
    tcase_add_test(tc, test_unknown_file_line_and_name_are_null_and_zero);
    tcase_add_test(tc, test_escapes_are_decoded_to_utf8);
    tcase_add_test(tc, test_escapes_that_are_not_code_points_stay_as_written);
    tcase_add_test(tc, test_cut_last_line_is_ignored);
    tcase_add_test(tc, test_frames_without_a_header_belong_to_nobody);
    tcase_add_test(tc, test_bad_headers_are_not_threads);
    tcase_add_test(tc, test_malformed_frame_lines_are_skipped);
    tcase_add_test(tc, test_separator_inside_a_name_splits_at_the_last_one);
    tcase_add_test(tc, test_huge_names_are_kept_whole);
    tcase_add_test(tc, test_line_numbers_that_overflow_are_unknown);
    tcase_add_test(tc, test_same_thread_twice_keeps_the_first);
    tcase_add_test(tc, test_more_threads_than_kept);
    tcase_add_test(tc, test_more_frames_than_kept);
    tcase_add_test(tc, test_empty_and_blank_input);
    tcase_add_test(tc, test_random_input_keeps_the_invariants);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(pyparse_suite());
}
