/* Unit suite for the kernel fallback's table (src/core/kernel.c): what a blocked system call
 * is named, waits on, is judged as, and whether our capture signal would be seen. */
#include <check.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>

#include "core/kernel.h"
#include "support.h"

static struct sw_klook blocked(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return (struct sw_klook){.blocked = true, .state = 'S', .nr = nr, .args = {a0, a1, a2, a3}};
}

static struct sw_kcall meaning(struct sw_klook k)
{
    struct sw_kcall kc;
    ck_assert(sw_kernel_call(&k, &kc));
    return kc;
}

START_TEST(test_a_running_thread_means_nothing)
{
    struct sw_klook k = {.blocked = false};
    struct sw_kcall kc;
    ck_assert(!sw_kernel_call(&k, &kc));
}
END_TEST

START_TEST(test_glibc_lock_waits_are_locks_and_restart_after_a_signal)
{
    struct sw_kcall kc = meaning(blocked(SYS_futex, 0x1000, FUTEX_WAIT_PRIVATE, 2, 0));
    ck_assert_int_eq(kc.call, SW_CALL_FUTEX);
    ck_assert_uint_eq(kc.obj, 0x1000);
    ck_assert(kc.lock);
    ck_assert_int_eq(kc.cls, SW_CLASS_LOCK);
    ck_assert_int_eq(kc.signal, SW_KSIG_OK);
    kc = meaning(blocked(SYS_futex, 0x1000, FUTEX_LOCK_PI_PRIVATE, 0, 0));
    ck_assert(kc.lock);
    ck_assert_int_eq(kc.signal, SW_KSIG_OK);
}
END_TEST

START_TEST(test_other_futex_waits_are_waits_and_timed_ones_are_never_signalled)
{
    struct sw_kcall kc = meaning(blocked(SYS_futex, 0x2000, FUTEX_WAIT_BITSET_PRIVATE, 0, 0));
    ck_assert(!kc.lock);
    ck_assert_int_eq(kc.cls, SW_CLASS_WAIT);
    ck_assert_int_eq(kc.signal, SW_KSIG_OK);
    kc = meaning(blocked(SYS_futex, 0x2000, FUTEX_WAIT_BITSET_PRIVATE, 0, 0x7fff0000));
    ck_assert_int_eq(kc.signal, SW_KSIG_NEVER);
    kc = meaning(blocked(SYS_futex, 0x2000, FUTEX_WAKE_PRIVATE, 1, 0));
    ck_assert(!kc.lock);
}
END_TEST

START_TEST(test_calls_on_descriptors_are_named_and_classed_from_the_descriptor)
{
    struct sw_kcall kc = meaning(blocked(SYS_read, 7, 0x1234, 100, 0));
    ck_assert_int_eq(kc.call, SW_CALL_READ);
    ck_assert_uint_eq(kc.obj, 7);
    ck_assert_int_eq(kc.cls, SW_CLASS_FD);
    ck_assert_int_eq(kc.signal, SW_KSIG_FD);
    kc = meaning(blocked(SYS_recvfrom, 8, 0, 0, 0));
    ck_assert_int_eq(kc.call, SW_CALL_RECVFROM);
    ck_assert_int_eq(kc.cls, SW_CLASS_PEER);
    ck_assert_int_eq(kc.signal, SW_KSIG_NEVER);
    kc = meaning(blocked(SYS_newfstatat, (uint64_t)-100, 0xabc, 0, 0));
    ck_assert_int_eq(kc.call, SW_CALL_FSTATAT);
    ck_assert_uint_eq(kc.obj, 0xabc);
    ck_assert_int_eq(kc.cls, SW_CLASS_DISK);
}
END_TEST

