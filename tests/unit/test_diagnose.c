/* Unit suite for fingerprints and wait-for cycles (src/diagnose.c). */
#include <check.h>
#include <string.h>

#include "core/diagnose.h"
#include "support.h"

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define APP  "/usr/bin/app"

static const struct sw_frame stack_a[] = {
    {0x7f0000001000, LIBC, 0x86129, "aa", "futex_wait", "f.h", 146, true},
    {0x7f0000001000, LIBC, 0x86129, "aa", "__GI___lll_lock_wait", "l.c", 49},
    {0x5500000001000, APP, 0x1235, "bb", "take_b_after_a", "abba.c", 17},
    {0x5500000002000, APP, 0x1257, "bb", "worker_a", "abba.c", 31},
};

START_TEST(test_fingerprint_ignores_addresses_and_lines)
{
    struct sw_frame other[4];
    memcpy(other, stack_a, sizeof other);
    for (int i = 0; i < 4; i++) {
        other[i].pc += 0x1000;
        other[i].offset += 0x10;
        other[i].line += 3;
        other[i].build_id = "cc";
    }
    ck_assert_uint_eq(sw_fingerprint("pthread_mutex_lock", stack_a, 4),
                      sw_fingerprint("pthread_mutex_lock", other, 4));
}
END_TEST

START_TEST(test_fingerprint_ignores_libc_inlined_and_unnamed_frames)
{
    /* The same hang seen without glibc's debuginfo: different libc names, no inlined frame,
     * an unnamed frame. */
    const struct sw_frame bare[] = {
        {0x7f0000001000, LIBC, 0x86129, NULL, "__lll_lock_wait", NULL, 0},
        {0x7f0000005000, "/lib/x86_64-linux-gnu/libc.so.6", 0x1, NULL, NULL, NULL, 0},
        {0x5500000001000, APP, 0x1235, NULL, "take_b_after_a", NULL, 0},
        {0x5500000003000, APP, 0x9999, NULL, NULL, NULL, 0},
        {0x5500000002000, APP, 0x1257, NULL, "worker_a", NULL, 0},
    };
    ck_assert_uint_eq(sw_fingerprint("pthread_mutex_lock", stack_a, 4),
                      sw_fingerprint("pthread_mutex_lock", bare, 5));
}
END_TEST

/* Raw stacks (no names at all outside libc) of different code differ; of the same code, at
 * the same places, do not. */
START_TEST(test_raw_stacks_count_by_module_and_offset)
{
    const struct sw_frame raw_a[] = {
        {0x7f0000001000, LIBC, 0x86129, "aa", NULL, NULL, 0},
        {0x5500000001000, APP, 0x1235, "bb", NULL, NULL, 0},
        {0x5500000002000, APP, 0x1257, "bb", NULL, NULL, 0},
    };
    struct sw_frame raw_b[3], same[3];
    memcpy(raw_b, raw_a, sizeof raw_b);
    raw_b[1].offset = 0x11e1; /* another function of the program */
    memcpy(same, raw_a, sizeof same);
    same[0].offset = 0x86130; /* libc's internals are left out */
    same[1].pc += 0x1000;     /* another load address */
    same[2].module = "/elsewhere/app"; /* the file name counts, not the directory */
    ck_assert_uint_ne(sw_fingerprint("pthread_mutex_lock", raw_a, 3),
                      sw_fingerprint("pthread_mutex_lock", raw_b, 3));
    ck_assert_uint_eq(sw_fingerprint("pthread_mutex_lock", raw_a, 3),
                      sw_fingerprint("pthread_mutex_lock", same, 3));
    /* A call alone (no frames) is not a raw stack's fingerprint. */
    ck_assert_uint_ne(sw_fingerprint("pthread_mutex_lock", raw_a, 3),
                      sw_fingerprint("pthread_mutex_lock", raw_a, 1));
}
END_TEST

START_TEST(test_fingerprint_tells_calls_and_functions_apart)
{
    struct sw_frame other[4];
    memcpy(other, stack_a, sizeof other);
    other[2].function = "take_a_after_b";
    uint64_t a = sw_fingerprint("pthread_mutex_lock", stack_a, 4);
    ck_assert_uint_ne(a, sw_fingerprint("pthread_mutex_lock", other, 4));
    ck_assert_uint_ne(a, sw_fingerprint("pthread_rwlock_wrlock", stack_a, 4));
    /* Names are separated: "ab"+"c" is not "a"+"bc". */
    const struct sw_frame ab_c[] = {{1, APP, 0, NULL, "ab"}, {2, APP, 0, NULL, "c"}};
    const struct sw_frame a_bc[] = {{1, APP, 0, NULL, "a"}, {2, APP, 0, NULL, "bc"}};
    ck_assert_uint_ne(sw_fingerprint("x", ab_c, 2), sw_fingerprint("x", a_bc, 2));
}
END_TEST

