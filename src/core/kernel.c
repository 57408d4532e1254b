/* The kernel fallback's table of system calls (see kernel.h). Pure; any context.
 *
 * Each row: the system call, the calls.def row that names it, the argument that is its object
 * (-1: none), and whether our capture signal is invisible to it. The class is the row's
 * (sw_calls[call].cls), except for futex, judged by its operation. Signals: a call the kernel
 * ends with -ERESTARTSYS is restarted under SA_RESTART (our handler's flag), invisibly; one
 * ended with -ERESTARTNOHAND or -ERESTART_RESTARTBLOCK (poll, select, epoll, sleeps, SysV IPC,
 * futex waits with a timeout) returns EINTR once a handler ran, so such threads are never
 * signalled (their stack is read from /proc). */
#include "core/kernel.h"

#include <linux/futex.h>
#include <stddef.h>
#include <sys/syscall.h>

struct row {
    long nr;
    enum sw_call call;
    signed char arg;
    unsigned char signal;
};

#define ROW(sys, id, arg, sig)                                                                     \
    {                                                                                              \
        SYS_##sys, SW_CALL_##id, arg, SW_KSIG_##sig                                                \
    }

/* clang-format off */
static const struct row rows[] = {
    ROW(read, READ, 0, FD),
    ROW(readv, READV, 0, FD),
    ROW(pread64, PREAD64, 0, FD),
    ROW(preadv, PREADV, 0, FD),
    ROW(preadv2, PREADV2, 0, FD),
    ROW(write, WRITE, 0, FD),
    ROW(writev, WRITEV, 0, FD),
    ROW(pwrite64, PWRITE64, 0, FD),
    ROW(pwritev, PWRITEV, 0, FD),
    ROW(pwritev2, PWRITEV2, 0, FD),
    ROW(recvfrom, RECVFROM, 0, NEVER),
    ROW(recvmsg, RECVMSG, 0, NEVER),
    ROW(recvmmsg, RECVMMSG, 0, NEVER),
    ROW(sendto, SENDTO, 0, NEVER),
    ROW(sendmsg, SENDMSG, 0, NEVER),
    ROW(sendmmsg, SENDMMSG, 0, NEVER),
    ROW(connect, CONNECT, 0, NEVER),
    ROW(accept, ACCEPT, 0, NEVER),
    ROW(accept4, ACCEPT4, 0, NEVER),
    ROW(wait4, WAIT4, 0, OK),
    ROW(waitid, WAITID, 1, OK),
    ROW(ppoll, PPOLL, -1, NEVER),
    ROW(pselect6, PSELECT, -1, NEVER),
    ROW(epoll_pwait, EPOLL_PWAIT, 0, NEVER),
    ROW(epoll_pwait2, EPOLL_PWAIT2, 0, NEVER),
    ROW(clock_nanosleep, CLOCK_NANOSLEEP, -1, NEVER),
    ROW(nanosleep, NANOSLEEP, -1, NEVER),
    ROW(rt_sigtimedwait, SIGTIMEDWAIT, -1, NEVER),
    ROW(rt_sigsuspend, SIGSUSPEND, -1, NEVER),
    ROW(flock, FLOCK, 0, OK),
    ROW(fcntl, FCNTL, 0, OK),
    ROW(fsync, FSYNC, 0, OK),
    ROW(fdatasync, FDATASYNC, 0, OK),
    ROW(sync_file_range, SYNC_FILE_RANGE, 0, OK),
    ROW(openat, OPENAT, 1, OK),
    ROW(newfstatat, FSTATAT, 1, OK),
    ROW(statx, STATX, 1, OK),
    ROW(fstat, FSTAT, 0, OK),
    ROW(faccessat, FACCESSAT, 1, OK),
    ROW(faccessat2, FACCESSAT, 1, OK),
    ROW(mkdirat, MKDIRAT, 1, OK),
    ROW(unlinkat, UNLINKAT, 1, OK),
    ROW(renameat, RENAMEAT, 1, OK),
    ROW(renameat2, RENAMEAT2, 1, OK),
    ROW(truncate, TRUNCATE, 0, OK),
    ROW(ftruncate, FTRUNCATE, 0, OK),
    ROW(fallocate, FALLOCATE, 0, OK),
    ROW(close, CLOSE, 0, NEVER),
    ROW(sync, SYNC, -1, OK),
    ROW(syncfs, SYNCFS, 0, OK),
    ROW(msync, MSYNC, 0, OK),
    ROW(copy_file_range, COPY_FILE_RANGE, 0, OK),
    ROW(sendfile, SENDFILE, 0, NEVER),
    ROW(splice, SPLICE, 0, NEVER),
    ROW(vmsplice, K_VMSPLICE, 0, NEVER),
    ROW(tee, K_TEE, 0, NEVER),
    ROW(semtimedop, SEMTIMEDOP, 0, NEVER),
    ROW(msgrcv, MSGRCV, 0, NEVER),
    ROW(msgsnd, MSGSND, 0, NEVER),
    ROW(mq_timedreceive, MQ_TIMEDRECEIVE, 0, NEVER),
    ROW(mq_timedsend, MQ_TIMEDSEND, 0, NEVER),
    ROW(ioctl, K_IOCTL, 0, NEVER),
    ROW(io_uring_enter, K_IO_URING_ENTER, 0, NEVER),
    ROW(io_getevents, K_IO_GETEVENTS, -1, NEVER),
    ROW(io_pgetevents, K_IO_GETEVENTS, -1, NEVER),
    ROW(getrandom, K_GETRANDOM, -1, NEVER),
#ifdef SYS_poll /* the calls newer architectures have only in their p- or at- form */
    ROW(poll, POLL, -1, NEVER),
    ROW(select, SELECT, -1, NEVER),
    ROW(epoll_wait, EPOLL_WAIT, 0, NEVER),
    ROW(pause, PAUSE, -1, NEVER),
    ROW(open, OPEN, 0, OK),
    ROW(stat, STAT, 0, OK),
    ROW(lstat, LSTAT, 0, OK),
    ROW(access, ACCESS, 0, OK),
    ROW(mkdir, MKDIR, 0, OK),
    ROW(unlink, UNLINK, 0, OK),
    ROW(rename, RENAME, 0, OK),
    ROW(creat, CREAT, 0, OK),
#endif
#ifdef SYS_semop
    ROW(semop, SEMOP, 0, NEVER),
#endif
};
/* clang-format on */

