/* Private: pointers to the real (next) definitions of every interposed function, resolved
 * with dlsym(RTLD_NEXT) all at once: eagerly by the constructor, or lazily by the first
 * wrapper that runs before it (another library's constructor). Any thread. */
#ifndef SW_REAL_H
#define SW_REAL_H

#include <dirent.h>
#include <dlfcn.h>
#include <grp.h>
#include <mqueue.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/msg.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>

/* X(return type, name, parameter list) for every function we define. */
#define SW_REAL_FUNCS(X)                                                                           \
    X(int, pthread_mutex_lock, (pthread_mutex_t *))                                                \
    X(int, pthread_mutex_timedlock, (pthread_mutex_t *, const struct timespec *))                  \
    X(int, pthread_mutex_clocklock, (pthread_mutex_t *, clockid_t, const struct timespec *))       \
    X(int, pthread_rwlock_rdlock, (pthread_rwlock_t *))                                            \
    X(int, pthread_rwlock_wrlock, (pthread_rwlock_t *))                                            \
    X(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *, const struct timespec *))              \
    X(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *, const struct timespec *))              \
    X(int, pthread_rwlock_clockrdlock, (pthread_rwlock_t *, clockid_t, const struct timespec *))   \
    X(int, pthread_rwlock_clockwrlock, (pthread_rwlock_t *, clockid_t, const struct timespec *))   \
    X(int, pthread_spin_lock, (pthread_spinlock_t *))                                              \
    X(int, mtx_lock, (mtx_t *))                                                                    \
    X(int, mtx_timedlock, (mtx_t *__restrict, const struct timespec *__restrict))                  \
    X(int, flock, (int, int))                                                                      \
    X(int, fcntl, (int, int, ...))                                                                 \
    X(int, fcntl64, (int, int, ...))                                                               \
    X(int, lockf, (int, int, off_t))                                                               \
    X(int, lockf64, (int, int, off64_t))                                                           \
    X(ssize_t, read, (int, void *, size_t))                                                        \
    X(ssize_t, __read_chk, (int, void *, size_t, size_t))                                          \
    X(ssize_t, write, (int, const void *, size_t))                                                 \
    X(ssize_t, pread, (int, void *, size_t, off_t))                                                \
    X(ssize_t, pread64, (int, void *, size_t, off64_t))                                            \
    X(ssize_t, __pread_chk, (int, void *, size_t, off_t, size_t))                                  \
    X(ssize_t, __pread64_chk, (int, void *, size_t, off64_t, size_t))                              \
    X(ssize_t, pwrite, (int, const void *, size_t, off_t))                                         \
    X(ssize_t, pwrite64, (int, const void *, size_t, off64_t))                                     \
    X(ssize_t, readv, (int, const struct iovec *, int))                                            \
    X(ssize_t, writev, (int, const struct iovec *, int))                                           \
    X(ssize_t, preadv, (int, const struct iovec *, int, off_t))                                    \
    X(ssize_t, preadv64, (int, const struct iovec *, int, off64_t))                                \
    X(ssize_t, pwritev, (int, const struct iovec *, int, off_t))                                   \
    X(ssize_t, pwritev64, (int, const struct iovec *, int, off64_t))                               \
    X(ssize_t, preadv2, (int, const struct iovec *, int, off_t, int))                              \
    X(ssize_t, pwritev2, (int, const struct iovec *, int, off_t, int))                             \
    X(int, fsync, (int))                                                                           \
    X(int, fdatasync, (int))                                                                       \
    X(int, sync_file_range, (int, off64_t, off64_t, unsigned int))                                 \
    X(int, open, (const char *, int, ...))                                                         \
    X(int, open64, (const char *, int, ...))                                                       \
    X(int, __open_2, (const char *, int))                                                          \
    X(int, __open64_2, (const char *, int))                                                        \
    X(int, openat, (int, const char *, int, ...))                                                  \
    X(int, openat64, (int, const char *, int, ...))                                                \
    X(int, __openat_2, (int, const char *, int))                                                   \
    X(int, __openat64_2, (int, const char *, int))                                                 \
    X(int, creat, (const char *, mode_t))                                                          \
    X(int, creat64, (const char *, mode_t))                                                        \
    X(int, close, (int))                                                                           \
    X(ssize_t, recv, (int, void *, size_t, int))                                                   \
    X(ssize_t, __recv_chk, (int, void *, size_t, size_t, int))                                     \
    X(ssize_t, recvfrom,                                                                           \
      (int, void *__restrict, size_t, int, struct sockaddr *__restrict, socklen_t *__restrict))    \
    X(ssize_t, __recvfrom_chk,                                                                     \
      (int, void *__restrict, size_t, size_t, int, struct sockaddr *__restrict,                    \
       socklen_t *__restrict))                                                                     \
    X(ssize_t, recvmsg, (int, struct msghdr *, int))                                               \
    X(int, recvmmsg, (int, struct mmsghdr *, unsigned int, int, struct timespec *))                \
    X(ssize_t, send, (int, const void *, size_t, int))                                             \
    X(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t))       \
    X(ssize_t, sendmsg, (int, const struct msghdr *, int))                                         \
    X(int, sendmmsg, (int, struct mmsghdr *, unsigned int, int))                                   \
    X(int, connect, (int, const struct sockaddr *, socklen_t))                                     \
    X(pid_t, waitpid, (pid_t, int *, int))                                                         \
    X(pid_t, wait, (int *))                                                                        \
    X(pid_t, wait3, (int *, int, struct rusage *))                                                 \
    X(pid_t, wait4, (pid_t, int *, int, struct rusage *))                                          \
    X(int, waitid, (idtype_t, id_t, siginfo_t *, int))                                             \
    X(int, pthread_cond_wait, (pthread_cond_t *, pthread_mutex_t *))                               \
    X(int, pthread_cond_timedwait, (pthread_cond_t *, pthread_mutex_t *, const struct timespec *)) \
    X(int, pthread_cond_clockwait,                                                                 \
      (pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *))                   \
    X(int, cnd_wait, (cnd_t *, mtx_t *))                                                           \
    X(int, cnd_timedwait,                                                                          \
      (cnd_t *__restrict, mtx_t *__restrict, const struct timespec *__restrict))                   \
    X(int, sem_wait, (sem_t *))                                                                    \
    X(int, sem_timedwait, (sem_t *, const struct timespec *))                                      \
    X(int, sem_clockwait, (sem_t *, clockid_t, const struct timespec *))                           \
    X(int, pthread_barrier_wait, (pthread_barrier_t *))                                            \
    X(int, pthread_join, (pthread_t, void **))                                                     \
    X(int, pthread_timedjoin_np, (pthread_t, void **, const struct timespec *))                    \
    X(int, pthread_clockjoin_np, (pthread_t, void **, clockid_t, const struct timespec *))         \
    X(int, thrd_join, (thrd_t, int *))                                                             \
    X(long, syscall, (long, ...))                                                                  \
    X(int, epoll_wait, (int, struct epoll_event *, int, int))                                      \
    X(int, epoll_pwait, (int, struct epoll_event *, int, int, const sigset_t *))                   \
    X(int, epoll_pwait2,                                                                           \
      (int, struct epoll_event *, int, const struct timespec *, const sigset_t *))                 \
    X(int, poll, (struct pollfd *, nfds_t, int))                                                   \
    X(int, __poll_chk, (struct pollfd *, nfds_t, int, size_t))                                     \
    X(int, ppoll, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *))            \
    X(int, __ppoll_chk,                                                                            \
      (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t))                \
    X(int, select, (int, fd_set *, fd_set *, fd_set *, struct timeval *))                          \
    X(int, pselect,                                                                                \
      (int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *))              \
    X(int, accept, (int, struct sockaddr *__restrict, socklen_t *__restrict))                      \
    X(int, accept4, (int, struct sockaddr *__restrict, socklen_t *__restrict, int))                \
    X(int, sigwait, (const sigset_t *__restrict, int *__restrict))                                 \
    X(int, sigwaitinfo, (const sigset_t *__restrict, siginfo_t *__restrict))                       \
    X(int, sigtimedwait,                                                                           \
      (const sigset_t *__restrict, siginfo_t *__restrict, const struct timespec *__restrict))      \
    X(int, pause, (void))                                                                          \
    X(int, sigsuspend, (const sigset_t *))                                                         \
    X(int, nanosleep, (const struct timespec *, struct timespec *))                                \
    X(int, clock_nanosleep, (clockid_t, int, const struct timespec *, struct timespec *))          \
    X(int, thrd_sleep, (const struct timespec *, struct timespec *))                               \
    X(void, pthread_exit, (void *))                                                                \
    X(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))       \
    X(int, thrd_create, (thrd_t *, thrd_start_t, void *))                                          \
    X(int, setuid, (uid_t))                                                                        \
    X(int, setgid, (gid_t))                                                                        \
    X(int, seteuid, (uid_t))                                                                       \
    X(int, setegid, (gid_t))                                                                       \
    X(int, setreuid, (uid_t, uid_t))                                                               \
    X(int, setregid, (gid_t, gid_t))                                                               \
    X(int, setresuid, (uid_t, uid_t, uid_t))                                                       \
    X(int, setresgid, (gid_t, gid_t, gid_t))                                                       \
    X(int, setgroups, (size_t, const gid_t *))                                                     \
    X(pid_t, vfork, (void))                                                                        \
    X(int, sigaction, (int, const struct sigaction *, struct sigaction *))                         \
    X(__sighandler_t, signal, (int, __sighandler_t))                                               \
    X(__sighandler_t, bsd_signal, (int, __sighandler_t))                                           \
    X(__sighandler_t, sysv_signal, (int, __sighandler_t))                                          \
    X(__sighandler_t, sigset, (int, __sighandler_t))                                               \
    X(int, stat, (const char *__restrict, struct stat *__restrict))                                \
    X(int, stat64, (const char *__restrict, struct stat64 *__restrict))                            \
    X(int, lstat, (const char *__restrict, struct stat *__restrict))                               \
    X(int, lstat64, (const char *__restrict, struct stat64 *__restrict))                           \
    X(int, fstat, (int, struct stat *))                                                            \
    X(int, fstat64, (int, struct stat64 *))                                                        \
    X(int, fstatat, (int, const char *__restrict, struct stat *__restrict, int))                   \
    X(int, fstatat64, (int, const char *__restrict, struct stat64 *__restrict, int))               \
    X(int, statx, (int, const char *__restrict, int, unsigned int, struct statx *__restrict))      \
    X(int, __xstat, (int, const char *, struct stat *))                                            \
    X(int, __xstat64, (int, const char *, struct stat64 *))                                        \
    X(int, __lxstat, (int, const char *, struct stat *))                                           \
    X(int, __lxstat64, (int, const char *, struct stat64 *))                                       \
    X(int, __fxstat, (int, int, struct stat *))                                                    \
    X(int, __fxstat64, (int, int, struct stat64 *))                                                \
    X(int, __fxstatat, (int, int, const char *, struct stat *, int))                               \
    X(int, __fxstatat64, (int, int, const char *, struct stat64 *, int))                           \
    X(int, access, (const char *, int))                                                            \
    X(int, faccessat, (int, const char *, int, int))                                               \
    X(int, mkdir, (const char *, mode_t))                                                          \
    X(int, mkdirat, (int, const char *, mode_t))                                                   \
    X(int, unlink, (const char *))                                                                 \
    X(int, unlinkat, (int, const char *, int))                                                     \
    X(int, rename, (const char *, const char *))                                                   \
    X(int, renameat, (int, const char *, int, const char *))                                       \
    X(int, renameat2, (int, const char *, int, const char *, unsigned int))                        \
    X(int, truncate, (const char *, off_t))                                                        \
    X(int, truncate64, (const char *, off64_t))                                                    \
    X(int, ftruncate, (int, off_t))                                                                \
    X(int, ftruncate64, (int, off64_t))                                                            \
    X(int, fallocate, (int, int, off_t, off_t))                                                    \
    X(int, fallocate64, (int, int, off64_t, off64_t))                                              \
    X(int, posix_fallocate, (int, off_t, off_t))                                                   \
    X(int, posix_fallocate64, (int, off64_t, off64_t))                                             \
    X(void, sync, (void))                                                                          \
    X(int, syncfs, (int))                                                                          \
    X(int, msync, (void *, size_t, int))                                                           \
    X(ssize_t, copy_file_range, (int, off64_t *, int, off64_t *, size_t, unsigned int))            \
    X(ssize_t, sendfile, (int, int, off_t *, size_t))                                              \
    X(ssize_t, sendfile64, (int, int, off64_t *, size_t))                                          \
    X(ssize_t, splice, (int, off64_t *, int, off64_t *, size_t, unsigned int))                     \
    X(int, system, (const char *))                                                                 \
    X(int, pclose, (FILE *))                                                                       \
    X(int, tcdrain, (int))                                                                         \
    X(int, semop, (int, struct sembuf *, size_t))                                                  \
    X(int, semtimedop, (int, struct sembuf *, size_t, const struct timespec *))                    \
    X(ssize_t, msgrcv, (int, void *, size_t, long, int))                                           \
    X(int, msgsnd, (int, const void *, size_t, int))                                               \
    X(ssize_t, mq_receive, (mqd_t, char *, size_t, unsigned int *))                                \
    X(ssize_t, mq_timedreceive,                                                                    \
      (mqd_t, char *__restrict, size_t, unsigned int *__restrict,                                  \
       const struct timespec *__restrict))                                                         \
    X(int, mq_send, (mqd_t, const char *, size_t, unsigned int))                                   \
    X(int, mq_timedsend, (mqd_t, const char *, size_t, unsigned int, const struct timespec *))     \
    X(void *, dlopen, (const char *, int))                                                         \
    X(void *, dlmopen, (Lmid_t, const char *, int))                                                \
    X(int, dlclose, (void *))                                                                      \
    X(int, getaddrinfo,                                                                            \
      (const char *__restrict, const char *__restrict, const struct addrinfo *__restrict,          \
       struct addrinfo **__restrict))                                                              \
    X(int, getnameinfo,                                                                            \
      (const struct sockaddr *__restrict, socklen_t, char *__restrict, socklen_t,                  \
       char *__restrict, socklen_t, int))                                                          \
    X(struct hostent *, gethostbyname, (const char *))                                             \
    X(struct hostent *, gethostbyname2, (const char *, int))                                       \
    X(int, gethostbyname_r,                                                                        \
      (const char *__restrict, struct hostent *__restrict, char *__restrict, size_t,               \
       struct hostent **__restrict, int *__restrict))                                              \
    X(int, gethostbyname2_r,                                                                       \
      (const char *__restrict, int, struct hostent *__restrict, char *__restrict, size_t,          \
       struct hostent **__restrict, int *__restrict))                                              \
    X(struct hostent *, gethostbyaddr, (const void *, socklen_t, int))                             \
    X(int, gethostbyaddr_r,                                                                        \
      (const void *__restrict, socklen_t, int, struct hostent *__restrict, char *__restrict,       \
       size_t, struct hostent **__restrict, int *__restrict))                                      \
    X(struct passwd *, getpwnam, (const char *))                                                   \
    X(int, getpwnam_r,                                                                             \
      (const char *__restrict, struct passwd *__restrict, char *__restrict, size_t,                \
       struct passwd **__restrict))                                                                \
    X(struct passwd *, getpwuid, (uid_t))                                                          \
    X(int, getpwuid_r,                                                                             \
      (uid_t, struct passwd *__restrict, char *__restrict, size_t, struct passwd **__restrict))    \
    X(struct group *, getgrnam, (const char *))                                                    \
    X(int, getgrnam_r,                                                                             \
      (const char *__restrict, struct group *__restrict, char *__restrict, size_t,                 \
       struct group **__restrict))                                                                 \
    X(struct group *, getgrgid, (gid_t))                                                           \
    X(int, getgrgid_r,                                                                             \
      (gid_t, struct group *__restrict, char *__restrict, size_t, struct group **__restrict))      \
    X(int, getgrouplist, (const char *, gid_t, gid_t *, int *))                                    \
    X(int, initgroups, (const char *, gid_t))                                                      \
    X(int, res_query, (const char *, int, int, unsigned char *, int))                              \
    X(int, res_search, (const char *, int, int, unsigned char *, int))                             \
    X(int, res_nquery, (struct __res_state *, const char *, int, int, unsigned char *, int))       \
    X(int, res_nsearch, (struct __res_state *, const char *, int, int, unsigned char *, int))

