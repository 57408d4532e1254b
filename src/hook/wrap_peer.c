/* Exported wrappers for waiting on a peer: socket receive/send, connect, accept, waiting for
 * child processes (wait*, system, pclose) and for a terminal to drain. Any thread. Socket calls return EINTR even under SA_RESTART
 * when the socket has a timeout, so they resume when the interruption was ours; connect is
 * never re-issued (a second connect would fail with EALREADY), which is why the watchdog
 * never signals a thread inside it (SW_INTR_NEVER). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

#include "hook/interpose.h"

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *__restrict buf, size_t n, size_t buflen, int flags,
                       struct sockaddr *__restrict addr, socklen_t *__restrict alen);

SW_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    SW_WRAP_RETRY(RECV, fd, SW_REAL(recv)(fd, buf, n, flags));
}

SW_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
    SW_WRAP_RETRY(RECV_CHK, fd, SW_REAL(__recv_chk)(fd, buf, n, buflen, flags));
}

SW_EXPORT ssize_t recvfrom(int fd, void *__restrict buf, size_t n, int flags,
                           struct sockaddr *__restrict addr, socklen_t *__restrict alen)
{
    SW_WRAP_RETRY(RECVFROM, fd, SW_REAL(recvfrom)(fd, buf, n, flags, addr, alen));
}

SW_EXPORT ssize_t __recvfrom_chk(int fd, void *__restrict buf, size_t n, size_t buflen, int flags,
                                 struct sockaddr *__restrict addr, socklen_t *__restrict alen)
{
    SW_WRAP_RETRY(RECVFROM_CHK, fd, SW_REAL(__recvfrom_chk)(fd, buf, n, buflen, flags, addr, alen));
}

SW_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    SW_WRAP_RETRY(RECVMSG, fd, SW_REAL(recvmsg)(fd, msg, flags));
}

SW_EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags,
                       struct timespec *timeout)
{
    /* With a timeout the kernel does not report the time left; a resumed call would wait
     * longer than asked, so only the timeout-less form is resumed. */
    if (timeout != NULL)
        SW_WRAP(RECVMMSG, fd, SW_REAL(recvmmsg)(fd, v, n, flags, timeout));
    SW_WRAP_RETRY(RECVMMSG, fd, SW_REAL(recvmmsg)(fd, v, n, flags, timeout));
}

SW_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    SW_WRAP_RETRY(SEND, fd, SW_REAL(send)(fd, buf, n, flags));
}

SW_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
                         socklen_t alen)
{
    SW_WRAP_RETRY(SENDTO, fd, SW_REAL(sendto)(fd, buf, n, flags, addr, alen));
}

SW_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    SW_WRAP_RETRY(SENDMSG, fd, SW_REAL(sendmsg)(fd, msg, flags));
}

SW_EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
    SW_WRAP_RETRY(SENDMMSG, fd, SW_REAL(sendmmsg)(fd, v, n, flags));
}

SW_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t alen)
{
    SW_WRAP(CONNECT, fd, SW_REAL(connect)(fd, addr, alen));
}

SW_EXPORT int accept(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict alen)
{
    SW_WRAP_RETRY(ACCEPT, fd, SW_REAL(accept)(fd, addr, alen));
}

SW_EXPORT int accept4(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict alen,
                      int flags)
{
    SW_WRAP_RETRY(ACCEPT4, fd, SW_REAL(accept4)(fd, addr, alen, flags));
}

SW_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
    if (options & WNOHANG)
        return SW_REAL_ANY(waitpid)(pid, status, options);
    SW_WRAP(WAITPID, (intptr_t)pid, SW_REAL(waitpid)(pid, status, options));
}

SW_EXPORT pid_t wait(int *status)
{
    SW_WRAP(WAIT, 0, SW_REAL(wait)(status));
}

SW_EXPORT pid_t wait3(int *status, int options, struct rusage *ru)
{
    if (options & WNOHANG)
        return SW_REAL_ANY(wait3)(status, options, ru);
    SW_WRAP(WAIT3, 0, SW_REAL(wait3)(status, options, ru));
}

SW_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
    if (options & WNOHANG)
        return SW_REAL_ANY(wait4)(pid, status, options, ru);
    SW_WRAP(WAIT4, (intptr_t)pid, SW_REAL(wait4)(pid, status, options, ru));
}

SW_EXPORT int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
    if (options & WNOHANG)
        return SW_REAL_ANY(waitid)(type, id, info, options);
    /* P_ALL waits for any child, like pid -1. */
    SW_WRAP(WAITID, type == P_ALL ? (intptr_t)-1 : (intptr_t)id,
            SW_REAL(waitid)(type, id, info, options));
}

/* system() and pclose() wait for a child of their own: class wait, the child found by the
 * watchdog among the thread's children when it looks (SW_OBJ_CHILD). */
SW_EXPORT int system(const char *command)
{
    SW_WRAP(SYSTEM, 0, SW_REAL(system)(command));
}

SW_EXPORT int pclose(FILE *stream)
{
    SW_WRAP(PCLOSE, 0, SW_REAL(pclose)(stream));
}

/* Waits for a terminal's output to drain: a peer that stopped reading (a flow-controlled
 * serial line, a pty nobody reads). */
SW_EXPORT int tcdrain(int fd)
{
    SW_WRAP(TCDRAIN, fd, SW_REAL(tcdrain)(fd));
}