#undef ROW

/* futex: a wait on one of glibc's lock words (lll_lock and the mutexes wait for the value 2;
 * priority-inheritance locks have operations of their own) is a lock; any other wait
 * (condition variables, semaphores, joins, barriers) is a wait. A wait with a timeout ends in
 * EINTR after a handler; one without is restarted. */
static void futex_call(const struct sw_klook *k, struct sw_kcall *out)
{
    unsigned op = (unsigned)k->args[1] & FUTEX_CMD_MASK;
    bool pi = op == FUTEX_LOCK_PI || op == FUTEX_LOCK_PI2 || op == FUTEX_WAIT_REQUEUE_PI;
    bool wait = op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET;
    out->call = SW_CALL_FUTEX;
    out->obj = (uintptr_t)k->args[0];
    out->lock = op == FUTEX_LOCK_PI || op == FUTEX_LOCK_PI2 || (wait && (uint32_t)k->args[2] == 2);
    out->cls = out->lock ? SW_CLASS_LOCK : SW_CLASS_WAIT;
    /* FUTEX_LOCK_PI ends in -ERESTARTNOINTR: always restarted. */
    out->signal = pi || (wait && k->args[3] == 0) ? SW_KSIG_OK : SW_KSIG_NEVER;
}

bool sw_kernel_call(const struct sw_klook *k, struct sw_kcall *out)
{
    if (!k->blocked)
        return false;
    *out =
        (struct sw_kcall){SW_CALL_K_OTHER, (uintptr_t)k->nr, SW_CLASS_WAIT, SW_KSIG_NEVER, false};
    if (k->nr == SYS_futex) {
        futex_call(k, out);
        return true;
    }
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].nr != k->nr)
            continue;
        out->call = rows[i].call;
        out->obj = rows[i].arg >= 0 ? (uintptr_t)k->args[(int)rows[i].arg] : 0;
        out->cls = (enum sw_class)sw_calls[rows[i].call].cls;
        out->signal = rows[i].signal;
        break;
    }
    return true;
}

bool sw_kernel_same(const struct sw_klook *a, const struct sw_klook *b)
{
    if (!a->blocked || !b->blocked)
        return false;
    if (a->nr == SYS_restart_syscall || b->nr == SYS_restart_syscall)
        return true;
    return a->nr == b->nr && a->args[0] == b->args[0] && a->args[1] == b->args[1];
}

enum sw_class sw_kernel_class(enum sw_class decided, char state)
{
    return state == 'D' ? SW_CLASS_DISK : decided;
}

enum sw_kstop sw_kernel_stop(const struct sw_klook *k)
{
    if (!k->blocked)
        return SW_KSTOP_SAFE;
    switch (k->nr) {
    case SYS_epoll_pwait:
    case SYS_epoll_pwait2:
    case SYS_rt_sigtimedwait:
    case SYS_semtimedop:
    case SYS_io_getevents:
    case SYS_io_pgetevents:
    case SYS_io_uring_enter:
#ifdef SYS_epoll_wait
    case SYS_epoll_wait:
#endif
#ifdef SYS_semop
    case SYS_semop:
#endif
        return SW_KSTOP_VISIBLE;
    case SYS_recvfrom:
    case SYS_recvmsg:
    case SYS_recvmmsg:
    case SYS_sendto:
    case SYS_sendmsg:
    case SYS_sendmmsg:
    case SYS_connect:
    case SYS_accept:
    case SYS_accept4:
        return SW_KSTOP_VISIBLE; /* only sockets take these */
    case SYS_read:
    case SYS_readv:
    case SYS_write:
    case SYS_writev:
        return SW_KSTOP_IF_SOCKET;
    default:
        return SW_KSTOP_SAFE;
    }
}