START_TEST(test_fingerprint_is_never_zero_and_prints_16_hex_digits)
{
    char hex[17];
    uint64_t fp = sw_fingerprint(NULL, NULL, 0);
    ck_assert_uint_ne(fp, 0);
    sw_fingerprint_hex(0x00a1b2c3d4e5f607ull, hex);
    ck_assert_str_eq(hex, "00a1b2c3d4e5f607");
}
END_TEST

static const struct sw_frame interp[] = {
    {0x7f0000001000, LIBC, 0x85f14, "aa", "__futex_abstimed_wait_common", "f.c", 87},
    {0x4f905f, "/usr/bin/python3.11", 0x4f905f, "cc", "PyThread_acquire_lock_timed"},
    {0x52b9e0, "/usr/bin/python3.11", 0x52b9e0, "cc", "_PyEval_EvalFrameDefault"},
};

static const struct sw_py_frame py_a[] = {
    {"wait_for_config", "/srv/app.py", 7},
    {"<module>", "/srv/app.py", 30},
};

static struct sw_thread_report entry(const struct sw_py_frame *py, unsigned npy)
{
    struct sw_thread_report t = {.call = "sem_wait", .frames = interp, .nframes = 3};
    t.python_frames = py;
    t.npython_frames = npy;
    return t;
}

START_TEST(test_entry_fingerprint_without_python_is_the_stacks)
{
    struct sw_thread_report t = entry(NULL, 0);
    uint64_t native = sw_fingerprint("sem_wait", interp, 3);
    ck_assert_uint_eq(sw_fingerprint_thread(&t), native);
    t = entry(py_a, 0);
    ck_assert_uint_eq(sw_fingerprint_thread(&t), native);
    t = entry(py_a, 2);
    ck_assert_uint_ne(sw_fingerprint_thread(&t), native);
}
END_TEST

START_TEST(test_entry_fingerprint_tells_python_functions_apart_not_their_lines)
{
    struct sw_py_frame other[2], moved[2];
    memcpy(other, py_a, sizeof other);
    memcpy(moved, py_a, sizeof moved);
    other[0].function = "wait_for_peer";
    moved[0].line = 70;
    moved[1].file = "/opt/app.py";
    struct sw_thread_report a = entry(py_a, 2), b = entry(other, 2), c = entry(moved, 2);
    ck_assert_uint_ne(sw_fingerprint_thread(&a), sw_fingerprint_thread(&b));
    ck_assert_uint_eq(sw_fingerprint_thread(&a), sw_fingerprint_thread(&c));
    /* An unknown name is left out, as for native frames. */
    const struct sw_py_frame with_unknown[] = {
        {"wait_for_config", "/srv/app.py", 7}, {NULL, NULL, 0}, {"<module>", "/srv/app.py", 30}};
    struct sw_thread_report d = entry(with_unknown, 3);
    ck_assert_uint_eq(sw_fingerprint_thread(&a), sw_fingerprint_thread(&d));
}
END_TEST

START_TEST(test_combined_fingerprint_ignores_order_but_not_members)
{
    uint64_t ab[] = {11, 22}, ba[] = {22, 11}, aa[] = {11, 11}, a[] = {11};
    ck_assert_uint_eq(sw_fingerprint_combine(ab, 2), sw_fingerprint_combine(ba, 2));
    ck_assert_uint_ne(sw_fingerprint_combine(ab, 2), sw_fingerprint_combine(aa, 2));
    ck_assert_uint_ne(sw_fingerprint_combine(aa, 2), sw_fingerprint_combine(a, 1));
}
END_TEST

START_TEST(test_cycle_of_two_is_found_from_either_member)
{
    int next[] = {1, 0};
    unsigned cycle[4];
    ck_assert_uint_eq(sw_find_cycle(next, 2, 0, cycle, 4), 2);
    ck_assert_uint_eq(cycle[0], 0);
    ck_assert_uint_eq(cycle[1], 1);
    ck_assert_uint_eq(sw_find_cycle(next, 2, 1, cycle, 4), 2);
    ck_assert_uint_eq(cycle[0], 1);
}
END_TEST

START_TEST(test_thread_waiting_for_itself_is_a_cycle_of_one)
{
    int next[] = {-1, 1};
    unsigned cycle[4];
    ck_assert_uint_eq(sw_find_cycle(next, 2, 1, cycle, 4), 1);
    ck_assert_uint_eq(sw_find_cycle(next, 2, 0, cycle, 4), 0);
}
END_TEST

START_TEST(test_chain_into_a_cycle_is_not_that_cycle)
{
    /* 0 -> 1 -> 2 -> 3 -> 1: 0 waits on a deadlock it is not part of. */
    int next[] = {1, 2, 3, 1};
    unsigned cycle[8];
    ck_assert_uint_eq(sw_find_cycle(next, 4, 0, cycle, 8), 0);
    ck_assert_uint_eq(sw_find_cycle(next, 4, 2, cycle, 8), 3);
}
END_TEST

