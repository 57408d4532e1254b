/* Unit suite for the thread registry (src/registry.c): claim, bind, release on every way a
 * thread can end, reuse with a new generation, growth past one chunk, the fork reset. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hook/registry.h"
#include "hook/slot.h"
#include "support.h"

/* Waits for the child pid; whether it exited with status 0. */
static bool exited_0(pid_t pid)
{
    int status;
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static unsigned live_slots(void)
{
    unsigned n = 0, cap = sw_registry_capacity();
    for (unsigned i = 0; i < cap; i++)
        n += sw_slot_live(atomic_load(&sw_registry_at(i)->state));
    return n;
}

static void no_start(void)
{
}

static void *early_thread(void *arg)
{
    sw_registry_bind(arg);
    return NULL;
}

/* Before our constructor (the program's libraries' constructors run first): no call is
 * marked and the calling thread claims no slot, so the main thread is still lazy when the
 * constructor makes it the deferred thread; a thread created there gets its slot. Runs
 * first, in a process where no constructor ran. */
START_TEST(test_the_main_thread_claims_nothing_before_the_constructor)
{
    ck_assert(!sw_registry_claimed_early());
    ck_assert_ptr_eq(sw_registry_self(), &sw_slot_internal);
    ck_assert_ptr_eq(sw_self, &sw_slot_lazy);
    ck_assert(sw_registry_call_defers(SW_CALL_PTHREAD_MUTEX_LOCK));
    ck_assert(sw_registry_call_defers(SW_CALL_FLOCK));
    ck_assert(!sw_registry_watching());
    /* A thread created there (its creator claims its slot) has one from the start. */
    struct sw_slot *created = sw_registry_claim();
    ck_assert_ptr_nonnull(created);
    ck_assert(sw_registry_claimed_early());
    ck_assert_ptr_eq(sw_self, &sw_slot_lazy);
    /* It binds before our constructor runs, and still gives its slot back at its exit. */
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, early_thread, created), 0);
    pthread_join(t, NULL);
    ck_assert_uint_eq(atomic_load(&created->state), SW_SLOT_FREE);
    /* The constructor then defers the main thread, and its first lock starts the watching. */
    sw_registry_defer_start(no_start, 1u << SW_CLASS_LOCK, 0);
    ck_assert_ptr_eq(sw_self, &sw_slot_deferred);
    ck_assert(!sw_registry_call_defers(SW_CALL_PTHREAD_MUTEX_LOCK));
}
END_TEST

/* What the constructor leaves once the watching has started (the main thread has a slot). */
static void constructed_and_watching(void)
{
    if (sw_registry_init() != 0)
        abort();
    sw_registry_defer_start(no_start, 0, 0);
    sw_registry_start();
}

START_TEST(test_claim_gives_a_live_slot_with_a_new_generation)
{
    struct sw_slot *s = sw_registry_claim();
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(atomic_load(&s->state), SW_SLOT_LIVE);
    ck_assert_int_eq(atomic_load(&s->tid), 0);
    uint32_t gen = atomic_load(&s->gen);
    sw_registry_release(s);
    ck_assert_uint_eq(atomic_load(&s->state), SW_SLOT_FREE);
    /* Claim until this slot comes back: its generation has moved on. */
    struct sw_slot *again;
    struct sw_slot *held[2 * SW_CHUNK_SLOTS];
    unsigned n = 0;
    while ((again = sw_registry_claim()) != s)
        held[n++] = again;
    ck_assert_uint_gt(atomic_load(&again->gen), gen);
    sw_registry_release(again);
    while (n > 0)
        sw_registry_release(held[--n]);
}
END_TEST

START_TEST(test_claimed_slot_starts_outside_any_call)
{
    struct sw_slot *s = sw_registry_claim();
    atomic_store(&s->word, (5u << SW_CALL_BITS) | SW_CALL_READ);
    sw_registry_release(s);
    ck_assert_uint_eq(atomic_load(&s->word) & SW_CALL_MASK, 0);
}
END_TEST

START_TEST(test_registry_grows_past_one_chunk)
{
    enum { N = 3 * SW_CHUNK_SLOTS };
    static struct sw_slot *held[N];
    for (unsigned i = 0; i < N; i++) {
        held[i] = sw_registry_claim();
        ck_assert_ptr_nonnull(held[i]);
        for (unsigned j = 0; j < i; j++)
            ck_assert_ptr_ne(held[i], held[j]);
    }
    ck_assert_uint_ge(sw_registry_capacity(), N);
    for (unsigned i = 0; i < N; i++)
        sw_registry_release(held[i]);
}
END_TEST

