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
    return sw_proclocks_holder(text, type, maj, min, ino);
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
    ck_assert_int_eq(sw_proclocks_holder(empty, "POSIX", 8, 1, 1234), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("proclocks");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_calls_wait_for_their_own_kind_of_lock);
    tcase_add_test(tc, test_the_holder_is_found_by_device_and_inode_and_waiters_are_skipped);
    tcase_add_test(tc, test_other_files_kinds_and_unowned_locks_give_nobody);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