START_TEST(test_chain_ending_at_a_running_owner_is_no_cycle)
{
    int next[] = {1, 2, -1};
    unsigned cycle[8];
    ck_assert_uint_eq(sw_find_cycle(next, 3, 0, cycle, 8), 0);
}
END_TEST

START_TEST(test_cycle_longer_than_room_is_not_reported_cut)
{
    int next[] = {1, 2, 3, 4, 0};
    unsigned cycle[3];
    ck_assert_uint_eq(sw_find_cycle(next, 5, 0, cycle, 3), 0);
    unsigned room[5];
    ck_assert_uint_eq(sw_find_cycle(next, 5, 0, room, 5), 5);
}
END_TEST

START_TEST(test_the_loader_is_known_by_its_file_name)
{
    ck_assert(sw_loader_module("/lib64/ld-linux-x86-64.so.2"));
    ck_assert(sw_loader_module("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
    ck_assert(sw_loader_module("ld.so.1"));
    ck_assert(!sw_loader_module("/usr/lib/x86_64-linux-gnu/libc.so.6"));
    ck_assert(!sw_loader_module("/opt/app/bin/old-linux-tool"));
    ck_assert(!sw_loader_module(NULL));
}
END_TEST

/* A condition variable's or a semaphore's futex word is no lock: no holder is looked up for
 * it (its neighbour in memory could pass for one), except while pthread_cond_wait takes its
 * mutex again. */
START_TEST(test_only_lock_words_have_holders)
{
    static const char *libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    struct sw_frame waiting[] = {{.module = libc, .function = "__futex_abstimed_wait_common"},
                                 {.module = libc, .function = "___pthread_cond_wait"},
                                 {.module = "/app/bin/server", .function = "main"}};
    struct sw_frame relocking[] = {{.module = libc, .function = "__GI___lll_lock_wait"},
                                   {.module = libc, .function = "__pthread_mutex_cond_lock"},
                                   {.module = libc, .function = "___pthread_cond_wait"},
                                   {.module = "/app/bin/lll_lock_wait_helper", .function = "x"}};
    struct sw_thread_report t = {.frames = waiting, .nframes = 3};
    ck_assert(!sw_futex_is_lock(&t, SW_CALL_PTHREAD_COND_WAIT));
    ck_assert(!sw_futex_is_lock(&t, SW_CALL_SEM_WAIT));
    ck_assert(!sw_futex_is_lock(&t, SW_CALL_PTHREAD_BARRIER_WAIT));
    ck_assert(sw_futex_is_lock(&t, SW_CALL_PTHREAD_MUTEX_LOCK));
    ck_assert(sw_futex_is_lock(&t, SW_CALL_PTHREAD_JOIN));
    ck_assert(sw_futex_is_lock(&t, SW_CALL_PTHREAD_RWLOCK_WRLOCK));
    ck_assert(sw_futex_is_lock(&t, SW_CALL_NONE)); /* an internal lock: stdio, the loader */
    t.frames = relocking;
    t.nframes = 4;
    ck_assert(sw_futex_is_lock(&t, SW_CALL_PTHREAD_COND_WAIT));
    /* Only the C library's own frames count. */
    t.frames = relocking + 2;
    t.nframes = 2;
    ck_assert(!sw_futex_is_lock(&t, SW_CALL_PTHREAD_COND_WAIT));
}
END_TEST

static Suite *diagnose_suite(void)
{
    Suite *s = suite_create("diagnose");
    TCase *tc = tcase_create("diagnose");
    tcase_add_test(tc, test_fingerprint_ignores_addresses_and_lines);
    tcase_add_test(tc, test_fingerprint_ignores_libc_inlined_and_unnamed_frames);
    tcase_add_test(tc, test_fingerprint_tells_calls_and_functions_apart);
    tcase_add_test(tc, test_raw_stacks_count_by_module_and_offset);
    tcase_add_test(tc, test_fingerprint_is_never_zero_and_prints_16_hex_digits);
    tcase_add_test(tc, test_entry_fingerprint_without_python_is_the_stacks);
    tcase_add_test(tc, test_entry_fingerprint_tells_python_functions_apart_not_their_lines);
    tcase_add_test(tc, test_combined_fingerprint_ignores_order_but_not_members);
    tcase_add_test(tc, test_cycle_of_two_is_found_from_either_member);
    tcase_add_test(tc, test_thread_waiting_for_itself_is_a_cycle_of_one);
    tcase_add_test(tc, test_chain_into_a_cycle_is_not_that_cycle);
    tcase_add_test(tc, test_chain_ending_at_a_running_owner_is_no_cycle);
    tcase_add_test(tc, test_cycle_longer_than_room_is_not_reported_cut);
    tcase_add_test(tc, test_the_loader_is_known_by_its_file_name);
    tcase_add_test(tc, test_only_lock_words_have_holders);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(diagnose_suite());
}