static void *bound_thread(void *arg)
{
    struct sw_slot *s = arg;
    sw_registry_bind(s);
    ck_assert_ptr_eq(sw_self, s);
    ck_assert_int_eq(atomic_load(&s->tid), gettid());
    ck_assert(pthread_equal(s->self, pthread_self()));
    return NULL;
}

static void *exiting_thread(void *arg)
{
    sw_registry_bind(arg);
    pthread_exit(NULL);
}

static void *cancelled_thread(void *arg)
{
    sw_registry_bind(arg);
    for (;;)
        pause();
    return NULL;
}

static void run_and_check_released(void *(*fn)(void *), int cancel)
{
    unsigned before = live_slots();
    struct sw_slot *s = sw_registry_claim();
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fn, s), 0);
    if (cancel) {
        while (atomic_load(&s->tid) == 0)
            usleep(1000);
        pthread_cancel(t);
    }
    pthread_join(t, NULL);
    ck_assert_uint_eq(atomic_load(&s->state), SW_SLOT_FREE);
    ck_assert_uint_eq(live_slots(), before);
}

START_TEST(test_slot_released_when_thread_returns)
{
    run_and_check_released(bound_thread, 0);
}
END_TEST

START_TEST(test_slot_released_on_pthread_exit)
{
    run_and_check_released(exiting_thread, 0);
}
END_TEST

START_TEST(test_slot_released_on_cancellation)
{
    run_and_check_released(cancelled_thread, 1);
}
END_TEST

static void *self_registering(void *arg)
{
    (void)arg;
    struct sw_slot *s = sw_registry_self();
    ck_assert_ptr_eq(sw_self, s);
    ck_assert_int_eq(atomic_load(&s->tid), gettid());
    return s;
}

START_TEST(test_lazy_registration_binds_and_releases)
{
    unsigned before = live_slots();
    pthread_t t;
    void *s;
    pthread_create(&t, NULL, self_registering, NULL);
    pthread_join(t, &s);
    ck_assert_uint_eq(atomic_load(&((struct sw_slot *)s)->state), SW_SLOT_FREE);
    ck_assert_uint_eq(live_slots(), before);
}
END_TEST

static int settled;

static void settle(void)
{
    settled++;
    sw_registry_settle_child();
}

START_TEST(test_fork_child_keeps_only_the_forking_thread)
{
    struct sw_slot *mine = sw_registry_self();
    struct sw_slot *other = sw_registry_claim();
    uint32_t gen = atomic_load(&mine->gen);
    pid_t pid = fork();
    if (pid == 0) {
        sw_registry_after_fork_child(settle, ~0u, 0);
        sw_registry_settle_child();
        int ok = atomic_load(&other->state) == SW_SLOT_FREE && live_slots() == 1 &&
                 atomic_load(&mine->state) == SW_SLOT_LIVE && atomic_load(&mine->tid) == getpid() &&
                 atomic_load(&mine->gen) != gen;
        _exit(ok ? 0 : 1);
    }
    ck_assert(exited_0(pid));
    sw_registry_release(other);
}
END_TEST

/* The handler only stores; the child's first need of its slot runs the start, once, and a
 * call marked when the handler forked is not the child's. */
START_TEST(test_fork_child_starts_watching_at_its_first_need_of_its_slot)
{
    struct sw_slot *mine = sw_registry_self();
    pid_t pid = fork();
    if (pid == 0) {
        /* As if fork() ran in a handler that interrupted a call. */
        atomic_fetch_or(&mine->word, (uint64_t)SW_CALL_PTHREAD_MUTEX_LOCK);
        sw_registry_after_fork_child(settle, ~0u, 0);
        int ok = settled == 0 && sw_self == &sw_slot_deferred &&
                 (atomic_load(&mine->word) & SW_CALL_MASK) == 0;
        struct sw_slot *s = sw_registry_self();
        ok = ok && s == mine && sw_self == mine && settled == 1;
        sw_registry_self();
        ok = ok && settled == 1 && atomic_load(&mine->tid) == getpid();
        _exit(ok ? 0 : 1);
    }
    ck_assert(exited_0(pid));
}
END_TEST

