/* Unit suite for file lock holders from /proc/locks text (src/core/proclocks.c). */
#include <check.h>
#include <string.h>

#include "core/proclocks.h"
#include "support.h"

static const char locks[] =
    "1: POSIX  ADVISORY  WRITE 4242 08:01:1234 0 EOF\n"
    "1: -> POSIX  ADVISORY  WRITE 5151 08:01:1234 0 EOF\n"
    "2: FLOCK  ADVISORY  WRITE 777 00:2a:99 0 EOF\n"
    "3: OFDLCK ADVISORY  READ  -1 fd:00:5555 0 EOF\n"
    "4: POSIX  ADVISORY  READ  888 fd:00:6666 0 100\n";

static pid_t holder(const char *type, unsigned maj, unsigned min, uint64_t ino)
{
    char text[sizeof locks];
    memcpy(text, locks, sizeof locks);
    return sw_proclocks_holder(text, type, maj, min, ino, 5151);
}

START_TEST(test_calls_wait_for_their_own_kind_of_lock)
{
    ck_assert_str_eq(sw_proclocks_type(SW_CALL_FLOCK), "FLOCK");
    ck_assert_str_eq(sw_proclocks_type(SW_CALL_FCNTL), "POSIX");
    ck_assert_str_eq(sw_proclocks_type(SW_CALL_LOCKF), "POSIX");
    ck_assert_ptr_null(sw_proclocks_type(SW_CALL_READ));
}
END_TEST

START_TEST(test_the_holder_is_found_by_device_and_inode_and_waiters_are_skipped)
{
    ck_assert_int_eq(holder("POSIX", 8, 1, 1234), 4242);
    ck_assert_int_eq(holder("FLOCK", 0, 0x2a, 99), 777);
    ck_assert_int_eq(holder("POSIX", 0xfd, 0, 6666), 888);
}
END_TEST

START_TEST(test_other_files_kinds_and_unowned_locks_give_nobody)
{
    ck_assert_int_eq(holder("POSIX", 8, 1, 1235), 0);  /* another inode */
    ck_assert_int_eq(holder("POSIX", 8, 2, 1234), 0);  /* another device */
    ck_assert_int_eq(holder("FLOCK", 8, 1, 1234), 0);  /* a POSIX lock is no flock */
    ck_assert_int_eq(holder("POSIX", 0xfd, 0, 5555), 0); /* an OFD lock has no process */
    char empty[] = "";
    ck_assert_int_eq(sw_proclocks_holder(empty, "POSIX", 8, 1, 1234, 5151), 0);
}
END_TEST

/* Two processes hold locks on different ranges of one file; the waiter is listed under the
 * one it waits for (the second), which is its holder, not the first lock on the file. Deeper
 * waiters are indented under other waiters and keep the number of the held lock. */
START_TEST(test_the_waiters_own_line_names_the_lock_it_waits_for)
{
    const char text[] = "1: POSIX  ADVISORY  WRITE 100 08:01:42 0 9\n"
                        "2: POSIX  ADVISORY  WRITE 200 08:01:42 10 19\n"
                        "2: -> POSIX  ADVISORY  WRITE 300 08:01:42 10 12\n"
                        "2:  -> POSIX  ADVISORY  WRITE 400 08:01:42 11 11\n"
                        "3: FLOCK  ADVISORY  WRITE 500 08:01:42 0 EOF\n";
    ck_assert_int_eq(sw_proclocks_holder(text, "POSIX", 8, 1, 42, 300), 200);
    ck_assert_int_eq(sw_proclocks_holder(text, "POSIX", 8, 1, 42, 400), 200);
    /* No line of its own: the first lock on the file held by another process. */
    ck_assert_int_eq(sw_proclocks_holder(text, "POSIX", 8, 1, 42, 100), 200);
    ck_assert_int_eq(sw_proclocks_holder(text, "POSIX", 8, 1, 42, 999), 100);
    /* A flock waiter is not a POSIX one. */
    ck_assert_int_eq(sw_proclocks_holder(text, "FLOCK", 8, 1, 42, 300), 500);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("proclocks");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_calls_wait_for_their_own_kind_of_lock);
    tcase_add_test(tc, test_the_holder_is_found_by_device_and_inode_and_waiters_are_skipped);
    tcase_add_test(tc, test_other_files_kinds_and_unowned_locks_give_nobody);
    tcase_add_test(tc, test_the_waiters_own_line_names_the_lock_it_waits_for);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