struct __res_state; /* <resolv.h>'s, not included here: it defines macros like p_type */

struct sw_real {
#define SW_REAL_FIELD(ret, name, params) ret(*name) params;
    SW_REAL_FUNCS(SW_REAL_FIELD)
#undef SW_REAL_FIELD
};

extern struct sw_real sw_real __attribute__((visibility("hidden")));

/* Resolves every pointer. Idempotent; safe to race (all writers store the same values).
 * Preserves errno. */
void sw_real_init(void);

/* Only what the constructor itself calls (fstat, sigaction), so that a process that never
 * makes an interposed call pays for two lookups, not for all of them. Preserves errno. */
void sw_real_early(void);

/* sw_real_init unless it has completed already (one load). Preserves errno. */
void sw_real_ensure(void);

/* The real function, in a wrapper after sw_enter (whose slow path resolves everything before
 * a thread's first marked call, so the pointer is known to be set: one indirect call). */
#define SW_REAL(name) (sw_real.name)

/* The real function anywhere else (pass-through paths that mark nothing, pthread_create):
 * resolves everything first if no wrapper or constructor has yet. */
#define SW_REAL_ANY(name)                                                                          \
    (__builtin_expect(sw_real.name != NULL, 1) ? sw_real.name : sw_real_get()->name)
struct sw_real *sw_real_get(void);

#endif