/* A child whose first act is to create a thread: the forking thread keeps its slot. */
START_TEST(test_fork_child_creating_a_thread_first_keeps_its_slot)
{
    struct sw_slot *mine = sw_registry_self();
    pid_t pid = fork();
    if (pid == 0) {
        sw_registry_after_fork_child(settle, ~0u, 0);
        struct sw_slot *other = sw_registry_claim();
        int ok = other != NULL && other != mine && settled == 1 && sw_self == mine &&
                 atomic_load(&mine->state) == SW_SLOT_LIVE && atomic_load(&mine->tid) == getpid();
        _exit(ok ? 0 : 1);
    }
    ck_assert(exited_0(pid));
}
END_TEST

static void *exits_at_once(void *arg)
{
    struct sw_slot **out = arg;
    *out = sw_registry_self();
    return NULL;
}

/* A slot the watchdog holds is left EXITED by its thread's exit (tid kept, no call), not
 * handed out again, and freed when the watchdog lets it go. */
START_TEST(test_a_held_slot_waits_for_the_watchdog_after_its_thread_exits)
{
    struct sw_slot *s = NULL;
    pthread_t t;
    /* Hold it while the thread is alive: a barrier-free way is to hold from the thread. */
    pthread_create(&t, NULL, exits_at_once, &s);
    pthread_join(t, NULL);
    ck_assert_uint_eq(atomic_load(&s->state), SW_SLOT_FREE);
    struct sw_slot *c = sw_registry_claim();
    uint32_t gen = atomic_load(&c->gen);
    atomic_store(&c->tid, 4242);
    sw_registry_hold(c, gen, true);
    ck_assert_uint_eq(atomic_load(&c->state), SW_SLOT_HELD);
    atomic_fetch_or(&c->word, (uint64_t)SW_CALL_READ);
    sw_registry_release(c);
    ck_assert_uint_eq(atomic_load(&c->state), SW_SLOT_EXITED);
    ck_assert_int_eq(atomic_load(&c->tid), 4242);
    ck_assert_uint_eq(atomic_load(&c->word) & SW_CALL_MASK, 0);
    sw_registry_hold(c, gen + 1, false); /* another generation: not ours to free */
    ck_assert_uint_eq(atomic_load(&c->state), SW_SLOT_EXITED);
    sw_registry_hold(c, gen, false);
    ck_assert_uint_eq(atomic_load(&c->state), SW_SLOT_FREE);
    /* Held and let go while the thread lives: plain LIVE again. */
    struct sw_slot *d = sw_registry_claim();
    gen = atomic_load(&d->gen);
    sw_registry_hold(d, gen, true);
    sw_registry_hold(d, gen, false);
    ck_assert_uint_eq(atomic_load(&d->state), SW_SLOT_LIVE);
    sw_registry_release(d);
    ck_assert_uint_eq(atomic_load(&d->state), SW_SLOT_FREE);
}
END_TEST

static int started;
static pid_t started_by;

static void count_start(void)
{
    started++;
    started_by = gettid();
}

/* The process as our constructor leaves it: the main thread lazy, the start (count_start)
 * deferred to the first lock that must wait (or the 64th free one), or to a call of the aged
 * classes once the process is old enough. */
static void as_constructed(uint32_t aged)
{
    sw_self = &sw_slot_lazy;
    sw_registry_defer_start(count_start, 1u << SW_CLASS_LOCK, aged);
}

/* Runs f in a child process (the deferred start is process-wide state) and checks that it
 * returned true. */
static void in_child(int (*f)(void))
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(f() ? 0 : 1);
    ck_assert(exited_0(pid));
}

/* Until a call of a starting class, the main thread waits on the sentinel and nothing starts;
 * that call starts the watching once and gives the thread its slot. */
static int starts_at_the_first_call_of_a_starting_class(void)
{
    as_constructed(1u << SW_CLASS_DISK);
    int ok = sw_self == &sw_slot_deferred && !sw_registry_watching() &&
             sw_registry_call_defers(SW_CALL_WAITPID) && sw_registry_call_defers(SW_CALL_STAT) &&
             !sw_registry_call_defers(SW_CALL_PTHREAD_MUTEX_LOCK) && started == 0;
    struct sw_slot *s = sw_registry_self();
    ok = ok && started == 1 && sw_self == s && s != &sw_slot_deferred &&
         atomic_load(&s->tid) == gettid() && atomic_load(&s->state) == SW_SLOT_LIVE &&
         sw_registry_watching() && !sw_registry_call_defers(SW_CALL_WAITPID);
    sw_registry_self();
    return ok && started == 1;
}