START_TEST(test_sleeps_and_polls_are_idle_and_never_signalled)
{
    static const long nrs[] = {SYS_poll,      SYS_ppoll,           SYS_epoll_wait,
                               SYS_nanosleep, SYS_clock_nanosleep, SYS_select,
                               SYS_pselect6};
    for (unsigned i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {
        struct sw_kcall kc = meaning(blocked(nrs[i], 0, 0, 0, 0));
        ck_assert_int_eq(kc.cls, SW_CLASS_IDLE);
        ck_assert_int_eq(kc.signal, SW_KSIG_NEVER);
    }
}
END_TEST

START_TEST(test_ipc_waits_are_waits_on_their_id)
{
    struct sw_kcall kc = meaning(blocked(SYS_semtimedop, 42, 0, 1, 0));
    ck_assert_int_eq(kc.call, SW_CALL_SEMTIMEDOP);
    ck_assert_uint_eq(kc.obj, 42);
    ck_assert_int_eq(kc.cls, SW_CLASS_WAIT);
    kc = meaning(blocked(SYS_msgrcv, 43, 0, 0, 0));
    ck_assert_int_eq(kc.call, SW_CALL_MSGRCV);
    ck_assert_int_eq(kc.cls, SW_CLASS_WAIT);
}
END_TEST

START_TEST(test_an_unknown_call_is_a_wait_named_syscall_with_its_number)
{
    struct sw_kcall kc = meaning(blocked(4000, 1, 2, 3, 4));
    ck_assert_int_eq(kc.call, SW_CALL_K_OTHER);
    ck_assert_str_eq(sw_call_name(kc.call), "syscall");
    ck_assert_uint_eq(kc.obj, 4000);
    ck_assert_int_eq(kc.cls, SW_CLASS_WAIT);
    ck_assert_int_eq(kc.signal, SW_KSIG_NEVER);
}
END_TEST

START_TEST(test_a_wait_is_the_same_until_its_call_or_object_changes)
{
    struct sw_klook a = blocked(SYS_futex, 0x1000, FUTEX_WAIT_PRIVATE, 2, 0);
    struct sw_klook b = a;
    ck_assert(sw_kernel_same(&a, &b));
    b.args[0] = 0x2000;
    ck_assert(!sw_kernel_same(&a, &b));
    b = blocked(SYS_restart_syscall, 0, 0, 0, 0);
    ck_assert(sw_kernel_same(&a, &b));
    b.blocked = false;
    ck_assert(!sw_kernel_same(&a, &b));
}
END_TEST

START_TEST(test_uninterruptible_sleep_is_disk)
{
    ck_assert_int_eq(sw_kernel_class(SW_CLASS_WAIT, 'D'), SW_CLASS_DISK);
    ck_assert_int_eq(sw_kernel_class(SW_CLASS_WAIT, 'S'), SW_CLASS_WAIT);
    ck_assert_int_eq(sw_kernel_class(SW_CLASS_IDLE, 0), SW_CLASS_IDLE);
}
END_TEST

/* The table names its calls by offsets into one string (core/calls.c): each id still gets
 * its own name, in calls.def's order, the first and the last rows included. */
START_TEST(test_every_call_has_its_own_name)
{
    ck_assert_str_eq(sw_call_name(SW_CALL_NONE), "none");
    ck_assert_str_eq(sw_call_name(SW_CALL_PTHREAD_MUTEX_LOCK), "pthread_mutex_lock");
    ck_assert_str_eq(sw_call_name(SW_CALL_PTHREAD_MUTEX_TIMEDLOCK), "pthread_mutex_timedlock");
    ck_assert_str_eq(sw_call_name(SW_CALL_K_GETRANDOM), "getrandom");
    ck_assert_str_eq(sw_call_name(SW_CALL_K_OTHER), "syscall");
    for (unsigned a = 1; a < SW_CALL_COUNT; a++) {
        ck_assert_uint_gt(strlen(sw_call_name(a)), 1);
        ck_assert_uint_gt(sw_calls[a].name, sw_calls[a - 1].name);
        ck_assert_uint_eq(sw_calls[a].name,
                          sw_calls[a - 1].name + strlen(sw_call_name(a - 1)) + 1);
    }
}
END_TEST

START_TEST(test_a_stop_is_seen_only_by_the_calls_signal7_lists)
{
    static const struct {
        long nr;
        unsigned op;
        enum sw_kstop want;
    } rows[] = {
        /* Restarted unseen after a ptrace stop. */
        {SYS_futex, FUTEX_WAIT_PRIVATE, SW_KSTOP_SAFE},
        {SYS_poll, 0, SW_KSTOP_SAFE},
        {SYS_nanosleep, 0, SW_KSTOP_SAFE},
        {SYS_wait4, 0, SW_KSTOP_SAFE},
        /* EINTR even without a handler: epoll, semop, sigtimedwait, socket calls. */
        {SYS_epoll_wait, 0, SW_KSTOP_VISIBLE},
        {SYS_epoll_pwait, 0, SW_KSTOP_VISIBLE},
        {SYS_semop, 0, SW_KSTOP_VISIBLE},
        {SYS_rt_sigtimedwait, 0, SW_KSTOP_VISIBLE},
        {SYS_recvfrom, 0, SW_KSTOP_VISIBLE},
        {SYS_read, 0, SW_KSTOP_IF_SOCKET},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sw_klook k = blocked(rows[i].nr, 3, rows[i].op, 2, 0);
        ck_assert_msg(sw_kernel_stop(&k) == rows[i].want, "system call %ld", rows[i].nr);
    }
    struct sw_klook running = {.blocked = false};
    ck_assert_int_eq(sw_kernel_stop(&running), SW_KSTOP_SAFE);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kernel");
    TCase *c = tcase_create("table");
    tcase_add_test(c, test_a_running_thread_means_nothing);
    tcase_add_test(c, test_glibc_lock_waits_are_locks_and_restart_after_a_signal);
    tcase_add_test(c, test_other_futex_waits_are_waits_and_timed_ones_are_never_signalled);
    tcase_add_test(c, test_calls_on_descriptors_are_named_and_classed_from_the_descriptor);
    tcase_add_test(c, test_sleeps_and_polls_are_idle_and_never_signalled);
    tcase_add_test(c, test_ipc_waits_are_waits_on_their_id);
    tcase_add_test(c, test_an_unknown_call_is_a_wait_named_syscall_with_its_number);
    tcase_add_test(c, test_a_wait_is_the_same_until_its_call_or_object_changes);
    tcase_add_test(c, test_uninterruptible_sleep_is_disk);
    tcase_add_test(c, test_a_stop_is_seen_only_by_the_calls_signal7_lists);
    tcase_add_test(c, test_every_call_has_its_own_name);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
