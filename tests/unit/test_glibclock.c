/* Unit suite for the glibc lock layouts (src/core/glibclock.c): the holder of real mutexes,
 * rwlocks and stdio locks of this process, read through a memory reader as the watchdog and
 * `stallwatch dump` read them, and what an unreadable lock gives. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/glibclock.h"
#include "support.h"

static ssize_t read_here(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    memcpy(buf, (const void *)(uintptr_t)addr, len);
    return (ssize_t)len;
}

static ssize_t read_nothing(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    (void)addr;
    (void)buf;
    (void)len;
    return -1;
}

static const struct sw_memread here = {read_here, NULL};
static const struct sw_memread nowhere = {read_nothing, NULL};

/* The holder thread, as the thread set knows it. */
static pid_t holder_tid;
static pthread_t holder_self;

static bool has(void *ctx, pid_t tid)
{
    (void)ctx;
    return tid == holder_tid || tid == (pid_t)syscall(SYS_gettid);
}

static pid_t of_self(void *ctx, uint64_t self)
{
    (void)ctx;
    return self == (uint64_t)holder_self ? holder_tid : 0;
}

static const struct sw_threadset threads = {has, of_self, NULL};

enum what { MUTEX, RWLOCK, STDIO, PI_MUTEX };
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pi_mutex;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t taken, release;

static void *hold(void *arg)
{
    enum what w = (enum what)(intptr_t)arg;
    holder_tid = (pid_t)syscall(SYS_gettid);
    holder_self = pthread_self();
    if (w == MUTEX)
        pthread_mutex_lock(&mutex);
    else if (w == PI_MUTEX)
        pthread_mutex_lock(&pi_mutex);
    else if (w == RWLOCK)
        pthread_rwlock_wrlock(&rwlock);
    else
        flockfile(stdout);
    pthread_barrier_wait(&taken);
    pthread_barrier_wait(&release);
    if (w == MUTEX)
        pthread_mutex_unlock(&mutex);
    else if (w == PI_MUTEX)
        pthread_mutex_unlock(&pi_mutex);
    else if (w == RWLOCK)
        pthread_rwlock_unlock(&rwlock);
    else
        funlockfile(stdout);
    return NULL;
}

static pthread_t start(enum what w)
{
    pthread_barrier_init(&taken, NULL, 2);
    pthread_barrier_init(&release, NULL, 2);
    pthread_t t;
    pthread_create(&t, NULL, hold, (void *)(intptr_t)w);
    pthread_barrier_wait(&taken);
    return t;
}

static void finish(pthread_t t)
{
    pthread_barrier_wait(&release);
    pthread_join(t, NULL);
    pthread_barrier_destroy(&taken);
    pthread_barrier_destroy(&release);
}

START_TEST(test_a_held_mutex_names_its_holder_and_a_free_one_nobody)
{
    pthread_t t = start(MUTEX);
    ck_assert_int_eq(sw_glibc_mutex_owner(&here, (uintptr_t)&mutex), holder_tid);
    /* The word a waiter sleeps on is the mutex's first: read as a futex word, it agrees. */
    ck_assert_int_eq(sw_glibc_futex_owner(&here, &threads, (uintptr_t)&mutex), holder_tid);
    finish(t);
    ck_assert_int_eq(sw_glibc_mutex_owner(&here, (uintptr_t)&mutex), 0);
    ck_assert_int_eq(sw_glibc_futex_owner(&here, &threads, (uintptr_t)&mutex), 0);
}
END_TEST

START_TEST(test_a_priority_inheritance_mutex_names_its_holder_from_the_word)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&pi_mutex, &a);
    pthread_t t = start(PI_MUTEX);
    ck_assert_int_eq(sw_glibc_mutex_owner(&here, (uintptr_t)&pi_mutex), holder_tid);
    finish(t);
    ck_assert_int_eq(sw_glibc_mutex_owner(&here, (uintptr_t)&pi_mutex), 0);
    pthread_mutex_destroy(&pi_mutex);
}
END_TEST

START_TEST(test_a_rwlock_names_its_writer)
{
    pthread_t t = start(RWLOCK);
    ck_assert_int_eq(sw_glibc_rwlock_writer(&here, (uintptr_t)&rwlock), holder_tid);
    finish(t);
    ck_assert_int_eq(sw_glibc_rwlock_writer(&here, (uintptr_t)&rwlock), 0);
}
END_TEST

START_TEST(test_a_stdio_lock_names_its_holder_through_its_pthread_t)
{
    uintptr_t lock = (uintptr_t)stdout->_lock;
    ck_assert(!sw_glibc_is_stdio_lock(&here, &threads, lock));
    pthread_t t = start(STDIO);
    ck_assert(sw_glibc_is_stdio_lock(&here, &threads, lock));
    ck_assert_int_eq(sw_glibc_futex_owner(&here, &threads, lock), holder_tid);
    finish(t);
    ck_assert(!sw_glibc_is_stdio_lock(&here, &threads, lock));
}
END_TEST

START_TEST(test_an_unreadable_lock_has_no_holder)
{
    pthread_t t = start(MUTEX);
    ck_assert_int_eq(sw_glibc_mutex_owner(&nowhere, (uintptr_t)&mutex), 0);
    ck_assert_int_eq(sw_glibc_rwlock_writer(&nowhere, (uintptr_t)&rwlock), 0);
    ck_assert_int_eq(sw_glibc_futex_owner(&nowhere, &threads, (uintptr_t)&mutex), 0);
    ck_assert(!sw_glibc_is_stdio_lock(&nowhere, &threads, (uintptr_t)&mutex));
    finish(t);
}
END_TEST

START_TEST(test_a_holder_that_is_not_one_of_the_threads_is_not_named_from_a_futex_word)
{
    /* A word that looks like a held lock whose owner field names no thread we know. */
    struct {
        int lock;
        unsigned count;
        int owner;
        int pad[3];
    } fake = {2, 0, 999999, {0}};
    ck_assert_int_eq(sw_glibc_futex_owner(&here, &threads, (uintptr_t)&fake), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("glibclock");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_a_held_mutex_names_its_holder_and_a_free_one_nobody);
    tcase_add_test(tc, test_a_priority_inheritance_mutex_names_its_holder_from_the_word);
    tcase_add_test(tc, test_a_rwlock_names_its_writer);
    tcase_add_test(tc, test_a_stdio_lock_names_its_holder_through_its_pthread_t);
    tcase_add_test(tc, test_an_unreadable_lock_has_no_holder);
    tcase_add_test(tc, test_a_holder_that_is_not_one_of_the_threads_is_not_named_from_a_futex_word);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