/* Before the start, a call that does not start it is marked nowhere (sw_enter returns NULL,
 * nothing of ours is written: a store after a fork costs the parent a page fault); a lock
 * that must wait starts the watching and is marked in the thread's own slot. */
static int deferred_calls_are_marked_nowhere(void)
{
    as_constructed(1u << SW_CLASS_DISK);
    uint64_t internal = atomic_load(&sw_slot_internal.word);
    uint64_t deferred = atomic_load(&sw_slot_deferred.word);
    struct sw_slot *k = sw_enter(SW_CALL_WAITPID, 1234);
    int ok = k == NULL && atomic_load(&sw_slot_internal.word) == internal &&
             atomic_load(&sw_slot_deferred.word) == deferred && sw_self == &sw_slot_deferred &&
             started == 0;
    sw_leave(k);
    pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&held);
    k = sw_enter(SW_CALL_PTHREAD_MUTEX_LOCK, (uintptr_t)&held);
    ok = ok && started == 1 && k == sw_self && k != &sw_slot_deferred &&
         atomic_load(&k->call) == SW_CALL_PTHREAD_MUTEX_LOCK &&
         atomic_load(&k->obj) == (uintptr_t)&held;
    sw_leave(k);
    return ok && atomic_load(&k->call) == 0;
}

START_TEST(test_deferred_calls_are_marked_nowhere)
{
    in_child(deferred_calls_are_marked_nowhere);
}
END_TEST

/* A held spinlock starts the watching: on x86_64 glibc a held one holds 0 (a free one 1), so
 * reading its word as a mutex's took a single-threaded spin self-deadlock for a free lock,
 * and it was never watched. */
static int a_held_spinlock_starts_the_watching(void)
{
    as_constructed(0);
    pthread_spinlock_t spin;
    pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
    pthread_spin_lock(&spin);
    struct sw_slot *k = sw_enter(SW_CALL_PTHREAD_SPIN_LOCK, (uintptr_t)&spin);
    int ok = k != NULL && started == 1 && atomic_load(&k->call) == SW_CALL_PTHREAD_SPIN_LOCK;
    sw_leave(k);
    return ok;
}

START_TEST(test_a_held_spinlock_starts_the_watching)
{
    in_child(a_held_spinlock_starts_the_watching);
}
END_TEST

START_TEST(test_watching_starts_at_the_first_call_of_a_starting_class)
{
    in_child(starts_at_the_first_call_of_a_starting_class);
}
END_TEST

/* File-system calls start it only SW_START_AGE_NS after the first one. */
static int file_calls_start_it_once_the_process_is_old_enough(void)
{
    as_constructed(1u << SW_CLASS_DISK);
    int ok = sw_registry_call_defers(SW_CALL_STAT);
    struct timespec ts = {0, SW_START_AGE_NS + 10000000};
    nanosleep(&ts, NULL);
    return ok && !sw_registry_call_defers(SW_CALL_STAT) &&
           sw_registry_call_defers(SW_CALL_WAITPID) && started == 0;
}

START_TEST(test_file_calls_start_watching_once_the_process_is_old_enough)
{
    in_child(file_calls_start_it_once_the_process_is_old_enough);
}
END_TEST

static void *creates_a_slot(void *arg)
{
    *(struct sw_slot **)arg = sw_registry_claim();
    return NULL;
}

/* Another thread starting the watching (a thread creation) claims the main thread's slot on
 * its behalf, bound to the main thread; the main thread takes it at its next call. */
static int another_thread_starts_it_for_the_main_thread(void)
{
    as_constructed(0);
    pthread_t t;
    struct sw_slot *other = NULL;
    pthread_create(&t, NULL, creates_a_slot, &other);
    pthread_join(t, NULL);
    int ok = started == 1 && started_by != gettid() && other != NULL &&
             sw_self == &sw_slot_deferred;
    unsigned mains = 0, cap = sw_registry_capacity();
    struct sw_slot *main_slot = NULL;
    for (unsigned i = 0; i < cap; i++) {
        struct sw_slot *s = sw_registry_at(i);
        if (sw_slot_live(atomic_load(&s->state)) && atomic_load(&s->tid) == getpid()) {
            mains++;
            main_slot = s;
        }
    }
    ok = ok && mains == 1 && main_slot->self == pthread_self();
    ok = ok && sw_registry_self() == main_slot && sw_self == main_slot && started == 1;
    sw_registry_release(other);
    return ok;
}

