/* Our descriptors and the program's forks (see ownfd.h). Opening and closing: the watchdog
 * thread, or any thread writing one line to stderr's stand-in; the fork handlers: the
 * program's forking thread.
 *
 * A descriptor exists from the moment its system call returns; the record is a store after
 * that. A fork on another thread between the two would give the child a descriptor it does
 * not know is ours (seen in CI: 1 of ~300 children forked during reports held our socket).
 * So a fork and the opening of a descriptor exclude each other, Dekker-style on two counters
 * (sequentially consistent atomics): the opener announces itself in `opening` and then checks
 * `forking`; the fork announces itself in `forking` and then waits for `opening` to drain.
 * The close is in the window too (a fork between forgetting and closing would leave the
 * child a descriptor of ours). Both waits sleep, and are bounded (100 ms, once per opening
 * or fork: one that outlasts it is given up on): a descriptor left to a child is better than
 * a hang. Opens that could block (a report file on a FIFO) are made with O_NONBLOCK. */
#include "watchdog/ownfd.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "hook/real.h"

#define RECORDS 16
#define WAIT_NS (100u * 1000u * 1000u)

static atomic_int records[RECORDS] = {[0 ... RECORDS - 1] = -1};
static atomic_int opening;
static atomic_int forking;
/* Each opening and each fork is numbered; a wait that timed out gives up on that one for
 * good, so a blocked open or a fork stuck after our prepare handler costs the other side one
 * wait of WAIT_NS, not one per operation. */
static atomic_uint opening_seq, forking_seq;
static atomic_uint opening_given_up = UINT32_MAX, forking_given_up = UINT32_MAX;

static void pause_a_little(void)
{
    struct timespec ts = {0, 100000}; /* 0.1 ms: never a busy loop */
    sw_real.nanosleep(&ts, NULL);
}

/* Waits until *counter is zero, at most WAIT_NS, unless the operation numbered *seq was given
 * up on already; gives up on it when the wait times out. */
static void wait_for_zero(atomic_int *counter, atomic_uint *seq, atomic_uint *given_up)
{
    unsigned s = atomic_load(seq);
    if (atomic_load(counter) <= 0 || atomic_load(given_up) == s)
        return;
    uint64_t until = sw_mono_ns() + WAIT_NS;
    while (atomic_load(counter) > 0) {
        if (sw_mono_ns() >= until) {
            atomic_store(given_up, s);
            return;
        }
        pause_a_little();
    }
}

void sw_ownfd_begin(void)
{
    for (;;) {
        atomic_fetch_add(&opening, 1);
        atomic_fetch_add(&opening_seq, 1);
        if (atomic_load(&forking) <= 0 || atomic_load(&forking_given_up) == atomic_load(&forking_seq))
            return;
        atomic_fetch_sub(&opening, 1);
        wait_for_zero(&forking, &forking_seq, &forking_given_up);
        if (atomic_load(&forking_given_up) == atomic_load(&forking_seq)) {
            atomic_fetch_add(&opening, 1);
            return;
        }
    }
}

/* Leaves the window; never below zero (a fork child resets the count while one of its
 * signal handlers may be inside the window). */
static void leave(void)
{
    int v = atomic_load(&opening);
    while (v > 0 && !atomic_compare_exchange_weak(&opening, &v, v - 1))
        ;
}

static bool record(int fd)
{
    for (unsigned i = 0; i < RECORDS; i++) {
        int free_slot = -1;
        if (atomic_compare_exchange_strong(&records[i], &free_slot, fd))
            return true;
    }
    return false;
}

int sw_ownfd_end(int fd)
{
    int saved = errno;
    if (fd >= 0 && !record(fd)) {
        sw_real.close(fd);
        fd = -1;
        saved = EMFILE;
    }
    leave();
    errno = saved;
    return fd;
}

int sw_ownfd_open(const char *path, int flags, mode_t mode)
{
    sw_ownfd_begin();
    return sw_ownfd_end(sw_real.open(path, flags, mode));
}

int sw_ownfd_socket(int domain, int type, int protocol)
{
    sw_ownfd_begin();
    return sw_ownfd_end(socket(domain, type, protocol));
}

void sw_ownfd_close(int fd)
{
    if (fd < 0)
        return;
    int saved = errno;
    /* In the window too: a fork between the forgetting and the close would give the child a
     * descriptor it does not know is ours. */
    sw_ownfd_begin();
    for (unsigned i = 0; i < RECORDS; i++) {
        int expected = fd;
        if (atomic_compare_exchange_strong(&records[i], &expected, -1))
            break;
    }
    sw_real.close(fd);
    leave();
    errno = saved;
}

void sw_ownfd_fork_prepare(void)
{
    atomic_fetch_add(&forking, 1);
    atomic_fetch_add(&forking_seq, 1);
    wait_for_zero(&opening, &opening_seq, &opening_given_up);
}

void sw_ownfd_fork_parent(void)
{
    int v = atomic_load(&forking);
    while (v > 0 && !atomic_compare_exchange_weak(&forking, &v, v - 1))
        ;
}

void sw_ownfd_fork_child(void)
{
    int saved = errno;
    for (unsigned i = 0; i < RECORDS; i++) {
        int fd = atomic_exchange(&records[i], -1);
        if (fd >= 0)
            sw_real.close(fd);
    }
    atomic_store(&opening, 0);
    atomic_store(&forking, 0);
    errno = saved;
}
