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
 * Both waits are bounded (100 ms): a descriptor left to a child is better than a hang. */
#include "watchdog/ownfd.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

/* Spins (yielding) until *counter is zero or WAIT_NS has passed. */
static void wait_for_zero(atomic_int *counter)
{
    uint64_t until = 0;
    while (atomic_load(counter) != 0) {
        uint64_t now = sw_mono_ns();
        if (until == 0)
            until = now + WAIT_NS;
        else if (now >= until)
            return;
        sched_yield();
    }
}

void sw_ownfd_begin(void)
{
    uint64_t until = 0;
    for (;;) {
        atomic_fetch_add(&opening, 1);
        if (atomic_load(&forking) == 0)
            return;
        atomic_fetch_sub(&opening, 1);
        uint64_t now = sw_mono_ns();
        if (until == 0) {
            until = now + WAIT_NS;
        } else if (now >= until) {
            atomic_fetch_add(&opening, 1);
            return;
        }
        sched_yield();
    }
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
    atomic_fetch_sub(&opening, 1);
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
    for (unsigned i = 0; i < RECORDS; i++) {
        int expected = fd;
        if (atomic_compare_exchange_strong(&records[i], &expected, -1))
            break;
    }
    sw_real.close(fd);
    errno = saved;
}

void sw_ownfd_fork_prepare(void)
{
    atomic_fetch_add(&forking, 1);
    wait_for_zero(&opening);
}

void sw_ownfd_fork_parent(void)
{
    atomic_fetch_sub(&forking, 1);
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