START_TEST(test_another_thread_starting_the_watching_registers_the_main_thread)
{
    in_child(another_thread_starts_it_for_the_main_thread);
}
END_TEST

/* The main thread ending by pthread_exit before it took up the slot claimed for it gives the
 * slot back; and, gone before the start, gets none claimed for it then. */
static int main_thread_exits_before_taking_its_slot(void)
{
    as_constructed(0);
    unsigned before = live_slots();
    pthread_t t;
    struct sw_slot *other = NULL;
    pthread_create(&t, NULL, creates_a_slot, &other);
    pthread_join(t, NULL);
    int ok = started == 1 && sw_self == &sw_slot_deferred && live_slots() == before + 2;
    sw_registry_thread_exits();
    ok = ok && live_slots() == before + 1 && sw_self == &sw_slot_internal;
    sw_registry_release(other);
    /* Gone before the start: nothing is claimed for it. */
    sw_self = &sw_slot_lazy;
    started = 0;
    sw_registry_defer_start(count_start, 1u << SW_CLASS_LOCK, 0);
    sw_registry_thread_exits();
    pthread_create(&t, NULL, creates_a_slot, &other);
    pthread_join(t, NULL);
    ok = ok && started == 1 && live_slots() == before + 1;
    sw_registry_release(other);
    return ok;
}

START_TEST(test_a_main_thread_ending_before_taking_its_slot_gives_it_back)
{
    in_child(main_thread_exits_before_taking_its_slot);
}
END_TEST

/* A child of a process that watched times its file-system calls from its own first one,
 * however long its parent had been making them: the close before its exec does not start
 * it. */
static int child_classes_leave_file_calls_out(void)
{
    as_constructed(1u << SW_CLASS_DISK);
    sw_registry_call_defers(SW_CALL_STAT);
    struct timespec ts = {0, SW_START_AGE_NS + 10000000};
    nanosleep(&ts, NULL);
    int ok = !sw_registry_call_defers(SW_CALL_STAT); /* the parent's would start it now */
    sw_registry_self();
    started = 0;
    sw_registry_after_fork_child(count_start, 1u << SW_CLASS_LOCK, 1u << SW_CLASS_DISK);
    return ok && sw_registry_call_defers(SW_CALL_STAT) && sw_registry_call_defers(SW_CALL_CLOSE) &&
           !sw_registry_call_defers(SW_CALL_PTHREAD_MUTEX_LOCK) && started == 0;
}

START_TEST(test_a_child_times_its_file_calls_from_its_own_first)
{
    in_child(child_classes_leave_file_calls_out);
}
END_TEST

/* So does a child of a process that never watched (no fork handler of ours runs in it),
 * though it inherits its parent's clock. */
static int child_of_a_never_watched_parent_times_its_own(void)
{
    as_constructed(1u << SW_CLASS_DISK);
    sw_registry_call_defers(SW_CALL_STAT);
    struct timespec ts = {0, SW_START_AGE_NS + 10000000};
    nanosleep(&ts, NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(sw_registry_call_defers(SW_CALL_STAT) && sw_registry_call_defers(SW_CALL_STAT) ? 0
                                                                                            : 1);
    return exited_0(pid) && !sw_registry_call_defers(SW_CALL_STAT);
}

/* The 64th free lock starts the watching, counted in each process: a child of a process
 * that never watched inherits its parent's count, and counts its own 64 from the lock at
 * which that one would have run out. */
static pthread_mutex_t free_mutex = PTHREAD_MUTEX_INITIALIZER;

static void free_locks(int n)
{
    for (int i = 0; i < n; i++)
        sw_leave(sw_enter_slow(sw_self, SW_CALL_PTHREAD_MUTEX_LOCK, (uintptr_t)&free_mutex));
}

static int free_locks_counted_per_process(void)
{
    as_constructed(0);
    free_locks(40);
    pid_t pid = fork();
    if (pid == 0) {
        free_locks(40);
        int ok = started == 0;
        free_locks(63);
        _exit(ok && started == 1 ? 0 : 1);
    }
    int ok = exited_0(pid) && started == 0;
    free_locks(23);
    return ok && started == 0 && (free_locks(1), started == 1);
}

START_TEST(test_free_locks_are_counted_in_each_process)
{
    in_child(free_locks_counted_per_process);
}
END_TEST

/* A fork child of a process that watches counts its own 64 free locks from the fork, not on
 * from the count its parent had reached when something else started the watching there. */
static int child_of_a_watching_parent_counts_its_own_free_locks(void)
{
    as_constructed(0);
    free_locks(40);
    sw_registry_start();
    if (started != 1 || !sw_registry_watching())
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        sw_registry_after_fork_child(count_start, 1u << SW_CLASS_LOCK, 0);
        started = 0;
        free_locks(63);
        int ok = started == 0;
        free_locks(1);
        _exit(ok && started == 1 ? 0 : 1);
    }
    return exited_0(pid);
}

START_TEST(test_a_child_of_a_watching_parent_counts_its_own_free_locks)
{
    in_child(child_of_a_watching_parent_counts_its_own_free_locks);
}
END_TEST

START_TEST(test_a_child_of_a_never_watched_parent_times_its_file_calls_from_its_own_first)
{
    in_child(child_of_a_never_watched_parent_times_its_own);
}
END_TEST

/* What must be in place before a fork (the fork handlers) is prepared before the start is
 * claimed: a fork on another thread after the claim finds it. */
static int prepared, prepared_unclaimed;

static void count_prepare(void)
{
    prepared++;
    prepared_unclaimed += !sw_registry_watching() && started == 0;
}

static int prepares_before_the_start_is_claimed(void)
{
    sw_self = &sw_slot_lazy;
    sw_registry_set_prepare(count_prepare);
    sw_registry_defer_start(count_start, 1u << SW_CLASS_LOCK, 0);
    int ok = prepared == 0 && sw_registry_call_defers(SW_CALL_WAITPID) && prepared == 0;
    sw_registry_start();
    sw_registry_start();
    return ok && started == 1 && prepared == 1 && prepared_unclaimed == 1;
}

START_TEST(test_the_start_is_prepared_before_it_is_claimed)
{
    in_child(prepares_before_the_start_is_claimed);
}
END_TEST

START_TEST(test_passive_registry_hands_out_nothing)
{
    sw_self = &sw_slot_lazy; /* a thread without a slot yet */
    sw_registry_go_passive();
    ck_assert_ptr_null(sw_registry_claim());
    ck_assert_ptr_eq(sw_registry_self(), &sw_slot_internal);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("registry");
    TCase *before = tcase_create("before the constructor");
    tcase_add_test(before, test_the_main_thread_claims_nothing_before_the_constructor);
    suite_add_tcase(s, before);
    TCase *tc = tcase_create("slots");
    tcase_add_unchecked_fixture(tc, constructed_and_watching, NULL);
    tcase_add_test(tc, test_claim_gives_a_live_slot_with_a_new_generation);
    tcase_add_test(tc, test_claimed_slot_starts_outside_any_call);
    tcase_add_test(tc, test_registry_grows_past_one_chunk);
    tcase_add_test(tc, test_slot_released_when_thread_returns);
    tcase_add_test(tc, test_slot_released_on_pthread_exit);
    tcase_add_test(tc, test_slot_released_on_cancellation);
    tcase_add_test(tc, test_lazy_registration_binds_and_releases);
    tcase_add_test(tc, test_fork_child_keeps_only_the_forking_thread);
    tcase_add_test(tc, test_fork_child_starts_watching_at_its_first_need_of_its_slot);
    tcase_add_test(tc, test_fork_child_creating_a_thread_first_keeps_its_slot);
    tcase_add_test(tc, test_a_held_slot_waits_for_the_watchdog_after_its_thread_exits);
    tcase_add_test(tc, test_watching_starts_at_the_first_call_of_a_starting_class);
    tcase_add_test(tc, test_deferred_calls_are_marked_nowhere);
    tcase_add_test(tc, test_a_held_spinlock_starts_the_watching);
    tcase_add_test(tc, test_file_calls_start_watching_once_the_process_is_old_enough);
    tcase_add_test(tc, test_another_thread_starting_the_watching_registers_the_main_thread);
    tcase_add_test(tc, test_a_main_thread_ending_before_taking_its_slot_gives_it_back);
    tcase_add_test(tc, test_a_child_times_its_file_calls_from_its_own_first);
    tcase_add_test(tc, test_a_child_of_a_never_watched_parent_times_its_file_calls_from_its_own_first);
    tcase_add_test(tc, test_free_locks_are_counted_in_each_process);
    tcase_add_test(tc, test_a_child_of_a_watching_parent_counts_its_own_free_locks);
    tcase_add_test(tc, test_the_start_is_prepared_before_it_is_claimed);
    tcase_add_test(tc, test_passive_registry_hands_out_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
