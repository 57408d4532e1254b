/* conformance.c - every interposed call keeps its return value, errno and semantics.
 *
 * One program that calls each function libstallwatch.so exports, in its normal case and its
 * error cases, and prints one deterministic line per case:
 *
 *     <case> ret=<value> errno=<NAME> [outputs...]
 *
 * The return value is normalized where it is inherently variable (fd numbers -> "fd", pids
 * -> "pid", error-number returns -> their name); errno is set to 12345 before every call and
 * printed as "untouched" when the call left it alone; timings are booleans with generous
 * bounds (waited=1: at least the time asked for; quick=1: well under it). Run it with and
 * without the shim and diff the outputs:
 *
 *     gcc -std=gnu11 -g -O1 -pthread tests/progs/conformance.c -o /tmp/conformance
 *     /tmp/conformance > /tmp/a.txt
 *     LD_PRELOAD=build/libstallwatch.so /tmp/conformance > /tmp/b.txt
 *     diff /tmp/a.txt /tmp/b.txt
 *
 * Slow cases block for 150-300 ms so that, with short thresholds (STALLWATCH_THRESHOLD=50ms
 * STALLWATCH_PEER=50ms STALLWATCH_WAIT=50ms STALLWATCH_IDLE=50ms STALLWATCH_ALL_THREADS=1),
 * the shim signals and captures the thread while it sits in the call. Add STALLWATCH_RATE=off
 * there: with the default rate limit a process stops capturing after its first 30 reports.
 *
 * The sections run in groups, each group in a child process of its own and all groups at
 * once (the run takes about 6 s); the parent prints their outputs in a fixed order, then
 * "cases=N", and exits non-zero if a group failed. `conformance GROUP...` runs only those
 * groups (names in groups[] below).
 *
 * Cases named *.eintr_own_signal are interrupted by the program's own handler 200 ms in and
 * must return EINTR; if the call swallows the interruption, it is unblocked some other way
 * one second later so the run goes on, and the line says unblocked=1.
 *
 * Signals the program itself uses: SIGALRM (own handler, no SA_RESTART, delivered to one
 * thread by a SIGEV_THREAD_ID timer), SIGUSR1 (own handler, no SA_RESTART), SIGUSR2 (blocked
 * everywhere, consumed by the sigwait family; always sent thread-directed). SIGPIPE is
 * ignored. Temporary files live in one /tmp/conformance.XXXXXX directory, removed at exit.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <semaphore.h>
#include <threads.h>
#include <poll.h>
#include <sched.h>
#include <linux/futex.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <grp.h>
#include <mqueue.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <resolv.h>
#include <termios.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/sendfile.h>

/* Fortified entry points, declared here because only _FORTIFY_SOURCE headers route to them. */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask,
                size_t fdslen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *addr,
                       socklen_t *addrlen);

#define EMAGIC 12345

static int ncases;
static long last_r; /* the value of the last CASE/TCASE, to clean up what it created */
static const char *section = "init";

/* ------------------------------------------------------------------ reporting helpers */

static const char *ename(int e)
{
    static __thread char buf[32];
    if (e == EMAGIC)
        return "untouched";
    if (e == 0)
        return "0";
    const char *n = strerrorname_np(e);
    if (n)
        return n;
    snprintf(buf, sizeof buf, "E?%d", e);
    return buf;
}

static void report(const char *name, const char *ret, int err, const char *fmt, ...)
{
    char extra[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(extra, sizeof extra, fmt, ap);
        va_end(ap);
    }
    printf("%s ret=%s errno=%s%s%s\n", name, ret, ename(err), extra[0] ? " " : "", extra);
    fflush(stdout);
    ncases++;
}

/* Return-value normalizers. Each returns a string that lives for a few more calls. */
static char *rbuf(void)
{
    static __thread char b[8][48];
    static __thread int i;
    return b[i++ & 7];
}
static const char *rs(long v)
{
    char *p = rbuf();
    snprintf(p, 48, "%ld", v);
    return p;
}
static const char *rfd(long v)
{
    return v >= 0 ? "fd" : rs(v);
}
static const char *rpid(long v)
{
    return v > 0 ? "pid" : rs(v);
}
/* for functions returning an error number */
static const char *rerr(long v)
{
    if (v == 0)
        return "0";
    const char *n = strerrorname_np((int)v);
    return n ? n : rs(v);
}

/* for C11 thread functions */
static const char *rthrd(long v)
{
    switch (v) {
    case thrd_success:
        return "thrd_success";
    case thrd_busy:
        return "thrd_busy";
    case thrd_error:
        return "thrd_error";
    case thrd_nomem:
        return "thrd_nomem";
    case thrd_timedout:
        return "thrd_timedout";
    }
    return rs(v);
}

/* CASE(name, normalizer, expr, fmt, ...): errno = 12345, r = expr, e = errno, then report.
 * The format arguments are evaluated after the call and may use r and e. */
/* CONFORMANCE_SKIP_EFAULT=1 (a sanitizer runtime is preloaded, whose own interceptors read
 * bad pointers or arrays past their end before the kernel can refuse them): the *.efault and
 * *.einval.nfds cases print "skipped". */
static int skip_efault = -1;

static int skipped(const char *name)
{
    if (skip_efault < 0) {
        const char *v = getenv("CONFORMANCE_SKIP_EFAULT");
        skip_efault = v != NULL && strcmp(v, "1") == 0;
    }
    int bad_memory = (strstr(name, "efault") != NULL && strstr(name, "after_efault") == NULL) ||
                      strstr(name, "einval.nfds") != NULL;
    if (!skip_efault || !bad_memory)
        return 0;
    printf("%s skipped\n", name);
    fflush(stdout);
    ncases++;
    return 1;
}

#define CASE(name, norm, expr, ...)                                                                \
    if (!skipped(name))                                                                            \
    do {                                                                                           \
        errno = EMAGIC;                                                                            \
        long r = (long)(expr);                                                                     \
        int e = errno;                                                                             \
        last_r = r;                                                                                \
        report(name, norm(r), e, __VA_ARGS__);                                                     \
    } while (0)

/* Timed variant: also sets ms, the elapsed milliseconds. */
#define TCASE(name, norm, expr, ...)                                                               \
    do {                                                                                           \
        long t0_ = now_ms();                                                                       \
        errno = EMAGIC;                                                                            \
        long r = (long)(expr);                                                                     \
        int e = errno;                                                                             \
        long ms = now_ms() - t0_;                                                                  \
        last_r = r;                                                                                \
        (void)ms;                                                                                  \
        report(name, norm(r), e, __VA_ARGS__);                                                     \
    } while (0)

/* "waited at least req ms" (1 ms of slack for clock granularity). How much longer it took
 * depends on the machine's load, so it is not part of the output; waits more than 2 s
 * longer than asked are noted on stderr. */
#define WAITED(req) waited(ms, (req), __LINE__)
/* The same for a call that waits for something another thread or process does `req` ms after
 * it was started (by later(), spawn() or after MARK()): measured from that start, since the
 * caller may itself be descheduled between starting the helper and making the call. */
#define LWAITED(req) waited(t0_ + ms - mark_ms, (req), __LINE__)
static long mark_ms;
#define MARK() (mark_ms = now_ms())
static int waited(long ms, long req, int line)
{
    if (ms > req + 2000)
        fprintf(stderr, "conformance: note: line %d waited %ld ms for %ld\n", line, ms, req);
    return ms >= req - 1;
}
/* "returned promptly" */
#define QUICK (ms < 100)

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void die(const char *what)
{
    fprintf(stderr, "conformance: setup failed in %s: %s: %s\n", section, what, strerror(errno));
    exit(2);
}
#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            die(#x);                                                                               \
    } while (0)

/* A timespec `ms` from now on clock `clk` (for absolute timeouts). */
static struct timespec abs_in(clockid_t clk, long ms)
{
    struct timespec t;
    clock_gettime(clk, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}
static struct timespec rel(long ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    return t;
}

/* Helper-side sleep: an absolute deadline, so that any interruption only resumes it. */
static void msleep(long ms)
{
    struct timespec t = abs_in(CLOCK_MONOTONIC, ms);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) != 0)
        ;
}

/* ------------------------------------------------------------------ helper threads */

/* Run fn(arg) on a new thread after `ms` milliseconds; join with later_join(). */
struct later {
    pthread_t t;
    long ms;
    void (*fn)(void *);
    void *arg;
};
static void *later_main(void *p)
{
    struct later *l = p;
    msleep(l->ms);
    l->fn(l->arg);
    return NULL;
}
static struct later *later(long ms, void (*fn)(void *), void *arg)
{
    MARK();
    struct later *l = calloc(1, sizeof *l);
    CHECK(l != NULL);
    l->ms = ms;
    l->fn = fn;
    l->arg = arg;
    CHECK(pthread_create(&l->t, NULL, later_main, l) == 0);
    return l;
}
static void later_join(struct later *l)
{
    CHECK(pthread_join(l->t, NULL) == 0);
    free(l);
}

static void write5(void *p)
{
    CHECK(write(*(int *)p, "later", 5) == 5);
}
static void close_fd_p(void *p)
{
    close(*(int *)p);
}
static void drain_p(void *p)
{
    static char sink[65536];
    CHECK(read(*(int *)p, sink, sizeof sink) > 0);
}
/* read whatever is in a pipe without blocking (what an unblock wrote, say) */
static void drain_nb(int fd)
{
    char b[256];
    int fl = fcntl(fd, F_GETFL);
    CHECK(fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
    while (read(fd, b, sizeof b) > 0)
        ;
    CHECK(fcntl(fd, F_SETFL, fl) == 0);
}

/* ------------------------------------------------------------------ own signals */

static pthread_t main_thread;
static volatile sig_atomic_t n_usr1, n_alrm;
static void on_usr1(int s)
{
    (void)s;
    n_usr1++;
}
static void on_alrm(int s)
{
    (void)s;
    n_alrm++;
}

/* Interrupt the main thread with its own SIGUSR1 (handler without SA_RESTART). */
static void kick_main(void *p)
{
    (void)p;
    CHECK(pthread_kill(main_thread, SIGUSR1) == 0);
}

/* Interrupt the main thread with SIGUSR1; if the call it sits in has not returned 1 s later
 * (the interruption was swallowed), unblock it some other way so the run goes on and the
 * case shows unblocked=1 instead of hanging. */
struct kick {
    volatile int done, unblocked;
    void (*unblock)(void *);
    void *arg;
};
static void kick_fn(void *p)
{
    struct kick *k = p;
    kick_main(NULL);
    for (int i = 0; i < 100 && !k->done; i++)
        msleep(10);
    if (!k->done && k->unblock) {
        k->unblocked = 1;
        k->unblock(k->arg);
    }
}
/* Interrupt the main thread with SIGUSR1, then 100 ms later do fn(arg) (which lets the main
 * thread's call complete): the handler has run by then, whatever the machine's load. */
struct kick_then {
    void (*fn)(void *);
    void *arg;
};
static void kick_then_fn(void *p)
{
    struct kick_then *k = p;
    kick_main(NULL);
    msleep(100);
    k->fn(k->arg);
}

/* A case interrupted by our own SIGUSR1 200 ms in: expect -1 EINTR, handled=1. */
#define EINTR_CASE(name, norm, expr, unblock_fn, unblock_arg)                                      \
    do {                                                                                           \
        struct kick k_ = {0, 0, (unblock_fn), (unblock_arg)};                                      \
        n_usr1 = 0;                                                                                \
        struct later *l_ = later(200, kick_fn, &k_);                                               \
        TCASE(name, norm, expr, "handled=%d waited=%d unblocked=%d", (int)n_usr1, LWAITED(200),    \
              k_.unblocked);                                                                       \
        k_.done = 1;                                                                               \
        later_join(l_);                                                                            \
    } while (0)

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sa.sa_handler = on_alrm;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    sa.sa_handler = SIG_IGN; /* EPIPE instead */
    CHECK(sigaction(SIGPIPE, &sa, NULL) == 0);
    /* SIGUSR2 is blocked in every thread of ours, for the sigwait family */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    CHECK(pthread_sigmask(SIG_BLOCK, &m, NULL) == 0);
}

/* ------------------------------------------------------------------ temp files */

static char tmpdir[128];
static char *tpath(const char *n)
{
    static char b[8][256];
    static int i;
    char *p = b[i++ & 7];
    snprintf(p, 256, "%s/%s", tmpdir, n);
    return p;
}

/* A regular file with the given content, opened O_RDWR. */
static int mkfile(const char *name, const char *content)
{
    int fd = open(tpath(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    if (content)
        CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    return fd;
}

/* An fd number that is closed and that nothing in this program ever opens. */
static int closed_fd(void)
{
    int fd = 900;
    CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
    return fd;
}

/* Opaque values the compiler cannot see through (keeps -Wnonnull and friends quiet). */
static void *volatile nullp;
static volatile int neg1 = -1;

/* ================================================================== fd I/O */

static void sec_fdio(void)
{
    section = "fdio";
    int p[2], np[2];
    char buf[64];
    CHECK(pipe(p) == 0);
    CHECK(pipe2(np, O_NONBLOCK) == 0);
    int bad = closed_fd();
#define CLR memset(buf, 0, sizeof buf)

    /* read / write / __read_chk on a pipe */
    CASE("write.pipe", rs, write(p[1], "hello", 5), NULL);
    CLR;
    CASE("read.pipe", rs, read(p[0], buf, sizeof buf), "data=%s", buf);
    CASE("write.pipe.zero", rs, write(p[1], "", 0), NULL);
    CASE("read.pipe.zero", rs, read(p[0], buf, 0), NULL);
    CHECK(write(p[1], "abcdef", 6) == 6);
    CLR;
    CASE("__read_chk.pipe", rs, __read_chk(p[0], buf, 3, sizeof buf), "data=%s", buf);
    CLR;
    CASE("read.pipe.partial", rs, read(p[0], buf, sizeof buf), "data=%s", buf);
    CASE("read.ebadf", rs, read(bad, buf, 1), NULL);
    CASE("read.ebadf.neg", rs, read(-1, buf, 1), NULL);
    CASE("__read_chk.ebadf", rs, __read_chk(bad, buf, 1, sizeof buf), NULL);
    CASE("write.ebadf", rs, write(bad, "x", 1), NULL);
    CASE("write.ebadf.rdend", rs, write(p[0], "x", 1), NULL);
    CASE("read.ebadf.wrend", rs, read(p[1], buf, 1), NULL);
    CASE("read.eagain", rs, read(np[0], buf, sizeof buf), NULL);
    CASE("__read_chk.eagain", rs, __read_chk(np[0], buf, 1, sizeof buf), NULL);
    CHECK(write(p[1], "z", 1) == 1);
    CASE("read.efault", rs, read(p[0], nullp, 1), NULL);
    CASE("write.efault", rs, write(p[1], nullp, 1), NULL);
    CLR;
    CASE("read.after_efault", rs, read(p[0], buf, sizeof buf), "data=%s", buf);

    /* write: EAGAIN on a full O_NONBLOCK pipe, EPIPE without readers */
    {
        int q[2];
        CHECK(pipe2(q, O_NONBLOCK) == 0);
        long cap = fcntl(q[1], F_SETPIPE_SZ, 4096);
        static char big[65536];
        long total = 0, r;
        while ((r = write(q[1], big, sizeof big)) > 0)
            total += r;
        CASE("write.eagain.full", rs, write(q[1], big, 1), "filled=%d", total == cap);
        close(q[0]);
        CASE("write.epipe", rs, write(q[1], "x", 1), NULL);
        close(q[1]);
    }

    /* readv / writev */
    {
        char a[4] = {0}, b[8] = {0};
        struct iovec wv[2] = {{"abc", 3}, {"defgh", 5}};
        struct iovec rv[2] = {{a, 3}, {b, 7}};
        CASE("writev.pipe", rs, writev(p[1], wv, 2), NULL);
        CASE("readv.pipe", rs, readv(p[0], rv, 2), "a=%s b=%s", a, b);
        CASE("readv.ebadf", rs, readv(bad, rv, 2), NULL);
        CASE("writev.ebadf", rs, writev(bad, wv, 2), NULL);
        CASE("readv.einval.cnt", rs, readv(p[0], rv, neg1), NULL);
        CASE("writev.einval.cnt", rs, writev(p[1], wv, neg1), NULL);
        CASE("readv.eagain", rs, readv(np[0], rv, 2), NULL);
        CASE("writev.zero", rs, writev(p[1], wv, 0), NULL);
    }

    /* positional and vectored I/O on a regular file */
    {
        int fd = mkfile("io.dat", "0123456789");
        char a[8] = {0}, b[8] = {0};
        struct iovec rv[2] = {{a, 2}, {b, 3}};
        struct iovec wv[2] = {{"AB", 2}, {"CD", 2}};
        CASE("write.file", rs, write(fd, "xy", 2), "off=%ld", (long)lseek(fd, 0, SEEK_CUR));
        CASE("pwrite.file", rs, pwrite(fd, "PQ", 2, 2), "off=%ld", (long)lseek(fd, 0, SEEK_CUR));
        CASE("pwrite64.file", rs, pwrite64(fd, "RS", 2, 4), NULL);
        CLR;
        CASE("pread.file", rs, pread(fd, buf, 6, 1), "data=%s off=%ld", buf,
             (long)lseek(fd, 0, SEEK_CUR));
        CLR;
        CASE("pread64.file", rs, pread64(fd, buf, 4, 8), "data=%s", buf);
        CLR;
        CASE("__pread_chk.file", rs, __pread_chk(fd, buf, 3, 0, sizeof buf), "data=%s", buf);
        CLR;
        CASE("__pread64_chk.file", rs, __pread64_chk(fd, buf, 3, 9, sizeof buf), "data=%s", buf);
        CASE("pread.eof", rs, pread(fd, buf, 4, 100), NULL);
        CASE("pwritev.file", rs, pwritev(fd, wv, 2, 0), NULL);
        CASE("pwritev64.file", rs, pwritev64(fd, wv, 1, 6), NULL);
        CASE("preadv.file", rs, preadv(fd, rv, 2, 0), "a=%.2s b=%.3s", a, b);
        CASE("preadv64.file", rs, preadv64(fd, rv, 2, 5), "a=%.2s b=%.3s", a, b);
        CASE("pwritev2.file", rs, pwritev2(fd, wv, 1, 8, 0), NULL);
        CASE("pwritev2.curpos", rs, pwritev2(fd, wv, 1, -1, 0), "off=%ld",
             (long)lseek(fd, 0, SEEK_CUR));
        CASE("preadv2.file", rs, preadv2(fd, rv, 2, 7, 0), "a=%.2s b=%.3s", a, b);
        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        CASE("preadv2.curpos", rs, preadv2(fd, rv, 2, -1, 0), "a=%.2s b=%.3s off=%ld", a, b,
             (long)lseek(fd, 0, SEEK_CUR));
        CASE("preadv2.eopnotsupp", rs, preadv2(fd, rv, 2, 0, 0x40000000), NULL);
        CASE("pwritev2.eopnotsupp", rs, pwritev2(fd, wv, 2, 0, 0x40000000), NULL);
        CASE("preadv2.nowait", rs, preadv2(fd, rv, 1, 0, RWF_NOWAIT), NULL);
        CLR;
        CHECK(pread(fd, buf, sizeof buf - 1, 0) >= 0);
        report("file.content", "-", EMAGIC, "data=%s", buf);
        CASE("pread.einval.off", rs, pread(fd, buf, 1, -1), NULL);
        CASE("pwrite.einval.off", rs, pwrite(fd, "x", 1, -1), NULL);
        CASE("preadv.einval.off", rs, preadv(fd, rv, 2, -5), NULL);
        CASE("pwritev.einval.off", rs, pwritev(fd, wv, 2, -5), NULL);
        CASE("pread.ebadf", rs, pread(bad, buf, 1, 0), NULL);
        CASE("pread64.ebadf", rs, pread64(bad, buf, 1, 0), NULL);
        CASE("__pread_chk.ebadf", rs, __pread_chk(bad, buf, 1, 0, sizeof buf), NULL);
        CASE("__pread64_chk.ebadf", rs, __pread64_chk(bad, buf, 1, 0, sizeof buf), NULL);
        CASE("pwrite.ebadf", rs, pwrite(bad, "x", 1, 0), NULL);
        CASE("pwrite64.ebadf", rs, pwrite64(bad, "x", 1, 0), NULL);
        CASE("preadv.ebadf", rs, preadv(bad, rv, 2, 0), NULL);
        CASE("preadv64.ebadf", rs, preadv64(bad, rv, 2, 0), NULL);
        CASE("pwritev.ebadf", rs, pwritev(bad, wv, 2, 0), NULL);
        CASE("pwritev64.ebadf", rs, pwritev64(bad, wv, 2, 0), NULL);
        CASE("preadv2.ebadf", rs, preadv2(bad, rv, 2, 0, 0), NULL);
        CASE("pwritev2.ebadf", rs, pwritev2(bad, wv, 2, 0, 0), NULL);
        CASE("pread.espipe", rs, pread(p[0], buf, 1, 0), NULL);
        CASE("pwrite.espipe", rs, pwrite(p[1], "x", 1, 0), NULL);
        CASE("preadv.espipe", rs, preadv(p[0], rv, 2, 0), NULL);
        CASE("pwritev2.espipe", rs, pwritev2(p[1], wv, 2, 0, 0), NULL);
        close(fd);

        int ro = open(tpath("io.dat"), O_RDONLY);
        CHECK(ro >= 0);
        CASE("write.ebadf.rdonly", rs, write(ro, "x", 1), NULL);
        CASE("pwrite.ebadf.rdonly", rs, pwrite(ro, "x", 1, 0), NULL);
        close(ro);
        int dir = open(tmpdir, O_RDONLY | O_DIRECTORY);
        CHECK(dir >= 0);
        CASE("read.eisdir", rs, read(dir, buf, 1), NULL);
        CASE("pread.eisdir", rs, pread(dir, buf, 1, 0), NULL);
        close(dir);
        unlink(tpath("io.dat"));
    }

    /* slow: blocked in read / readv / __read_chk until another thread writes */
    {
        struct later *l;
        CLR;
        l = later(200, write5, &p[1]);
        TCASE("read.pipe.slow", rs, read(p[0], buf, sizeof buf), "data=%s waited=%d", buf,
              LWAITED(200));
        later_join(l);
        CLR;
        l = later(200, write5, &p[1]);
        struct iovec rv[1] = {{buf, sizeof buf}};
        TCASE("readv.pipe.slow", rs, readv(p[0], rv, 1), "data=%s waited=%d", buf, LWAITED(200));
        later_join(l);
        CLR;
        l = later(200, write5, &p[1]);
        TCASE("__read_chk.pipe.slow", rs, __read_chk(p[0], buf, 10, sizeof buf),
              "data=%s waited=%d", buf, LWAITED(200));
        later_join(l);
        /* pipe writer closes: read returns 0 */
        int q[2];
        CHECK(pipe(q) == 0);
        struct later *c = later(150, close_fd_p, &q[1]);
        TCASE("read.pipe.eof.slow", rs, read(q[0], buf, sizeof buf), "waited=%d", LWAITED(150));
        later_join(c);
        close(q[0]);
        EINTR_CASE("read.pipe.eintr_own_signal", rs, read(p[0], buf, sizeof buf), write5, &p[1]);
        drain_nb(p[0]);
        EINTR_CASE("__read_chk.pipe.eintr_own_signal", rs, __read_chk(p[0], buf, 8, sizeof buf),
                   write5, &p[1]);
        drain_nb(p[0]);
        EINTR_CASE("readv.pipe.eintr_own_signal", rs,
                   readv(p[0], (&(struct iovec){buf, sizeof buf}), 1), write5, &p[1]);
        drain_nb(p[0]);
    }

    /* slow: blocked in write on a full pipe until another thread drains it */
    {
        int q[2];
        CHECK(pipe(q) == 0);
        long cap = fcntl(q[1], F_SETPIPE_SZ, 4096);
        char *big = calloc(1, (size_t)cap);
        CHECK(big && write(q[1], big, (size_t)cap) == cap);
        struct later *l = later(200, drain_p, &q[0]);
        TCASE("write.pipe.full.slow", rs, write(q[1], "w", 1), "waited=%d", LWAITED(200));
        later_join(l);
        CHECK(read(q[0], buf, 1) == 1);
        CHECK(write(q[1], big, (size_t)cap) == cap);
        l = later(200, drain_p, &q[0]);
        struct iovec wv[1] = {{"v", 1}};
        TCASE("writev.pipe.full.slow", rs, writev(q[1], wv, 1), "waited=%d", LWAITED(200));
        later_join(l);
        /* interrupted by our own handler while the pipe is full */
        CHECK(fcntl(q[0], F_SETFL, O_NONBLOCK) == 0);
        while (read(q[0], big, (size_t)cap) > 0)
            ;
        CHECK(fcntl(q[0], F_SETFL, 0) == 0);
        CHECK(write(q[1], big, (size_t)cap) == cap);
        EINTR_CASE("write.pipe.full.eintr_own_signal", rs, write(q[1], "w", 1), drain_p, &q[0]);
        CHECK(fcntl(q[0], F_SETFL, O_NONBLOCK) == 0);
        while (read(q[0], big, (size_t)cap) > 0)
            ;
        CHECK(fcntl(q[0], F_SETFL, 0) == 0);
        CHECK(write(q[1], big, (size_t)cap) == cap);
        EINTR_CASE("writev.pipe.full.eintr_own_signal", rs, writev(q[1], wv, 1), drain_p, &q[0]);
        free(big);
        close(q[0]);
        close(q[1]);
    }
#undef CLR
    close(p[0]);
    close(p[1]);
    close(np[0]);
    close(np[1]);
}

/* ================================================================== open family */

/* permission bits of an fd, or -1 */
static int fmode(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}
static long fnlink(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_nlink : -1;
}
/* the lowest free fd number, which open() must return */
static int lowest_free(void)
{
    int fd = dup(0);
    CHECK(fd >= 0);
    close(fd);
    return fd;
}
static int accmode(int fd)
{
    return fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK);
}

static void sec_open(void)
{
    section = "open";
    int bad = closed_fd();
    int dir = open(tmpdir, O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    const char *f1 = tpath("o1"), *f2 = tpath("o2"), *nx = tpath("nonexistent/x");
    int low, fd;

#define OPENCASE(name, expr) OPENCASE_X(name, expr, "", 0L)
    /* xfmt: "" or a " key=%ld" suffix; xval is evaluated after the call */
#define OPENCASE_X(name, expr, xfmt, xval)                                                         \
    do {                                                                                           \
        low = lowest_free();                                                                       \
        errno = EMAGIC;                                                                            \
        fd = (expr);                                                                               \
        int e_ = errno;                                                                            \
        report(name, rfd(fd), e_, "lowest=%d mode=%o flags=%#x" xfmt, fd == low,                   \
               fd >= 0 ? fmode(fd) : 0, fd >= 0 ? accmode(fd) : 0, (long)(xval));                  \
    } while (0)
#define CLOSE_FD                                                                                   \
    do {                                                                                           \
        if (fd >= 0)                                                                               \
            close(fd);                                                                             \
    } while (0)

    /* open */
    OPENCASE("open.create", open(f1, O_CREAT | O_EXCL | O_WRONLY, 0640));
    CLOSE_FD;
    OPENCASE("open.eexist", open(f1, O_CREAT | O_EXCL | O_WRONLY, 0640));
    OPENCASE("open.existing", open(f1, O_RDWR | O_APPEND));
    CLOSE_FD;
    OPENCASE("open.creat_existing_keeps_mode", open(f1, O_CREAT | O_RDWR, 0777));
    CLOSE_FD;
    OPENCASE("open.enoent", open(tpath("missing"), O_RDONLY));
    OPENCASE("open.enoent.dir", open(nx, O_CREAT | O_WRONLY, 0600));
    OPENCASE("open.enotdir", open(f1, O_RDONLY | O_DIRECTORY));
    OPENCASE("open.eisdir", open(tmpdir, O_WRONLY));
    OPENCASE("open.einval.flags", open(f1, O_RDONLY | O_TMPFILE));
    OPENCASE("open.umask", open(f2, O_CREAT | O_EXCL | O_RDWR, 0777));
    CLOSE_FD;
    unlink(f2);
    OPENCASE_X("open.tmpfile", open(tmpdir, O_TMPFILE | O_RDWR, 0600), " nlink=%ld", fnlink(fd));
    CLOSE_FD;
    OPENCASE("open.tmpfile.rdonly", open(tmpdir, O_TMPFILE | O_RDONLY, 0600));
    OPENCASE_X("open.nonblock", open(f1, O_RDONLY | O_NONBLOCK | O_CLOEXEC), " cloexec=%ld",
               fd >= 0 ? fcntl(fd, F_GETFD) : -1);
    CLOSE_FD;

    /* open64 */
    OPENCASE("open64.create", open64(f2, O_CREAT | O_EXCL | O_WRONLY, 0604));
    CLOSE_FD;
    OPENCASE("open64.eexist", open64(f2, O_CREAT | O_EXCL | O_WRONLY, 0604));
    OPENCASE("open64.enoent", open64(tpath("missing"), O_RDONLY));
    OPENCASE_X("open64.tmpfile", open64(tmpdir, O_TMPFILE | O_WRONLY, 0640), " nlink=%ld",
               fnlink(fd));
    CLOSE_FD;
    unlink(f2);

    /* openat */
    OPENCASE("openat.create", openat(dir, "o2", O_CREAT | O_EXCL | O_RDWR, 0620));
    CLOSE_FD;
    OPENCASE("openat.eexist", openat(dir, "o2", O_CREAT | O_EXCL | O_RDWR, 0620));
    OPENCASE("openat.cwd", openat(AT_FDCWD, f1, O_RDONLY));
    CLOSE_FD;
    OPENCASE("openat.abs_ignores_dirfd", openat(bad, f1, O_RDONLY));
    CLOSE_FD;
    OPENCASE("openat.enoent", openat(dir, "missing", O_RDONLY));
    OPENCASE("openat.ebadf", openat(bad, "o2", O_RDONLY));
    {
        int file = open(f1, O_RDONLY);
        CHECK(file >= 0);
        OPENCASE("openat.enotdir", openat(file, "o2", O_RDONLY));
        close(file);
    }
    OPENCASE_X("openat.tmpfile", openat(dir, ".", O_TMPFILE | O_RDWR, 0600), " nlink=%ld",
               fnlink(fd));
    CLOSE_FD;
    unlink(f2);

    /* openat64 */
    OPENCASE("openat64.create", openat64(dir, "o2", O_CREAT | O_EXCL | O_RDWR, 0640));
    CLOSE_FD;
    OPENCASE("openat64.eexist", openat64(dir, "o2", O_CREAT | O_EXCL | O_RDWR, 0640));
    OPENCASE("openat64.enoent", openat64(dir, "missing", O_RDONLY));
    OPENCASE("openat64.ebadf", openat64(bad, "o2", O_RDONLY));
    OPENCASE_X("openat64.tmpfile", openat64(dir, ".", O_TMPFILE | O_RDWR, 0600), " nlink=%ld",
               fnlink(fd));
    CLOSE_FD;
    unlink(f2);

    /* creat / creat64: O_CREAT|O_WRONLY|O_TRUNC */
    OPENCASE("creat.create", creat(f2, 0644));
    CLOSE_FD;
    {
        int w = open(f2, O_WRONLY);
        CHECK(w >= 0 && write(w, "data", 4) == 4);
        close(w);
    }
    OPENCASE_X("creat.truncates", creat(f2, 0600), " size=%ld",
               (long)lseek(fd >= 0 ? fd : 0, 0, SEEK_END));
    CLOSE_FD;
    OPENCASE("creat.enoent", creat(nx, 0600));
    OPENCASE("creat.eisdir", creat(tmpdir, 0600));
    unlink(f2);
    OPENCASE("creat64.create", creat64(f2, 0660));
    CLOSE_FD;
    OPENCASE("creat64.enoent", creat64(nx, 0600));
    unlink(f2);

    /* fortified entry points (no O_CREAT: those need a mode and abort by design) */
    OPENCASE("__open_2.ok", __open_2(f1, O_RDONLY));
    CLOSE_FD;
    OPENCASE("__open_2.enoent", __open_2(tpath("missing"), O_RDONLY));
    OPENCASE("__open64_2.ok", __open64_2(f1, O_RDWR));
    CLOSE_FD;
    OPENCASE("__open64_2.eisdir", __open64_2(tmpdir, O_RDWR));
    OPENCASE("__openat_2.ok", __openat_2(dir, "o1", O_RDONLY));
    CLOSE_FD;
    OPENCASE("__openat_2.ebadf", __openat_2(bad, "o1", O_RDONLY));
    OPENCASE("__openat64_2.ok", __openat64_2(dir, "o1", O_WRONLY | O_APPEND));
    CLOSE_FD;
    OPENCASE("__openat64_2.enoent", __openat64_2(dir, "missing", O_RDONLY));

    /* close */
    fd = open(f1, O_RDONLY);
    CHECK(fd >= 0);
    CASE("close.ok", rs, close(fd), NULL);
    CASE("close.twice", rs, close(fd), NULL);
    CASE("close.neg", rs, close(-1), NULL);
    CASE("close.ebadf", rs, close(bad), NULL);
    {
        int p[2];
        CHECK(pipe(p) == 0);
        CASE("close.pipe", rs, close(p[1]), NULL);
        char c;
        CASE("read.after_close_writer", rs, read(p[0], &c, 1), NULL);
        close(p[0]);
    }
#undef OPENCASE
#undef CLOSE_FD
    close(dir);
    unlink(f1);
}

/* ================================================================== sync */

static void sec_sync(void)
{
    section = "sync";
    int bad = closed_fd();
    int fd = mkfile("sync.dat", "some data to sync");
    int p[2];
    CHECK(pipe(p) == 0);
    CASE("fsync.file", rs, fsync(fd), NULL);
    CASE("fsync.ebadf", rs, fsync(bad), NULL);
    CASE("fsync.pipe", rs, fsync(p[1]), NULL);
    CASE("fdatasync.file", rs, fdatasync(fd), NULL);
    CASE("fdatasync.ebadf", rs, fdatasync(bad), NULL);
    CASE("fdatasync.pipe", rs, fdatasync(p[1]), NULL);
    CASE("sync_file_range.write", rs, sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE), NULL);
    CASE("sync_file_range.all", rs,
         sync_file_range(fd, 0, 4,
                         SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                             SYNC_FILE_RANGE_WAIT_AFTER),
         NULL);
    CASE("sync_file_range.ebadf", rs, sync_file_range(bad, 0, 0, SYNC_FILE_RANGE_WRITE), NULL);
    CASE("sync_file_range.einval.flags", rs, sync_file_range(fd, 0, 0, 0x80), NULL);
    CASE("sync_file_range.einval.off", rs, sync_file_range(fd, -1, 0, SYNC_FILE_RANGE_WRITE), NULL);
    CASE("sync_file_range.espipe", rs, sync_file_range(p[1], 0, 0, SYNC_FILE_RANGE_WRITE), NULL);
    close(p[0]);
    close(p[1]);
    close(fd);
    unlink(tpath("sync.dat"));
}

/* ================================================================== file locks */

static void unlock_flock(void *p)
{
    CHECK(flock(*(int *)p, LOCK_UN) == 0);
}
static void unlock_ofd(void *p)
{
    struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK(fcntl(*(int *)p, F_OFD_SETLK, &fl) == 0);
}
static void write_byte(void *p)
{
    CHECK(write(*(int *)p, "r", 1) == 1);
}

/* A child process that takes a POSIX lock with `how` (0: fcntl write lock on [0,10), 1:
 * lockf F_LOCK on the whole file) on `path`, tells us, and holds it until we write to its
 * release pipe (or exit). */
struct holder {
    pid_t pid;
    int rel; /* write a byte here to make it release and exit */
};
static struct holder hold_in_child(const char *path, int how)
{
    int ready[2], rel[2];
    CHECK(pipe(ready) == 0 && pipe(rel) == 0);
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        close(rel[1]);
        int fd = open(path, O_RDWR);
        if (fd < 0)
            _exit(10);
        if (how == 0) {
            struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
            if (fcntl(fd, F_SETLK, &fl) != 0)
                _exit(11);
        } else if (lockf(fd, F_LOCK, 0) != 0) {
            _exit(12);
        }
        if (write(ready[1], "k", 1) != 1)
            _exit(13);
        char c;
        if (read(rel[0], &c, 1) < 0)
            _exit(14);
        _exit(0);
    }
    close(ready[1]);
    close(rel[0]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    close(ready[0]);
    struct holder h = {pid, rel[1]};
    return h;
}
static void holder_done(struct holder h)
{
    int st;
    if (write(h.rel, "x", 1) != 1) {
        /* already released */
    }
    close(h.rel);
    CHECK(waitpid(h.pid, &st, 0) == h.pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void sec_flock(void)
{
    section = "flock";
    int bad = closed_fd();
    int fd1 = mkfile("lock.dat", "0123456789abcdef");
    int fd2 = open(tpath("lock.dat"), O_RDWR);
    CHECK(fd2 >= 0);
    struct later *l;

    CASE("flock.ex", rs, flock(fd1, LOCK_EX), NULL);
    CASE("flock.ex.again_same_ofd", rs, flock(fd1, LOCK_EX), NULL);
    CASE("flock.nb.conflict.ex", rs, flock(fd2, LOCK_EX | LOCK_NB), "ewouldblock=%d",
         e == EWOULDBLOCK);
    CASE("flock.nb.conflict.sh", rs, flock(fd2, LOCK_SH | LOCK_NB), NULL);
    CASE("flock.downgrade", rs, flock(fd1, LOCK_SH), NULL);
    CASE("flock.sh.shared", rs, flock(fd2, LOCK_SH | LOCK_NB), NULL);
    CASE("flock.nb.upgrade_conflict", rs, flock(fd1, LOCK_EX | LOCK_NB), NULL);
    CASE("flock.un", rs, flock(fd2, LOCK_UN), NULL);
    CASE("flock.upgrade", rs, flock(fd1, LOCK_EX), NULL);
    l = later(200, unlock_flock, &fd1);
    TCASE("flock.ex.slow", rs, flock(fd2, LOCK_EX), "waited=%d", LWAITED(200));
    later_join(l);
    CASE("flock.nb.conflict.reverse", rs, flock(fd1, LOCK_EX | LOCK_NB), NULL);
    n_usr1 = 0;
    l = later(200, kick_main, NULL);
    TCASE("flock.ex.eintr_own_signal", rs, flock(fd1, LOCK_EX), "handled=%d waited=%d", (int)n_usr1,
          LWAITED(200));
    later_join(l);
    CASE("flock.un2", rs, flock(fd2, LOCK_UN), NULL);
    CASE("flock.ebadf", rs, flock(bad, LOCK_SH), NULL);
    CASE("flock.op99", rs, flock(fd1, 99), NULL);
    CASE("flock.einval.nb_only", rs, flock(fd1, LOCK_NB), NULL);
    {
        int p[2];
        CHECK(pipe(p) == 0);
        CASE("flock.pipe", rs, flock(p[0], LOCK_EX), NULL);
        close(p[0]);
        close(p[1]);
    }
    close(fd1);
    close(fd2);
}

static void sec_fcntl(void)
{
    section = "fcntl";
    int bad = closed_fd();
    const char *path = tpath("lock.dat");
    int fd1 = open(path, O_RDWR), fd2 = open(path, O_RDWR);
    CHECK(fd1 >= 0 && fd2 >= 0);
    struct later *l;
    struct flock fl;
#define FL(type, start, len)                                                                       \
    (fl =                                                                                          \
         (struct flock){                                                                           \
             .l_type = (type), .l_whence = SEEK_SET, .l_start = (start), .l_len = (len)},          \
     &fl)
#define FLOUT  "type=%d start=%ld len=%ld"
#define FLARGS fl.l_type, (long)fl.l_start, (long)fl.l_len

    /* open file description locks: conflicts inside one process */
    CASE("fcntl.ofd_setlk.wr", rs, fcntl(fd1, F_OFD_SETLK, FL(F_WRLCK, 0, 0)), NULL);
    CASE("fcntl.ofd_setlk.conflict", rs, fcntl(fd2, F_OFD_SETLK, FL(F_RDLCK, 0, 4)), NULL);
    CASE("fcntl.ofd_getlk", rs, fcntl(fd2, F_OFD_GETLK, FL(F_WRLCK, 2, 3)), FLOUT " pid=%d", FLARGS,
         (int)fl.l_pid);
    CASE("fcntl.ofd_getlk.self", rs, fcntl(fd1, F_OFD_GETLK, FL(F_WRLCK, 2, 3)), FLOUT, FLARGS);
    CASE("fcntl.ofd_setlk.einval_pid", rs,
         fcntl(fd2, F_OFD_SETLK, (fl = (struct flock){.l_type = F_RDLCK, .l_pid = 1}, &fl)), NULL);
    l = later(200, unlock_ofd, &fd1);
    TCASE("fcntl.ofd_setlkw.slow", rs, fcntl(fd2, F_OFD_SETLKW, FL(F_WRLCK, 0, 0)), "waited=%d",
          LWAITED(200));
    later_join(l);
    n_usr1 = 0;
    l = later(200, kick_main, NULL);
    TCASE("fcntl.ofd_setlkw.eintr_own_signal", rs, fcntl(fd1, F_OFD_SETLKW, FL(F_WRLCK, 0, 0)),
          "handled=%d waited=%d", (int)n_usr1, LWAITED(200));
    later_join(l);
    l = later(200, unlock_ofd, &fd2);
    TCASE("fcntl64.ofd_setlkw.slow", rs, fcntl64(fd1, F_OFD_SETLKW, FL(F_RDLCK, 0, 0)), "waited=%d",
          LWAITED(200));
    later_join(l);
    CASE("fcntl.ofd_setlk.shared", rs, fcntl(fd2, F_OFD_SETLK, FL(F_RDLCK, 0, 0)), NULL);
    CASE("fcntl64.ofd_setlk.conflict", rs, fcntl64(fd2, F_OFD_SETLK, FL(F_WRLCK, 0, 0)), NULL);
    CHECK(fcntl(fd1, F_OFD_SETLK, FL(F_UNLCK, 0, 0)) == 0);
    CHECK(fcntl(fd2, F_OFD_SETLK, FL(F_UNLCK, 0, 0)) == 0);

    /* process-associated locks: same process never conflicts */
    CASE("fcntl.setlk.wr", rs, fcntl(fd1, F_SETLK, FL(F_WRLCK, 0, 10)), NULL);
    CASE("fcntl.setlk.same_process", rs, fcntl(fd2, F_SETLK, FL(F_WRLCK, 5, 10)), NULL);
    CASE("fcntl.getlk.own", rs, fcntl(fd2, F_GETLK, FL(F_WRLCK, 0, 10)), FLOUT, FLARGS);
    CASE("fcntl.setlkw.free", rs, fcntl(fd1, F_SETLKW, FL(F_RDLCK, 20, 5)), NULL);
    CASE("fcntl64.setlkw.free", rs, fcntl64(fd1, F_SETLKW, FL(F_WRLCK, 30, 5)), NULL);
    CASE("fcntl.setlk.unlock", rs, fcntl(fd1, F_SETLK, FL(F_UNLCK, 0, 0)), NULL);
    CASE("fcntl.setlk.einval_type", rs, fcntl(fd1, F_SETLK, FL(42, 0, 1)), NULL);
    CASE("fcntl.setlk.einval_whence", rs,
         fcntl(fd1, F_SETLK, (fl = (struct flock){.l_type = F_RDLCK, .l_whence = 7}, &fl)), NULL);
    CASE("fcntl.setlkw.ebadf", rs, fcntl(bad, F_SETLKW, FL(F_WRLCK, 0, 1)), NULL);
    CASE("fcntl.getlk.ebadf", rs, fcntl(bad, F_GETLK, FL(F_WRLCK, 0, 1)), NULL);
    CASE("fcntl.setlk.efault", rs, fcntl(fd1, F_SETLK, nullp), NULL);
    CASE("fcntl.setlkw.efault", rs, fcntl(fd1, F_SETLKW, nullp), NULL);
    {
        int ro = open(path, O_RDONLY);
        CHECK(ro >= 0);
        CASE("fcntl.setlkw.ebadf_rdonly_wrlck", rs, fcntl(ro, F_SETLKW, FL(F_WRLCK, 0, 1)), NULL);
        close(ro);
    }

    /* against another process */
    {
        struct holder h = hold_in_child(path, 0);
        CASE("fcntl.getlk.other", rs, fcntl(fd1, F_GETLK, FL(F_RDLCK, 3, 1)), FLOUT " pid_ok=%d",
             FLARGS, fl.l_pid == h.pid);
        CASE("fcntl64.getlk.other", rs, fcntl64(fd1, F_GETLK, FL(F_WRLCK, 9, 5)),
             FLOUT " pid_ok=%d", FLARGS, fl.l_pid == h.pid);
        CASE("fcntl.getlk.other_free_range", rs, fcntl(fd1, F_GETLK, FL(F_WRLCK, 10, 5)), FLOUT,
             FLARGS);
        CASE("fcntl.setlk.other", rs, fcntl(fd1, F_SETLK, FL(F_WRLCK, 0, 1)), "eagain_or_eacces=%d",
             e == EAGAIN || e == EACCES);
        CASE("fcntl64.setlk.other", rs, fcntl64(fd1, F_SETLK, FL(F_RDLCK, 0, 1)), NULL);
        CASE("fcntl.setlk.other_free_range", rs, fcntl(fd1, F_SETLK, FL(F_WRLCK, 10, 1)), NULL);
        n_usr1 = 0;
        l = later(200, kick_main, NULL);
        TCASE("fcntl.setlkw.eintr_own_signal", rs, fcntl(fd1, F_SETLKW, FL(F_WRLCK, 0, 1)),
              "handled=%d waited=%d", (int)n_usr1, LWAITED(200));
        later_join(l);
        l = later(200, write_byte, &h.rel);
        TCASE("fcntl.setlkw.other.slow", rs, fcntl(fd1, F_SETLKW, FL(F_WRLCK, 0, 10)), "waited=%d",
              LWAITED(200));
        later_join(l);
        holder_done(h);
        CHECK(fcntl(fd1, F_SETLK, FL(F_UNLCK, 0, 0)) == 0);
        h = hold_in_child(path, 0);
        l = later(200, write_byte, &h.rel);
        TCASE("fcntl64.setlkw.other.slow", rs, fcntl64(fd1, F_SETLKW, FL(F_RDLCK, 0, 10)),
              "waited=%d", LWAITED(200));
        later_join(l);
        holder_done(h);
        CHECK(fcntl(fd1, F_SETLK, FL(F_UNLCK, 0, 0)) == 0);
    }

    /* EDEADLK: we hold [0,1) and the child, holding [1,2), waits for [0,1) */
    {
        CHECK(fcntl(fd1, F_SETLK, FL(F_WRLCK, 0, 1)) == 0);
        int ready[2];
        CHECK(pipe(ready) == 0);
        fflush(stdout);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            int fd = open(path, O_RDWR);
            struct flock a = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1};
            struct flock b = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
            if (fd < 0 || fcntl(fd, F_SETLK, &a) != 0 || write(ready[1], "k", 1) != 1)
                _exit(10);
            if (fcntl(fd, F_SETLKW, &b) != 0)
                _exit(11);
            _exit(0);
        }
        char c;
        CHECK(read(ready[0], &c, 1) == 1);
        close(ready[0]);
        close(ready[1]);
        msleep(150); /* the child is now blocked in F_SETLKW */
        CASE("fcntl.setlkw.edeadlk", rs, fcntl(fd1, F_SETLKW, FL(F_WRLCK, 1, 1)), NULL);
        CHECK(fcntl(fd1, F_SETLK, FL(F_UNLCK, 0, 0)) == 0);
        int st;
        CHECK(waitpid(pid, &st, 0) == pid);
        report("fcntl.setlkw.edeadlk.child", "-", EMAGIC, "exit=%d",
               WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }

    /* commands that are not locks */
    {
        int fd = open(path, O_RDWR | O_APPEND);
        CHECK(fd >= 0);
        CASE("fcntl.getfl", rs, fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK), NULL);
        CASE("fcntl64.getfl", rs, fcntl64(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK), NULL);
        CASE("fcntl.setfl", rs, fcntl(fd, F_SETFL, O_NONBLOCK), "getfl=%#x",
             fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
        CASE("fcntl.getfd", rs, fcntl(fd, F_GETFD), NULL);
        CASE("fcntl.setfd", rs, fcntl(fd, F_SETFD, FD_CLOEXEC), "getfd=%d", fcntl(fd, F_GETFD));
        CASE("fcntl64.getfd", rs, fcntl64(fd, F_GETFD), NULL);
        int d;
        errno = EMAGIC;
        d = fcntl(fd, F_DUPFD, 100);
        report("fcntl.dupfd", rfd(d), errno, "ge100=%d cloexec=%d", d >= 100, fcntl(d, F_GETFD));
        close(d);
        int low = lowest_free();
        errno = EMAGIC;
        d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        report("fcntl.dupfd_cloexec", rfd(d), errno, "cloexec=%d lowest=%d", fcntl(d, F_GETFD),
               d == low);
        close(d);
        errno = EMAGIC;
        d = fcntl64(fd, F_DUPFD, 200);
        report("fcntl64.dupfd", rfd(d), errno, "ge200=%d", d >= 200);
        close(d);
        CASE("fcntl.dupfd.einval", rs, fcntl(fd, F_DUPFD, -1), NULL);
        CASE("fcntl.dupfd.ebadf", rs, fcntl(bad, F_DUPFD, 0), NULL);
        CASE("fcntl.getfl.ebadf", rs, fcntl(bad, F_GETFL), NULL);
        CASE("fcntl64.getfl.ebadf", rs, fcntl64(bad, F_GETFL), NULL);
        CASE("fcntl.einval.cmd", rs, fcntl(fd, 9999), NULL);
        CASE("fcntl64.einval.cmd", rs, fcntl64(fd, 9999, 0), NULL);
        int p[2];
        CHECK(pipe(p) == 0);
        CASE("fcntl.setpipe_sz", rs, fcntl(p[0], F_SETPIPE_SZ, 8192), NULL);
        CASE("fcntl.getpipe_sz", rs, fcntl(p[0], F_GETPIPE_SZ), NULL);
        close(p[0]);
        close(p[1]);
        close(fd);
    }
#undef FL
#undef FLOUT
#undef FLARGS
    close(fd1);
    close(fd2);
}

static void sec_lockf(void)
{
    section = "lockf";
    int bad = closed_fd();
    const char *path = tpath("lock.dat");
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    struct later *l;

    CASE("lockf.lock", rs, lockf(fd, F_LOCK, 0), NULL);
    CASE("lockf.test.own", rs, lockf(fd, F_TEST, 0), NULL);
    CASE("lockf.tlock.own", rs, lockf(fd, F_TLOCK, 5), NULL);
    CASE("lockf.ulock", rs, lockf(fd, F_ULOCK, 0), NULL);
    CASE("lockf64.lock", rs, lockf64(fd, F_LOCK, 0), NULL);
    CASE("lockf64.test.own", rs, lockf64(fd, F_TEST, 0), NULL);
    CASE("lockf64.ulock", rs, lockf64(fd, F_ULOCK, 0), NULL);
    CASE("lockf.ebadf", rs, lockf(bad, F_LOCK, 0), NULL);
    CASE("lockf64.ebadf", rs, lockf64(bad, F_TLOCK, 0), NULL);
    CASE("lockf.einval.cmd", rs, lockf(fd, 42, 0), NULL);
    CASE("lockf64.einval.cmd", rs, lockf64(fd, 42, 0), NULL);
    {
        int ro = open(path, O_RDONLY);
        CHECK(ro >= 0);
        CASE("lockf.ebadf_rdonly", rs, lockf(ro, F_LOCK, 0), NULL);
        CASE("lockf.test.rdonly", rs, lockf(ro, F_TEST, 0), NULL);
        close(ro);
    }

    struct holder h = hold_in_child(path, 1);
    CASE("lockf.test.other", rs, lockf(fd, F_TEST, 0), NULL);
    CASE("lockf64.test.other", rs, lockf64(fd, F_TEST, 0), NULL);
    CASE("lockf.tlock.other", rs, lockf(fd, F_TLOCK, 0), "eagain_or_eacces=%d",
         e == EAGAIN || e == EACCES);
    CASE("lockf64.tlock.other", rs, lockf64(fd, F_TLOCK, 0), NULL);
    n_usr1 = 0;
    l = later(200, kick_main, NULL);
    TCASE("lockf.lock.eintr_own_signal", rs, lockf(fd, F_LOCK, 0), "handled=%d waited=%d",
          (int)n_usr1, LWAITED(200));
    later_join(l);
    l = later(200, write_byte, &h.rel);
    TCASE("lockf.lock.other.slow", rs, lockf(fd, F_LOCK, 0), "waited=%d", LWAITED(200));
    later_join(l);
    holder_done(h);
    CASE("lockf.ulock2", rs, lockf(fd, F_ULOCK, 0), NULL);
    h = hold_in_child(path, 1);
    l = later(200, write_byte, &h.rel);
    TCASE("lockf64.lock.other.slow", rs, lockf64(fd, F_LOCK, 0), "waited=%d", LWAITED(200));
    later_join(l);
    holder_done(h);
    CASE("lockf64.ulock2", rs, lockf64(fd, F_ULOCK, 0), NULL);
    close(fd);
    unlink(path);
}

/* ================================================================== sockets */

static void send5(void *p)
{
    CHECK(send(*(int *)p, "later", 5, 0) == 5);
}
static void recv_all(void *p)
{
    static char sink[1 << 20];
    CHECK(recv(*(int *)p, sink, sizeof sink, MSG_DONTWAIT) > 0);
}

static struct sockaddr_un unaddr(const char *path)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    return a;
}
static const char *sun_path_for;
static void connect_later(void *p)
{
    int *out = p;
    struct sockaddr_un a = unaddr(sun_path_for);
    *out = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(*out >= 0 && connect(*out, (struct sockaddr *)&a, sizeof a) == 0);
}

static void accept_close(void *p)
{
    int fd = accept(*(int *)p, NULL, NULL);
    CHECK(fd >= 0);
    close(fd);
}

static int same_file(int a, int b)
{
    struct stat x, y;
    return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

static void sec_sockets(void)
{
    section = "sockets";
    int bad = closed_fd();
    int sv[2], dg[2], p[2];
    char buf[128];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0);
    CHECK(pipe(p) == 0);
    struct later *l;
#define CLR memset(buf, 0, sizeof buf)

    /* send / recv / __recv_chk */
    CASE("send.stream", rs, send(sv[0], "ping", 4, 0), NULL);
    CLR;
    CASE("recv.stream", rs, recv(sv[1], buf, sizeof buf, 0), "data=%s", buf);
    CASE("send.zero", rs, send(sv[0], "", 0, 0), NULL);
    CHECK(send(sv[0], "peekaboo", 8, 0) == 8);
    CLR;
    CASE("recv.peek", rs, recv(sv[1], buf, 4, MSG_PEEK), "data=%s", buf);
    CLR;
    CASE("__recv_chk.stream", rs, __recv_chk(sv[1], buf, 8, sizeof buf, 0), "data=%s", buf);
    CASE("recv.dontwait.eagain", rs, recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), NULL);
    CASE("__recv_chk.dontwait.eagain", rs, __recv_chk(sv[1], buf, 8, sizeof buf, MSG_DONTWAIT),
         NULL);
    CASE("recv.ebadf", rs, recv(bad, buf, 1, 0), NULL);
    CASE("send.ebadf", rs, send(bad, "x", 1, 0), NULL);
    CASE("__recv_chk.ebadf", rs, __recv_chk(bad, buf, 1, sizeof buf, 0), NULL);
    CASE("recv.enotsock", rs, recv(p[0], buf, 1, 0), NULL);
    CASE("send.enotsock", rs, send(p[1], "x", 1, 0), NULL);
    CASE("__recv_chk.enotsock", rs, __recv_chk(p[0], buf, 1, sizeof buf, 0), NULL);
    {
        struct sockaddr_un other = unaddr(tpath("other.sock"));
        CASE("sendto.stream.eisconn", rs,
             sendto(sv[0], "x", 1, 0, (struct sockaddr *)&other, sizeof other), NULL);
    }

    /* sendto / recvfrom / __recvfrom_chk */
    {
        struct sockaddr_un from;
        socklen_t flen = sizeof from;
        CASE("sendto.stream.noaddr", rs, sendto(sv[0], "to", 2, 0, NULL, 0), NULL);
        CLR;
        CASE("recvfrom.stream", rs,
             recvfrom(sv[1], buf, sizeof buf, 0, (struct sockaddr *)&from, &flen),
             "data=%s addrlen=%d", buf, (int)flen);
        CASE("sendto.dgram", rs, sendto(dg[0], "dgram", 5, 0, NULL, 0), NULL);
        CLR;
        flen = sizeof from;
        CASE("recvfrom.dgram", rs,
             recvfrom(dg[1], buf, sizeof buf, 0, (struct sockaddr *)&from, &flen),
             "data=%s addrlen=%d", buf, (int)flen);
        CHECK(sendto(dg[0], "truncated!", 10, 0, NULL, 0) == 10);
        CLR;
        CASE("recvfrom.dgram.trunc", rs, recvfrom(dg[1], buf, 4, MSG_TRUNC, NULL, NULL), "data=%s",
             buf);
        CHECK(sendto(dg[0], "chk", 3, 0, NULL, 0) == 3);
        CLR;
        flen = sizeof from;
        CASE("__recvfrom_chk.dgram", rs,
             __recvfrom_chk(dg[1], buf, sizeof buf, sizeof buf, 0, (struct sockaddr *)&from, &flen),
             "data=%s addrlen=%d", buf, (int)flen);
        CASE("recvfrom.dontwait.eagain", rs, recvfrom(dg[1], buf, 1, MSG_DONTWAIT, NULL, NULL),
             NULL);
        CASE("__recvfrom_chk.dontwait.eagain", rs,
             __recvfrom_chk(dg[1], buf, 1, sizeof buf, MSG_DONTWAIT, NULL, NULL), NULL);
        CASE("recvfrom.ebadf", rs, recvfrom(bad, buf, 1, 0, NULL, NULL), NULL);
        CASE("sendto.ebadf", rs, sendto(bad, "x", 1, 0, NULL, 0), NULL);
        CASE("recvfrom.enotsock", rs, recvfrom(p[0], buf, 1, 0, NULL, NULL), NULL);
        CASE("__recvfrom_chk.enotsock", rs, __recvfrom_chk(p[0], buf, 1, sizeof buf, 0, NULL, NULL),
             NULL);
        CASE("sendto.enotsock", rs, sendto(p[1], "x", 1, 0, NULL, 0), NULL);
        struct sockaddr_un nx = unaddr(tpath("nosuchsock"));
        int u = socket(AF_UNIX, SOCK_DGRAM, 0);
        CHECK(u >= 0);
        CASE("sendto.dgram.enoent", rs, sendto(u, "x", 1, 0, (struct sockaddr *)&nx, sizeof nx),
             NULL);
        CASE("sendto.dgram.enotconn", rs, sendto(u, "x", 1, 0, NULL, 0), NULL);
        close(u);
    }

    /* sendmsg / recvmsg, with an fd passed as SCM_RIGHTS */
    {
        char a[8] = {0}, b[8] = {0};
        struct iovec wv[2] = {{"head", 4}, {"tail", 4}};
        struct iovec rv[2] = {{a, 3}, {b, 7}};
        union {
            struct cmsghdr h;
            char c[CMSG_SPACE(sizeof(int))];
        } cw, cr;
        memset(&cw, 0, sizeof cw);
        memset(&cr, 0, sizeof cr);
        struct msghdr wm = {
            .msg_iov = wv, .msg_iovlen = 2, .msg_control = cw.c, .msg_controllen = sizeof cw.c};
        struct cmsghdr *c = CMSG_FIRSTHDR(&wm);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &p[0], sizeof(int));
        CASE("sendmsg.scm_rights", rs, sendmsg(sv[0], &wm, 0), NULL);
        struct msghdr rm = {
            .msg_iov = rv, .msg_iovlen = 2, .msg_control = cr.c, .msg_controllen = sizeof cr.c};
        errno = EMAGIC;
        long r = recvmsg(sv[1], &rm, 0);
        int e = errno, got = -1;
        struct cmsghdr *rc = CMSG_FIRSTHDR(&rm);
        if (rc && rc->cmsg_type == SCM_RIGHTS)
            memcpy(&got, CMSG_DATA(rc), sizeof(int));
        report("recvmsg.scm_rights", rs(r), e, "a=%s b=%s flags=%#x fd=%s same=%d", a, b,
               rm.msg_flags, rfd(got), got >= 0 && same_file(got, p[0]));
        if (got >= 0)
            close(got);
        CASE("recvmsg.dontwait.eagain", rs, recvmsg(sv[1], &rm, MSG_DONTWAIT), NULL);
        CASE("sendmsg.ebadf", rs, sendmsg(bad, &wm, 0), NULL);
        CASE("recvmsg.ebadf", rs, recvmsg(bad, &rm, 0), NULL);
        CASE("sendmsg.enotsock", rs, sendmsg(p[1], &wm, 0), NULL);
        CASE("recvmsg.enotsock", rs, recvmsg(p[0], &rm, 0), NULL);
        wm.msg_iovlen = 0;
        wm.msg_control = NULL;
        wm.msg_controllen = 0;
        CASE("sendmsg.dgram.empty", rs, sendmsg(dg[0], &wm, 0), NULL);
        rm.msg_controllen = 0;
        rm.msg_control = NULL;
        CASE("recvmsg.dgram.empty", rs, recvmsg(dg[1], &rm, 0), NULL);
        struct msghdr badm = {.msg_iov = wv, .msg_iovlen = (size_t)-1};
        CASE("sendmsg.emsgsize", rs, sendmsg(sv[0], &badm, 0), NULL);
    }

    /* sendmmsg / recvmmsg on a datagram pair */
    {
        struct mmsghdr wm[3], rm[4];
        struct iovec wv[3] = {{"one", 3}, {"three", 5}, {"fivefive", 8}};
        char rb[4][16];
        struct iovec rv[4];
        memset(wm, 0, sizeof wm);
        memset(rm, 0, sizeof rm);
        memset(rb, 0, sizeof rb);
        for (int i = 0; i < 3; i++) {
            wm[i].msg_hdr.msg_iov = &wv[i];
            wm[i].msg_hdr.msg_iovlen = 1;
        }
        for (int i = 0; i < 4; i++) {
            rv[i] = (struct iovec){rb[i], sizeof rb[i]};
            rm[i].msg_hdr.msg_iov = &rv[i];
            rm[i].msg_hdr.msg_iovlen = 1;
        }
        CASE("sendmmsg.dgram", rs, sendmmsg(dg[0], wm, 3, 0), "len=%u,%u,%u", wm[0].msg_len,
             wm[1].msg_len, wm[2].msg_len);
        CASE("recvmmsg.dgram.dontwait", rs, recvmmsg(dg[1], rm, 4, MSG_DONTWAIT, NULL),
             "len=%u,%u,%u data=%s,%s,%s", rm[0].msg_len, rm[1].msg_len, rm[2].msg_len, rb[0],
             rb[1], rb[2]);
        CASE("recvmmsg.dontwait.eagain", rs, recvmmsg(dg[1], rm, 4, MSG_DONTWAIT, NULL), NULL);
        CHECK(sendmmsg(dg[0], wm, 2, 0) == 2);
        CASE("recvmmsg.waitforone", rs, recvmmsg(dg[1], rm, 4, MSG_WAITFORONE, NULL), "len=%u,%u",
             rm[0].msg_len, rm[1].msg_len);
        CASE("sendmmsg.ebadf", rs, sendmmsg(bad, wm, 3, 0), NULL);
        CASE("recvmmsg.ebadf", rs, recvmmsg(bad, rm, 4, 0, NULL), NULL);
        CASE("sendmmsg.enotsock", rs, sendmmsg(p[1], wm, 3, 0), NULL);
        CASE("recvmmsg.enotsock", rs, recvmmsg(p[0], rm, 4, 0, NULL), NULL);
        CASE("sendmmsg.zero", rs, sendmmsg(dg[0], wm, 0, 0), NULL);
        struct timespec bt = {.tv_sec = 0, .tv_nsec = 2000000000L};
        CASE("recvmmsg.einval.timeout", rs, recvmmsg(dg[1], rm, 4, 0, &bt), NULL);
        /* slow: the first message arrives after 200 ms */
        l = later(200, send5, &dg[0]);
        TCASE("recvmmsg.slow", rs, recvmmsg(dg[1], rm, 4, MSG_WAITFORONE, NULL), "len=%u waited=%d",
              rm[0].msg_len, LWAITED(200));
        later_join(l);
    }

    /* slow receives */
    CLR;
    l = later(200, send5, &sv[0]);
    TCASE("recv.slow", rs, recv(sv[1], buf, sizeof buf, 0), "data=%s waited=%d", buf, LWAITED(200));
    later_join(l);
    CLR;
    l = later(200, send5, &sv[0]);
    TCASE("__recv_chk.slow", rs, __recv_chk(sv[1], buf, 10, sizeof buf, 0), "data=%s waited=%d",
          buf, LWAITED(200));
    later_join(l);
    CLR;
    l = later(200, send5, &sv[0]);
    TCASE("recvfrom.slow", rs, recvfrom(sv[1], buf, sizeof buf, 0, NULL, NULL), "data=%s waited=%d",
          buf, LWAITED(200));
    later_join(l);
    CLR;
    l = later(200, send5, &dg[0]);
    TCASE("__recvfrom_chk.slow", rs, __recvfrom_chk(dg[1], buf, 10, sizeof buf, 0, NULL, NULL),
          "data=%s waited=%d", buf, LWAITED(200));
    later_join(l);
    {
        CLR;
        struct iovec v = {buf, sizeof buf};
        struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
        l = later(200, send5, &sv[0]);
        TCASE("recvmsg.slow", rs, recvmsg(sv[1], &m, 0), "data=%s waited=%d", buf, LWAITED(200));
        later_join(l);
    }
    EINTR_CASE("recv.eintr_own_signal", rs, recv(sv[1], buf, sizeof buf, 0), send5, &sv[0]);
    EINTR_CASE(
        "recvmsg.eintr_own_signal", rs,
        recvmsg(sv[1], (&(struct msghdr){.msg_iov = &(struct iovec){buf, 8}, .msg_iovlen = 1}), 0),
        send5, &sv[0]);
    EINTR_CASE("__recv_chk.eintr_own_signal", rs, __recv_chk(sv[1], buf, 8, sizeof buf, 0), send5,
               &sv[0]);
    EINTR_CASE("recvfrom.eintr_own_signal", rs, recvfrom(sv[1], buf, 8, 0, NULL, NULL), send5,
               &sv[0]);
    EINTR_CASE("__recvfrom_chk.eintr_own_signal", rs,
               __recvfrom_chk(sv[1], buf, 8, sizeof buf, 0, NULL, NULL), send5, &sv[0]);
    {
        struct mmsghdr mm = {.msg_hdr = {.msg_iov = &(struct iovec){buf, 8}, .msg_iovlen = 1}};
        EINTR_CASE("recvmmsg.eintr_own_signal", rs, recvmmsg(sv[1], &mm, 1, 0, NULL), send5,
                   &sv[0]);
    }
    while (recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) > 0)
        ; /* what an unblock sent, if any */
    /* SO_RCVTIMEO: EAGAIN after the timeout (the kernel returns EINTR on any signal here) */
    {
        struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
        CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
        TCASE("recv.rcvtimeo", rs, recv(sv[1], buf, sizeof buf, 0), "waited=%d", WAITED(200));
        TCASE("recvmsg.rcvtimeo", rs,
              recvmsg(sv[1], &(struct msghdr){.msg_iov = &(struct iovec){buf, 8}, .msg_iovlen = 1},
                      0),
              "waited=%d", WAITED(200));
        tv.tv_usec = 0;
        CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    }
    /* slow send: the socket buffer is full until the peer drains it */
    {
        int one = 4096;
        CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof one) == 0);
        static char big[4096];
        while (send(sv[0], big, sizeof big, MSG_DONTWAIT) > 0)
            ;
        CASE("send.dontwait.full.eagain", rs, send(sv[0], big, sizeof big, MSG_DONTWAIT), NULL);
        l = later(200, recv_all, &sv[1]);
        TCASE("send.full.slow", rs, send(sv[0], "s", 1, 0), "waited=%d", LWAITED(200));
        later_join(l);
        /* interrupted by our own handler while the buffer is full */
#define REFILL                                                                                     \
    do {                                                                                           \
        while (recv(sv[1], big, sizeof big, MSG_DONTWAIT) > 0)                                     \
            ;                                                                                      \
        while (send(sv[0], big, sizeof big, MSG_DONTWAIT) > 0)                                     \
            ;                                                                                      \
    } while (0)
        REFILL;
        EINTR_CASE("send.full.eintr_own_signal", rs, send(sv[0], "s", 1, 0), recv_all, &sv[1]);
        REFILL;
        EINTR_CASE("sendto.full.eintr_own_signal", rs, sendto(sv[0], "s", 1, 0, NULL, 0), recv_all,
                   &sv[1]);
        REFILL;
        EINTR_CASE("sendmsg.full.eintr_own_signal", rs,
                   sendmsg(sv[0],
                           (&(struct msghdr){.msg_iov = &(struct iovec){"s", 1}, .msg_iovlen = 1}),
                           0),
                   recv_all, &sv[1]);
        REFILL;
        {
            struct mmsghdr mm = {.msg_hdr = {.msg_iov = &(struct iovec){"s", 1}, .msg_iovlen = 1}};
            EINTR_CASE("sendmmsg.full.eintr_own_signal", rs, sendmmsg(sv[0], &mm, 1, 0), recv_all,
                       &sv[1]);
        }
#undef REFILL
        while (recv(sv[1], big, sizeof big, MSG_DONTWAIT) > 0)
            ;
    }

    /* peer closed */
    close(sv[0]);
    CASE("recv.eof", rs, recv(sv[1], buf, sizeof buf, 0), NULL);
    CASE("send.epipe", rs, send(sv[1], "x", 1, MSG_NOSIGNAL), NULL);
    CASE("sendmsg.epipe", rs,
         sendmsg(sv[1], &(struct msghdr){.msg_iov = &(struct iovec){"x", 1}, .msg_iovlen = 1},
                 MSG_NOSIGNAL),
         NULL);
    close(sv[1]);
    close(dg[0]);
    close(dg[1]);

    /* AF_UNIX connect / accept / accept4 */
    {
        const char *path = tpath("listen.sock");
        struct sockaddr_un a = unaddr(path);
        int ls = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(c >= 0);
        CASE("connect.econnrefused.not_listening", rs, connect(c, (struct sockaddr *)&a, sizeof a),
             NULL);
        close(c);
        CHECK(listen(ls, 8) == 0);
        c = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(c >= 0);
        CASE("connect.ok", rs, connect(c, (struct sockaddr *)&a, sizeof a), NULL);
        CASE("connect.eisconn", rs, connect(c, (struct sockaddr *)&a, sizeof a), NULL);
        struct sockaddr_un peer;
        socklen_t plen = sizeof peer;
        int fd;
        errno = EMAGIC;
        fd = accept(ls, (struct sockaddr *)&peer, &plen);
        report("accept.ok", rfd(fd), errno, "addrlen=%d family=%d cloexec=%d", (int)plen,
               peer.sun_family, fcntl(fd, F_GETFD));
        CASE("send.accepted", rs, send(fd, "hi", 2, 0), "recv=%ld",
             (long)recv(c, buf, sizeof buf, 0));
        close(fd);
        close(c);
        c = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, sizeof a) == 0);
        errno = EMAGIC;
        fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        report("accept4.ok", rfd(fd), errno, "cloexec=%d nonblock=%d", fcntl(fd, F_GETFD),
               (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
        close(fd);
        close(c);
        CHECK(fcntl(ls, F_SETFL, O_NONBLOCK) == 0);
        CASE("accept.eagain", rfd, accept(ls, NULL, NULL), NULL);
        CASE("accept4.eagain", rfd, accept4(ls, NULL, NULL, SOCK_CLOEXEC), NULL);
        CHECK(fcntl(ls, F_SETFL, 0) == 0);
        CASE("accept4.einval.flags", rfd, accept4(ls, NULL, NULL, 0x7fff0000), NULL);
        CASE("accept.ebadf", rfd, accept(bad, NULL, NULL), NULL);
        CASE("accept4.ebadf", rfd, accept4(bad, NULL, NULL, 0), NULL);
        CASE("accept.enotsock", rfd, accept(p[0], NULL, NULL), NULL);
        {
            int nl = socket(AF_UNIX, SOCK_STREAM, 0);
            CHECK(nl >= 0);
            CASE("accept.einval.not_listening", rfd, accept(nl, NULL, NULL), NULL);
            close(nl);
            int d = socket(AF_UNIX, SOCK_DGRAM, 0);
            CHECK(d >= 0);
            CASE("accept.eopnotsupp.dgram", rfd, accept(d, NULL, NULL), NULL);
            close(d);
        }
        /* slow accepts */
        int cl = -1;
        sun_path_for = path;
        l = later(200, connect_later, &cl);
        TCASE("accept.slow", rfd, accept(ls, NULL, NULL), "waited=%d", LWAITED(200));
        later_join(l);
        close(cl);
        if (last_r >= 0)
            close((int)last_r);
        l = later(200, connect_later, &cl);
        TCASE("accept4.slow", rfd, accept4(ls, NULL, NULL, SOCK_CLOEXEC), "waited=%d",
              LWAITED(200));
        later_join(l);
        close(cl);
        if (last_r >= 0)
            close((int)last_r);
        EINTR_CASE("accept.eintr_own_signal", rfd, accept(ls, NULL, NULL), connect_later, &cl);
        if (last_r >= 0) {
            close((int)last_r);
            close(cl);
        }
        EINTR_CASE("accept4.eintr_own_signal", rfd, accept4(ls, NULL, NULL, SOCK_CLOEXEC),
                   connect_later, &cl);
        if (last_r >= 0) {
            close((int)last_r);
            close(cl);
        }
        /* slow connect: the listen queue is full until someone accepts */
        {
            CHECK(listen(ls, 0) == 0);
            int c1 = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
            CHECK(c1 >= 0 && c2 >= 0);
            CHECK(connect(c1, (struct sockaddr *)&a, sizeof a) == 0);
            int c3 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
            CHECK(c3 >= 0);
            CASE("connect.queue_full.eagain", rs, connect(c3, (struct sockaddr *)&a, sizeof a),
                 NULL);
            close(c3);
            l = later(200, accept_close, &ls);
            TCASE("connect.queue_full.slow", rs, connect(c2, (struct sockaddr *)&a, sizeof a),
                  "waited=%d", LWAITED(200));
            later_join(l);
            accept_close(&ls);
            close(c1);
            close(c2);
        }
        close(ls);
        c = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(c >= 0);
        CASE("connect.econnrefused.closed", rs, connect(c, (struct sockaddr *)&a, sizeof a), NULL);
        struct sockaddr_un nx = unaddr(tpath("missing.sock"));
        CASE("connect.enoent", rs, connect(c, (struct sockaddr *)&nx, sizeof nx), NULL);
        CASE("connect.ebadf", rs, connect(bad, (struct sockaddr *)&nx, sizeof nx), NULL);
        CASE("connect.enotsock", rs, connect(p[0], (struct sockaddr *)&nx, sizeof nx), NULL);
        CASE("connect.einval.len", rs, connect(c, (struct sockaddr *)&nx, 1), NULL);
        struct sockaddr_un notsock = unaddr(tpath("plain"));
        close(mkfile("plain", NULL));
        CASE("connect.econnrefused.plain_file", rs,
             connect(c, (struct sockaddr *)&notsock, sizeof notsock), NULL);
        close(c);
        unlink(path);
        unlink(tpath("plain"));
    }
#undef CLR
    close(p[0]);
    close(p[1]);
}

/* ================================================================== mutexes, rwlocks, spin */

/* A thread that takes a lock, says so, and keeps it until released. */
enum hold_kind { H_MUTEX, H_RDLOCK, H_WRLOCK, H_SPIN, H_MTX, H_MUTEX_EXIT, H_MUTEX_DIE };
struct hold {
    pthread_t t;
    enum hold_kind kind;
    void *obj;
    sem_t locked, release;
};
static void *hold_main(void *p)
{
    struct hold *h = p;
    switch (h->kind) {
    case H_MUTEX:
    case H_MUTEX_EXIT:
    case H_MUTEX_DIE:
        CHECK(pthread_mutex_lock(h->obj) == 0);
        break;
    case H_RDLOCK:
        CHECK(pthread_rwlock_rdlock(h->obj) == 0);
        break;
    case H_WRLOCK:
        CHECK(pthread_rwlock_wrlock(h->obj) == 0);
        break;
    case H_SPIN:
        CHECK(pthread_spin_lock(h->obj) == 0);
        break;
    case H_MTX:
        CHECK(mtx_lock(h->obj) == thrd_success);
        break;
    }
    CHECK(sem_post(&h->locked) == 0);
    if (h->kind == H_MUTEX_EXIT)
        return NULL; /* dies holding it */
    while (sem_wait(&h->release) != 0)
        ;
    switch (h->kind) {
    case H_MUTEX:
        CHECK(pthread_mutex_unlock(h->obj) == 0);
        break;
    case H_RDLOCK:
    case H_WRLOCK:
        CHECK(pthread_rwlock_unlock(h->obj) == 0);
        break;
    case H_SPIN:
        CHECK(pthread_spin_unlock(h->obj) == 0);
        break;
    case H_MTX:
        CHECK(mtx_unlock(h->obj) == thrd_success);
        break;
    case H_MUTEX_EXIT:
    case H_MUTEX_DIE:
        break; /* exits holding it */
    }
    return NULL;
}
static struct hold *hold(enum hold_kind kind, void *obj)
{
    struct hold *h = calloc(1, sizeof *h);
    CHECK(h != NULL);
    h->kind = kind;
    h->obj = obj;
    CHECK(sem_init(&h->locked, 0, 0) == 0 && sem_init(&h->release, 0, 0) == 0);
    CHECK(pthread_create(&h->t, NULL, hold_main, h) == 0);
    while (sem_wait(&h->locked) != 0)
        ;
    return h;
}
static void release_p(void *p)
{
    CHECK(sem_post(&((struct hold *)p)->release) == 0);
}
/* release (if not released yet by a `later`) and join */
static void unhold(struct hold *h, int release)
{
    if (release)
        release_p(h);
    CHECK(pthread_join(h->t, NULL) == 0);
    sem_destroy(&h->locked);
    sem_destroy(&h->release);
    free(h);
}

static void mutex_init_type(pthread_mutex_t *m, int type, int robust, int proto)
{
    pthread_mutexattr_t a;
    CHECK(pthread_mutexattr_init(&a) == 0);
    CHECK(pthread_mutexattr_settype(&a, type) == 0);
    if (robust)
        CHECK(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0);
    if (proto)
        CHECK(pthread_mutexattr_setprotocol(&a, proto) == 0);
    CHECK(pthread_mutex_init(m, &a) == 0);
    pthread_mutexattr_destroy(&a);
}

static struct timespec bad_ts = {.tv_sec = 0, .tv_nsec = 1000000000L};

static void sec_mutex(void)
{
    section = "mutex";
    struct timespec ts;
    struct hold *h;
    struct later *l;
    pthread_mutex_t m;

    /* default (normal) mutex */
    for (int pi = 0; pi < 2; pi++) {
        const char *nm[2] = {"", ".pi"};
        char name[96];
#define N(x) (snprintf(name, sizeof name, "pthread_mutex_%s%s", x, nm[pi]), name)
        mutex_init_type(&m, PTHREAD_MUTEX_NORMAL, 0, pi ? PTHREAD_PRIO_INHERIT : 0);
        CASE(N("lock"), rerr, pthread_mutex_lock(&m), NULL);
        CASE(N("unlock"), rerr, pthread_mutex_unlock(&m), NULL);
        ts = abs_in(CLOCK_REALTIME, 1000);
        CASE(N("timedlock.free"), rerr, pthread_mutex_timedlock(&m, &ts), NULL);
        pthread_mutex_unlock(&m);
        ts = abs_in(CLOCK_MONOTONIC, 1000);
        CASE(N("clocklock.free"), rerr, pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts), NULL);
        pthread_mutex_unlock(&m);
        ts = (struct timespec){0, 0};
        CASE(N("timedlock.free.past"), rerr, pthread_mutex_timedlock(&m, &ts), NULL);
        pthread_mutex_unlock(&m);
        h = hold(H_MUTEX, &m);
        CASE(N("trylock.held"), rerr, pthread_mutex_trylock(&m), NULL);
        ts = abs_in(CLOCK_REALTIME, 150);
        TCASE(N("timedlock.etimedout"), rerr, pthread_mutex_timedlock(&m, &ts), "waited=%d",
              WAITED(150));
        ts = abs_in(CLOCK_MONOTONIC, 150);
        TCASE(N("clocklock.monotonic.etimedout"), rerr,
              pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts), "waited=%d", WAITED(150));
        ts = abs_in(CLOCK_REALTIME, 150);
        TCASE(N("clocklock.realtime.etimedout"), rerr,
              pthread_mutex_clocklock(&m, CLOCK_REALTIME, &ts), "waited=%d", WAITED(150));
        ts = (struct timespec){0, 0};
        CASE(N("timedlock.past.etimedout"), rerr, pthread_mutex_timedlock(&m, &ts), NULL);
        ts = abs_in(CLOCK_MONOTONIC, 150);
        CASE(N("clocklock.einval.clock"), rerr,
             pthread_mutex_clocklock(&m, CLOCK_PROCESS_CPUTIME_ID, &ts), NULL);
        CASE(N("timedlock.einval.nsec"), rerr, pthread_mutex_timedlock(&m, &bad_ts), NULL);
        CASE(N("clocklock.einval.nsec"), rerr,
             pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &bad_ts), NULL);
        /* our own signal does not interrupt a mutex wait */
        n_usr1 = 0;
        struct kick_then kt = {release_p, h};
        l = later(150, kick_then_fn, &kt);
        TCASE(N("lock.slow.own_signal"), rerr, pthread_mutex_lock(&m), "handled=%d waited=%d",
              (int)n_usr1, LWAITED(250));
        later_join(l);
        unhold(h, 0);
        pthread_mutex_unlock(&m);
        h = hold(H_MUTEX, &m);
        l = later(200, release_p, h);
        ts = abs_in(CLOCK_REALTIME, 5000);
        TCASE(N("timedlock.slow"), rerr, pthread_mutex_timedlock(&m, &ts), "waited=%d",
              LWAITED(200));
        later_join(l);
        unhold(h, 0);
        pthread_mutex_unlock(&m);
        h = hold(H_MUTEX, &m);
        l = later(200, release_p, h);
        ts = abs_in(CLOCK_MONOTONIC, 5000);
        TCASE(N("clocklock.slow"), rerr, pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts),
              "waited=%d", LWAITED(200));
        later_join(l);
        unhold(h, 0);
        pthread_mutex_unlock(&m);
        pthread_mutex_destroy(&m);
#undef N
    }

    /* error-checking */
    mutex_init_type(&m, PTHREAD_MUTEX_ERRORCHECK, 0, 0);
    CASE("pthread_mutex_lock.errorcheck", rerr, pthread_mutex_lock(&m), NULL);
    CASE("pthread_mutex_lock.errorcheck.edeadlk", rerr, pthread_mutex_lock(&m), NULL);
    ts = abs_in(CLOCK_REALTIME, 150);
    CASE("pthread_mutex_timedlock.errorcheck.edeadlk", rerr, pthread_mutex_timedlock(&m, &ts),
         NULL);
    ts = abs_in(CLOCK_MONOTONIC, 150);
    CASE("pthread_mutex_clocklock.errorcheck.edeadlk", rerr,
         pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts), NULL);
    CASE("pthread_mutex_unlock.errorcheck", rerr, pthread_mutex_unlock(&m), NULL);
    CASE("pthread_mutex_unlock.errorcheck.eperm", rerr, pthread_mutex_unlock(&m), NULL);
    h = hold(H_MUTEX, &m);
    l = later(200, release_p, h);
    TCASE("pthread_mutex_lock.errorcheck.slow", rerr, pthread_mutex_lock(&m), "waited=%d",
          LWAITED(200));
    later_join(l);
    unhold(h, 0);
    pthread_mutex_unlock(&m);
    pthread_mutex_destroy(&m);

    /* recursive */
    mutex_init_type(&m, PTHREAD_MUTEX_RECURSIVE, 0, 0);
    CASE("pthread_mutex_lock.recursive.1", rerr, pthread_mutex_lock(&m), NULL);
    CASE("pthread_mutex_lock.recursive.2", rerr, pthread_mutex_lock(&m), NULL);
    ts = abs_in(CLOCK_REALTIME, 150);
    CASE("pthread_mutex_timedlock.recursive.3", rerr, pthread_mutex_timedlock(&m, &ts), NULL);
    ts = abs_in(CLOCK_MONOTONIC, 150);
    CASE("pthread_mutex_clocklock.recursive.4", rerr,
         pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts), NULL);
    {
        int n = 0;
        while (pthread_mutex_unlock(&m) == 0)
            n++;
        report("pthread_mutex_unlock.recursive.count", "-", EMAGIC, "unlocks=%d", n);
    }
    h = hold(H_MUTEX, &m);
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("pthread_mutex_timedlock.recursive.etimedout", rerr, pthread_mutex_timedlock(&m, &ts),
          "waited=%d", WAITED(150));
    unhold(h, 1);
    pthread_mutex_destroy(&m);

    /* robust: the owner dies holding it */
    for (int variant = 0; variant < 3; variant++) {
        const char *vn[3] = {"pthread_mutex_lock", "pthread_mutex_timedlock",
                             "pthread_mutex_clocklock"};
        char name[96];
        mutex_init_type(&m, PTHREAD_MUTEX_NORMAL, 1, 0);
        unhold(hold(H_MUTEX_EXIT, &m), 0);
        snprintf(name, sizeof name, "%s.robust.eownerdead", vn[variant]);
        ts = abs_in(variant == 2 ? CLOCK_MONOTONIC : CLOCK_REALTIME, 1000);
        CASE(name, rerr,
             variant == 0   ? pthread_mutex_lock(&m)
             : variant == 1 ? pthread_mutex_timedlock(&m, &ts)
                            : pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts),
             NULL);
        if (variant == 0) {
            CASE("pthread_mutex_consistent", rerr, pthread_mutex_consistent(&m), NULL);
            CASE("pthread_mutex_unlock.robust", rerr, pthread_mutex_unlock(&m), NULL);
            CASE("pthread_mutex_lock.robust.after_consistent", rerr, pthread_mutex_lock(&m), NULL);
            pthread_mutex_unlock(&m);
        } else if (variant == 1) {
            /* not made consistent: unusable from now on */
            pthread_mutex_unlock(&m);
            CASE("pthread_mutex_lock.robust.enotrecoverable", rerr, pthread_mutex_lock(&m), NULL);
        } else {
            pthread_mutex_consistent(&m);
            pthread_mutex_unlock(&m);
        }
        pthread_mutex_destroy(&m);
    }
    /* robust, the owner dies while we wait */
    mutex_init_type(&m, PTHREAD_MUTEX_NORMAL, 1, 0);
    h = hold(H_MUTEX_DIE, &m);
    l = later(200, release_p, h);
    TCASE("pthread_mutex_lock.robust.owner_dies.slow", rerr, pthread_mutex_lock(&m), "waited=%d",
          LWAITED(200));
    later_join(l);
    unhold(h, 0);
    pthread_mutex_consistent(&m);
    pthread_mutex_unlock(&m);
    h = hold(H_MUTEX_DIE, &m);
    l = later(200, release_p, h);
    ts = abs_in(CLOCK_REALTIME, 5000);
    TCASE("pthread_mutex_timedlock.robust.owner_dies.slow", rerr, pthread_mutex_timedlock(&m, &ts),
          "waited=%d", LWAITED(200));
    later_join(l);
    unhold(h, 0);
    pthread_mutex_consistent(&m);
    pthread_mutex_unlock(&m);
    pthread_mutex_destroy(&m);

    /* rwlock */
    pthread_rwlock_t rw;
    CHECK(pthread_rwlock_init(&rw, NULL) == 0);
    CASE("pthread_rwlock_rdlock", rerr, pthread_rwlock_rdlock(&rw), NULL);
    CASE("pthread_rwlock_rdlock.again", rerr, pthread_rwlock_rdlock(&rw), NULL);
    ts = abs_in(CLOCK_REALTIME, 150);
    CASE("pthread_rwlock_timedrdlock.shared", rerr, pthread_rwlock_timedrdlock(&rw, &ts), NULL);
    ts = abs_in(CLOCK_MONOTONIC, 150);
    CASE("pthread_rwlock_clockrdlock.shared", rerr,
         pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &ts), NULL);
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("pthread_rwlock_timedwrlock.own_readers.etimedout", rerr,
          pthread_rwlock_timedwrlock(&rw, &ts), "waited=%d", WAITED(150));
    for (int i = 0; i < 4; i++)
        CHECK(pthread_rwlock_unlock(&rw) == 0);
    CASE("pthread_rwlock_wrlock", rerr, pthread_rwlock_wrlock(&rw), NULL);
    CASE("pthread_rwlock_wrlock.edeadlk", rerr, pthread_rwlock_wrlock(&rw), NULL);
    CASE("pthread_rwlock_rdlock.edeadlk", rerr, pthread_rwlock_rdlock(&rw), NULL);
    ts = abs_in(CLOCK_REALTIME, 150);
    CASE("pthread_rwlock_timedwrlock.edeadlk", rerr, pthread_rwlock_timedwrlock(&rw, &ts), NULL);
    CASE("pthread_rwlock_timedrdlock.edeadlk", rerr, pthread_rwlock_timedrdlock(&rw, &ts), NULL);
    ts = abs_in(CLOCK_MONOTONIC, 150);
    CASE("pthread_rwlock_clockwrlock.edeadlk", rerr,
         pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &ts), NULL);
    CASE("pthread_rwlock_clockrdlock.edeadlk", rerr,
         pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &ts), NULL);
    CASE("pthread_rwlock_unlock", rerr, pthread_rwlock_unlock(&rw), NULL);
    /* held for writing by another thread */
    h = hold(H_WRLOCK, &rw);
    CASE("pthread_rwlock_tryrdlock.ebusy", rerr, pthread_rwlock_tryrdlock(&rw), NULL);
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("pthread_rwlock_timedrdlock.etimedout", rerr, pthread_rwlock_timedrdlock(&rw, &ts),
          "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("pthread_rwlock_timedwrlock.etimedout", rerr, pthread_rwlock_timedwrlock(&rw, &ts),
          "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_MONOTONIC, 150);
    TCASE("pthread_rwlock_clockrdlock.monotonic.etimedout", rerr,
          pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &ts), "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("pthread_rwlock_clockwrlock.realtime.etimedout", rerr,
          pthread_rwlock_clockwrlock(&rw, CLOCK_REALTIME, &ts), "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_MONOTONIC, 150);
    CASE("pthread_rwlock_clockrdlock.einval.clock", rerr,
         pthread_rwlock_clockrdlock(&rw, CLOCK_PROCESS_CPUTIME_ID, &ts), NULL);
    CASE("pthread_rwlock_clockwrlock.einval.clock", rerr,
         pthread_rwlock_clockwrlock(&rw, CLOCK_THREAD_CPUTIME_ID, &ts), NULL);
    CASE("pthread_rwlock_timedrdlock.einval.nsec", rerr, pthread_rwlock_timedrdlock(&rw, &bad_ts),
         NULL);
    CASE("pthread_rwlock_timedwrlock.einval.nsec", rerr, pthread_rwlock_timedwrlock(&rw, &bad_ts),
         NULL);
    l = later(200, release_p, h);
    TCASE("pthread_rwlock_rdlock.slow", rerr, pthread_rwlock_rdlock(&rw), "waited=%d",
          LWAITED(200));
    later_join(l);
    unhold(h, 0);
    pthread_rwlock_unlock(&rw);
    h = hold(H_WRLOCK, &rw);
    n_usr1 = 0;
    struct kick_then kt = {release_p, h};
    l = later(150, kick_then_fn, &kt);
    TCASE("pthread_rwlock_wrlock.slow.own_signal", rerr, pthread_rwlock_wrlock(&rw),
          "handled=%d waited=%d", (int)n_usr1, LWAITED(250));
    later_join(l);
    unhold(h, 0);
    pthread_rwlock_unlock(&rw);
    /* held for reading by another thread */
    h = hold(H_RDLOCK, &rw);
    CASE("pthread_rwlock_rdlock.shared_with_other", rerr, pthread_rwlock_rdlock(&rw), NULL);
    pthread_rwlock_unlock(&rw);
    l = later(200, release_p, h);
    ts = abs_in(CLOCK_REALTIME, 5000);
    TCASE("pthread_rwlock_timedwrlock.slow", rerr, pthread_rwlock_timedwrlock(&rw, &ts),
          "waited=%d", LWAITED(200));
    later_join(l);
    unhold(h, 0);
    pthread_rwlock_unlock(&rw);
    h = hold(H_RDLOCK, &rw);
    l = later(200, release_p, h);
    ts = abs_in(CLOCK_MONOTONIC, 5000);
    TCASE("pthread_rwlock_clockwrlock.slow", rerr,
          pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &ts), "waited=%d", LWAITED(200));
    later_join(l);
    unhold(h, 0);
    pthread_rwlock_unlock(&rw);
    h = hold(H_WRLOCK, &rw);
    l = later(200, release_p, h);
    ts = abs_in(CLOCK_MONOTONIC, 5000);
    TCASE("pthread_rwlock_clockrdlock.slow", rerr,
          pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &ts), "waited=%d", LWAITED(200));
    later_join(l);
    unhold(h, 0);
    pthread_rwlock_unlock(&rw);
    h = hold(H_WRLOCK, &rw);
    l = later(200, release_p, h);
    ts = abs_in(CLOCK_REALTIME, 5000);
    TCASE("pthread_rwlock_timedrdlock.slow", rerr, pthread_rwlock_timedrdlock(&rw, &ts),
          "waited=%d", LWAITED(200));
    later_join(l);
    unhold(h, 0);
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_destroy(&rw);

    /* spin */
    pthread_spinlock_t sp;
    CHECK(pthread_spin_init(&sp, PTHREAD_PROCESS_PRIVATE) == 0);
    CASE("pthread_spin_lock", rerr, pthread_spin_lock(&sp), NULL);
    CASE("pthread_spin_trylock.ebusy", rerr, pthread_spin_trylock(&sp), NULL);
    CASE("pthread_spin_unlock", rerr, pthread_spin_unlock(&sp), NULL);
    h = hold(H_SPIN, (void *)&sp);
    l = later(200, release_p, h);
    TCASE("pthread_spin_lock.slow", rerr, pthread_spin_lock(&sp), "waited=%d", LWAITED(200));
    later_join(l);
    unhold(h, 0);
    pthread_spin_unlock(&sp);
    pthread_spin_destroy(&sp);

    /* C11 mtx */
    mtx_t x;
    CASE("mtx_init.timed", rthrd, mtx_init(&x, mtx_timed), NULL);
    CASE("mtx_lock", rthrd, mtx_lock(&x), NULL);
    CASE("mtx_trylock.busy", rthrd, mtx_trylock(&x), NULL);
    CASE("mtx_unlock", rthrd, mtx_unlock(&x), NULL);
    ts = abs_in(CLOCK_REALTIME, 150);
    CASE("mtx_timedlock.free", rthrd, mtx_timedlock(&x, &ts), NULL);
    mtx_unlock(&x);
    h = hold(H_MTX, &x);
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("mtx_timedlock.timedout", rthrd, mtx_timedlock(&x, &ts), "waited=%d", WAITED(150));
    CASE("mtx_timedlock.error.nsec", rthrd, mtx_timedlock(&x, &bad_ts), NULL);
    l = later(200, release_p, h);
    TCASE("mtx_lock.slow", rthrd, mtx_lock(&x), "waited=%d", LWAITED(200));
    later_join(l);
    unhold(h, 0);
    mtx_unlock(&x);
    h = hold(H_MTX, &x);
    l = later(200, release_p, h);
    ts = abs_in(CLOCK_REALTIME, 5000);
    TCASE("mtx_timedlock.slow", rthrd, mtx_timedlock(&x, &ts), "waited=%d", LWAITED(200));
    later_join(l);
    unhold(h, 0);
    mtx_unlock(&x);
    mtx_destroy(&x);
    CASE("mtx_init.recursive", rthrd, mtx_init(&x, mtx_plain | mtx_recursive), NULL);
    CASE("mtx_lock.recursive.1", rthrd, mtx_lock(&x), NULL);
    CASE("mtx_lock.recursive.2", rthrd, mtx_lock(&x), NULL);
    mtx_unlock(&x);
    mtx_unlock(&x);
    mtx_destroy(&x);
}

/* ================================================================== condvars, semaphores, barriers
 */

static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int pred;
static void set_pred_signal(void *p)
{
    (void)p;
    pthread_mutex_lock(&cm);
    pred = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&cm);
}
static mtx_t c11m;
static cnd_t c11c;
static void set_pred_cnd(void *p)
{
    (void)p;
    mtx_lock(&c11m);
    pred = 1;
    cnd_signal(&c11c);
    mtx_unlock(&c11m);
}
/* the mutex is held again when the wait returns: unlocking it succeeds */
static int relocked(pthread_mutex_t *m)
{
    return pthread_mutex_unlock(m) == 0;
}

static int woken;
static void *broadcast_waiter(void *p)
{
    (void)p;
    pthread_mutex_lock(&cm);
    while (!pred)
        CHECK(pthread_cond_wait(&cv, &cm) == 0);
    woken++;
    pthread_mutex_unlock(&cm);
    return NULL;
}

static sem_t gsem;
static void post_p(void *p)
{
    CHECK(sem_post(p) == 0);
}

static pthread_barrier_t bar;
static void *barrier_thread(void *p)
{
    (void)p;
    return (void *)(intptr_t)pthread_barrier_wait(&bar);
}

static int barrier_serial_seen;
static void barrier_wait_p(void *p)
{
    (void)p;
    int r = pthread_barrier_wait(&bar);
    CHECK(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD);
    barrier_serial_seen = r == PTHREAD_BARRIER_SERIAL_THREAD;
}

static void sec_cond(void)
{
    section = "cond";
    struct timespec ts;
    struct later *l;
    pthread_mutex_t em;
    mutex_init_type(&em, PTHREAD_MUTEX_ERRORCHECK, 0, 0);

    /* pthread_cond_* */
    pthread_mutex_lock(&em);
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("pthread_cond_timedwait.etimedout", rerr, pthread_cond_timedwait(&cv, &em, &ts),
          "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_MONOTONIC, 150);
    TCASE("pthread_cond_clockwait.monotonic.etimedout", rerr,
          pthread_cond_clockwait(&cv, &em, CLOCK_MONOTONIC, &ts), "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("pthread_cond_clockwait.realtime.etimedout", rerr,
          pthread_cond_clockwait(&cv, &em, CLOCK_REALTIME, &ts), "waited=%d", WAITED(150));
    ts = (struct timespec){0, 0};
    CASE("pthread_cond_timedwait.past", rerr, pthread_cond_timedwait(&cv, &em, &ts), NULL);
    CASE("pthread_cond_timedwait.einval.nsec", rerr, pthread_cond_timedwait(&cv, &em, &bad_ts),
         NULL);
    ts = abs_in(CLOCK_MONOTONIC, 150);
    CASE("pthread_cond_clockwait.einval.clock", rerr,
         pthread_cond_clockwait(&cv, &em, CLOCK_PROCESS_CPUTIME_ID, &ts), NULL);
    CASE("pthread_cond_timedwait.relocked", rerr, pthread_mutex_unlock(&em), NULL);
    /* errorcheck mutex not held by us */
    ts = abs_in(CLOCK_REALTIME, 150);
    CASE("pthread_cond_timedwait.eperm", rerr, pthread_cond_timedwait(&cv, &em, &ts), NULL);
    CASE("pthread_cond_wait.eperm", rerr, pthread_cond_wait(&cv, &em), NULL);
    pthread_mutex_destroy(&em);

    pthread_mutex_lock(&cm);
    pred = 0;
    l = later(200, set_pred_signal, NULL);
    TCASE("pthread_cond_wait.signalled.slow", rerr, pthread_cond_wait(&cv, &cm),
          "pred=%d waited=%d", pred, LWAITED(200));
    while (!pred)
        pthread_cond_wait(&cv, &cm);
    CASE("pthread_cond_wait.relocked", rs, relocked(&cm), NULL);
    later_join(l);
    pthread_mutex_lock(&cm);
    pred = 0;
    l = later(200, set_pred_signal, NULL);
    ts = abs_in(CLOCK_REALTIME, 5000);
    TCASE("pthread_cond_timedwait.signalled.slow", rerr, pthread_cond_timedwait(&cv, &cm, &ts),
          "pred=%d waited=%d", pred, LWAITED(200));
    while (!pred)
        pthread_cond_wait(&cv, &cm);
    pthread_mutex_unlock(&cm);
    later_join(l);
    pthread_mutex_lock(&cm);
    pred = 0;
    l = later(200, set_pred_signal, NULL);
    ts = abs_in(CLOCK_MONOTONIC, 5000);
    TCASE("pthread_cond_clockwait.signalled.slow", rerr,
          pthread_cond_clockwait(&cv, &cm, CLOCK_MONOTONIC, &ts), "pred=%d waited=%d", pred,
          LWAITED(200));
    while (!pred)
        pthread_cond_wait(&cv, &cm);
    pthread_mutex_unlock(&cm);
    later_join(l);
    /* own signal: a condvar wait is not interrupted (it may wake spuriously, but returns 0) */
    pthread_mutex_lock(&cm);
    pred = 0;
    n_usr1 = 0;
    {
        struct kick_then kt = {set_pred_signal, NULL};
        l = later(150, kick_then_fn, &kt);
        long t0 = mark_ms;
        int r, calls = 0, bad = 0;
        while (!pred) {
            errno = EMAGIC;
            r = pthread_cond_wait(&cv, &cm);
            calls++;
            if (r != 0 || errno != EMAGIC)
                bad++;
        }
        long ms = now_ms() - t0;
        report("pthread_cond_wait.own_signal", "0", bad ? EINTR : EMAGIC,
               "bad_returns=%d handled=%d waited=%d", bad, (int)n_usr1, WAITED(250));
        (void)calls;
        pthread_mutex_unlock(&cm);
        later_join(l);
    }
    /* broadcast wakes every waiter */
    {
        pthread_t t[3];
        pred = 0;
        woken = 0;
        for (int i = 0; i < 3; i++)
            CHECK(pthread_create(&t[i], NULL, broadcast_waiter, NULL) == 0);
        msleep(200);
        pthread_mutex_lock(&cm);
        pred = 1;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&cm);
        for (int i = 0; i < 3; i++)
            CHECK(pthread_join(t[i], NULL) == 0);
        report("pthread_cond_wait.broadcast", "-", EMAGIC, "woken=%d", woken);
    }

    /* C11 cnd */
    CHECK(mtx_init(&c11m, mtx_plain) == thrd_success && cnd_init(&c11c) == thrd_success);
    mtx_lock(&c11m);
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("cnd_timedwait.timedout", rthrd, cnd_timedwait(&c11c, &c11m, &ts), "waited=%d",
          WAITED(150));
    CASE("cnd_timedwait.error.nsec", rthrd, cnd_timedwait(&c11c, &c11m, &bad_ts), NULL);
    pred = 0;
    l = later(200, set_pred_cnd, NULL);
    TCASE("cnd_wait.signalled.slow", rthrd, cnd_wait(&c11c, &c11m), "pred=%d waited=%d", pred,
          LWAITED(200));
    while (!pred)
        cnd_wait(&c11c, &c11m);
    later_join(l);
    pred = 0;
    l = later(200, set_pred_cnd, NULL);
    ts = abs_in(CLOCK_REALTIME, 5000);
    TCASE("cnd_timedwait.signalled.slow", rthrd, cnd_timedwait(&c11c, &c11m, &ts),
          "pred=%d waited=%d", pred, LWAITED(200));
    while (!pred)
        cnd_wait(&c11c, &c11m);
    later_join(l);
    CASE("cnd_wait.relocked", rthrd, mtx_unlock(&c11m), NULL);
    cnd_destroy(&c11c);
    mtx_destroy(&c11m);

    /* semaphores */
    CHECK(sem_init(&gsem, 0, 2) == 0);
    CASE("sem_init.einval", rs, sem_init(&(sem_t){0}, 0, (unsigned)SEM_VALUE_MAX + 1u), NULL);
    CASE("sem_wait", rs, sem_wait(&gsem), NULL);
    ts = abs_in(CLOCK_REALTIME, 150);
    CASE("sem_timedwait.available", rs, sem_timedwait(&gsem, &ts), NULL);
    CASE("sem_trywait.eagain", rs, sem_trywait(&gsem), NULL);
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("sem_timedwait.etimedout", rs, sem_timedwait(&gsem, &ts), "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_MONOTONIC, 150);
    TCASE("sem_clockwait.monotonic.etimedout", rs, sem_clockwait(&gsem, CLOCK_MONOTONIC, &ts),
          "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("sem_clockwait.realtime.etimedout", rs, sem_clockwait(&gsem, CLOCK_REALTIME, &ts),
          "waited=%d", WAITED(150));
    ts = (struct timespec){0, 0};
    CASE("sem_timedwait.past.etimedout", rs, sem_timedwait(&gsem, &ts), NULL);
    CASE("sem_timedwait.einval.nsec", rs, sem_timedwait(&gsem, &bad_ts), NULL);
    ts = abs_in(CLOCK_MONOTONIC, 150);
    CASE("sem_clockwait.einval.clock", rs, sem_clockwait(&gsem, CLOCK_PROCESS_CPUTIME_ID, &ts),
         NULL);
    CASE("sem_clockwait.einval.nsec", rs, sem_clockwait(&gsem, CLOCK_MONOTONIC, &bad_ts), NULL);
    /* each slow case starts from a fresh, empty semaphore, so one case cannot leak into the
     * next */
#define SEM_FRESH                                                                                  \
    do {                                                                                           \
        sem_destroy(&gsem);                                                                        \
        CHECK(sem_init(&gsem, 0, 0) == 0);                                                         \
    } while (0)
    SEM_FRESH;
    l = later(200, post_p, &gsem);
    TCASE("sem_wait.slow", rs, sem_wait(&gsem), "waited=%d", LWAITED(200));
    later_join(l);
    SEM_FRESH;
    l = later(200, post_p, &gsem);
    ts = abs_in(CLOCK_REALTIME, 5000);
    TCASE("sem_timedwait.slow", rs, sem_timedwait(&gsem, &ts), "waited=%d", LWAITED(200));
    later_join(l);
    SEM_FRESH;
    l = later(200, post_p, &gsem);
    ts = abs_in(CLOCK_MONOTONIC, 5000);
    TCASE("sem_clockwait.slow", rs, sem_clockwait(&gsem, CLOCK_MONOTONIC, &ts), "waited=%d",
          LWAITED(200));
    later_join(l);
    /* sem_wait is interrupted by a handler without SA_RESTART (EINTR) */
    SEM_FRESH;
    EINTR_CASE("sem_wait.eintr_own_signal", rs, sem_wait(&gsem), post_p, &gsem);
    SEM_FRESH;
    ts = abs_in(CLOCK_REALTIME, 5000);
    EINTR_CASE("sem_timedwait.eintr_own_signal", rs, sem_timedwait(&gsem, &ts), post_p, &gsem);
    SEM_FRESH;
    ts = abs_in(CLOCK_MONOTONIC, 5000);
    EINTR_CASE("sem_clockwait.eintr_own_signal", rs, sem_clockwait(&gsem, CLOCK_MONOTONIC, &ts),
               post_p, &gsem);
    SEM_FRESH;
#undef SEM_FRESH
    {
        int v = -1;
        sem_getvalue(&gsem, &v);
        report("sem_getvalue.end", "-", EMAGIC, "value=%d", v);
    }
    sem_destroy(&gsem);

    /* barrier: exactly one PTHREAD_BARRIER_SERIAL_THREAD per round */
    for (int round = 0; round < 2; round++) {
        pthread_t t[3];
        CHECK(pthread_barrier_init(&bar, NULL, 4) == 0);
        for (int i = 0; i < 3; i++)
            CHECK(pthread_create(&t[i], NULL, barrier_thread, NULL) == 0);
        msleep(round == 0 ? 0 : 200); /* round 1: the others wait 200 ms for main */
        errno = EMAGIC;
        long t0 = now_ms();
        int rm = pthread_barrier_wait(&bar);
        int e = errno;
        long ms = now_ms() - t0;
        (void)ms;
        int serial = rm == PTHREAD_BARRIER_SERIAL_THREAD, zero = rm == 0, other = 0;
        for (int i = 0; i < 3; i++) {
            void *v;
            CHECK(pthread_join(t[i], &v) == 0);
            int r = (int)(intptr_t)v;
            if (r == PTHREAD_BARRIER_SERIAL_THREAD)
                serial++;
            else if (r == 0)
                zero++;
            else
                other++;
        }
        char name[64];
        snprintf(name, sizeof name, "pthread_barrier_wait.round%d", round);
        report(name, "-", e, "serial=%d zero=%d other=%d", serial, zero, other);
        CHECK(pthread_barrier_destroy(&bar) == 0);
    }
    /* main arrives first and waits 200 ms for the other */
    {
        CHECK(pthread_barrier_init(&bar, NULL, 2) == 0);
        struct later *bl = later(200, barrier_wait_p, NULL);
        TCASE("pthread_barrier_wait.slow", rs, pthread_barrier_wait(&bar) != 0 ? 1 : 0, "waited=%d",
              LWAITED(200));
        later_join(bl);
        report("pthread_barrier_wait.slow.serial_total", "-", EMAGIC, "serial=%d",
               (int)(last_r + barrier_serial_seen));
        CHECK(pthread_barrier_destroy(&bar) == 0);
    }
}

/* ================================================================== joins, thread creation */

static void *ret_after(void *p)
{
    long ms = (long)(intptr_t)p;
    if (ms)
        msleep(ms);
    return (void *)(intptr_t)(42 + ms);
}
static int c11_ret_after(void *p)
{
    long ms = (long)(intptr_t)p;
    if (ms)
        msleep(ms);
    return 7;
}
static int c11_exit(void *p)
{
    (void)p;
    thrd_exit(9);
}
static void *gated_ret(void *p)
{
    while (sem_wait(p) != 0)
        ;
    return (void *)(intptr_t)99;
}
static void *join_self(void *p)
{
    (void)p;
    return (void *)(intptr_t)pthread_join(pthread_self(), NULL);
}

static void sec_join(void)
{
    section = "join";
    pthread_t t;
    void *v;
    struct timespec ts;

    CASE("pthread_create", rerr, pthread_create(&t, NULL, ret_after, (void *)0), NULL);
    v = NULL;
    CASE("pthread_join.value", rerr, pthread_join(t, &v), "value=%ld", (long)(intptr_t)v);
    MARK();
    CHECK(pthread_create(&t, NULL, ret_after, (void *)200) == 0);
    v = NULL;
    TCASE("pthread_join.slow", rerr, pthread_join(t, &v), "value=%ld waited=%d", (long)(intptr_t)v,
          LWAITED(200));
    CASE("pthread_join.self.edeadlk", rerr, pthread_join(pthread_self(), NULL), NULL);
    CHECK(pthread_create(&t, NULL, join_self, NULL) == 0);
    CHECK(pthread_join(t, &v) == 0);
    report("pthread_join.self_in_thread", rerr((long)(intptr_t)v), EMAGIC, NULL);

    /* the thread to join waits at a gate we open when the timeout cases are done, so that
     * they time out however slow the machine is */
    sem_t gate;
    CHECK(sem_init(&gate, 0, 0) == 0);
    CHECK(pthread_create(&t, NULL, gated_ret, &gate) == 0);
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("pthread_timedjoin_np.etimedout", rerr, pthread_timedjoin_np(t, &v, &ts), "waited=%d",
          WAITED(150));
    ts = abs_in(CLOCK_MONOTONIC, 150);
    TCASE("pthread_clockjoin_np.monotonic.etimedout", rerr,
          pthread_clockjoin_np(t, &v, CLOCK_MONOTONIC, &ts), "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("pthread_clockjoin_np.realtime.etimedout", rerr,
          pthread_clockjoin_np(t, &v, CLOCK_REALTIME, &ts), "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_MONOTONIC, 150);
    CASE("pthread_clockjoin_np.einval.clock", rerr,
         pthread_clockjoin_np(t, &v, CLOCK_PROCESS_CPUTIME_ID, &ts), NULL);
    ts = (struct timespec){0, 0};
    CASE("pthread_timedjoin_np.past.etimedout", rerr, pthread_timedjoin_np(t, &v, &ts), NULL);
    {
        struct later *g = later(200, post_p, &gate);
        ts = abs_in(CLOCK_REALTIME, 10000);
        v = NULL;
        TCASE("pthread_timedjoin_np.slow", rerr, pthread_timedjoin_np(t, &v, &ts),
              "value=%ld waited=%d", (long)(intptr_t)v, LWAITED(200));
        later_join(g);
    }
    CHECK(pthread_create(&t, NULL, gated_ret, &gate) == 0);
    {
        struct later *g = later(200, post_p, &gate);
        ts = abs_in(CLOCK_MONOTONIC, 10000);
        v = NULL;
        TCASE("pthread_clockjoin_np.slow", rerr, pthread_clockjoin_np(t, &v, CLOCK_MONOTONIC, &ts),
              "value=%ld waited=%d", (long)(intptr_t)v, LWAITED(200));
        later_join(g);
    }
    CHECK(pthread_create(&t, NULL, ret_after, (void *)0) == 0);
    ts = abs_in(CLOCK_REALTIME, 10000);
    CASE("pthread_timedjoin_np.finishing", rerr, pthread_timedjoin_np(t, &v, &ts), "value=%ld",
         (long)(intptr_t)v);
    /* our own signal does not interrupt a join */
    CHECK(pthread_create(&t, NULL, gated_ret, &gate) == 0);
    n_usr1 = 0;
    {
        struct kick_then kt = {post_p, &gate};
        struct later *k = later(100, kick_then_fn, &kt);
        TCASE("pthread_join.own_signal", rerr, pthread_join(t, &v), "value=%ld handled=%d",
              (long)(intptr_t)v, (int)n_usr1);
        later_join(k);
    }
    sem_destroy(&gate);

    /* C11 */
    thrd_t ct;
    int res = -1;
    CASE("thrd_create", rthrd, thrd_create(&ct, c11_ret_after, (void *)0), NULL);
    CASE("thrd_join.res", rthrd, thrd_join(ct, &res), "res=%d", res);
    MARK();
    CHECK(thrd_create(&ct, c11_ret_after, (void *)200) == thrd_success);
    res = -1;
    TCASE("thrd_join.slow", rthrd, thrd_join(ct, &res), "res=%d waited=%d", res, LWAITED(200));
    CHECK(thrd_create(&ct, c11_exit, NULL) == thrd_success);
    res = -1;
    CASE("thrd_join.thrd_exit", rthrd, thrd_join(ct, &res), "res=%d", res);
    CHECK(thrd_create(&ct, c11_ret_after, (void *)0) == thrd_success);
    CASE("thrd_join.null_res", rthrd, thrd_join(ct, NULL), NULL);

    /* pthread_create: attributes */
    {
        pthread_attr_t a;
        CHECK(pthread_attr_init(&a) == 0);
        CHECK(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED) == 0);
        CASE("pthread_create.detached", rerr, pthread_create(&t, &a, ret_after, (void *)0), NULL);
        pthread_attr_destroy(&a);
        CHECK(pthread_attr_init(&a) == 0);
        CHECK(pthread_attr_setstacksize(&a, (size_t)1 << 62) == 0);
        CASE("pthread_create.huge_stack", rerr, pthread_create(&t, &a, ret_after, (void *)0), NULL);
        pthread_attr_destroy(&a);
        /* an attribute object the setters accept but creation rejects (EINVAL on glibc: the
         * guard does not fit the stack) */
        CHECK(pthread_attr_init(&a) == 0);
        CHECK(pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN) == 0);
        CHECK(pthread_attr_setguardsize(&a, SIZE_MAX - 4096) == 0);
        CASE("pthread_create.einval.guard_exceeds_stack", rerr,
             pthread_create(&t, &a, ret_after, (void *)0), NULL);
        pthread_attr_destroy(&a);
        /* explicit SCHED_FIFO: EPERM without privilege (0 as root) */
        CHECK(pthread_attr_init(&a) == 0);
        CHECK(pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED) == 0);
        CHECK(pthread_attr_setschedpolicy(&a, SCHED_FIFO) == 0);
        struct sched_param sp = {.sched_priority = 1};
        CHECK(pthread_attr_setschedparam(&a, &sp) == 0);
        errno = EMAGIC;
        int r = pthread_create(&t, &a, ret_after, (void *)0);
        int e = errno;
        report("pthread_create.sched_fifo", r == 0 ? "0" : (r == EPERM ? "EPERM" : rerr(r)), e,
               "privileged=%d", geteuid() == 0);
        if (r == 0)
            pthread_join(t, NULL);
        pthread_attr_destroy(&a);
        /* many threads */
        pthread_t many[32];
        int bad = 0;
        long sum = 0;
        for (int i = 0; i < 32; i++)
            bad += pthread_create(&many[i], NULL, ret_after, (void *)0) != 0;
        for (int i = 0; i < 32; i++) {
            bad += pthread_join(many[i], &v) != 0;
            sum += (long)(intptr_t)v;
        }
        report("pthread_create.many", "-", EMAGIC, "failures=%d sum=%ld", bad, sum);
    }
}

/* ================================================================== cancellation */

/* A thread blocked in a cancellation point must still be cancellable: it is cancelled 200 ms
 * after it starts waiting, and must be joined with PTHREAD_CANCELED promptly. If it is not,
 * it is unblocked some other way so the run goes on. */
struct ccase {
    int fds[2];
    sem_t sem;
    pthread_mutex_t m;
    pthread_cond_t c;
    int cleanup;  /* the cleanup handler ran */
    int relocked; /* cond: the mutex was held in the cleanup handler */
    int listener;
    pid_t child;
};
static void cleanup_mark(void *p)
{
    ((struct ccase *)p)->cleanup = 1;
}
static void cleanup_cond(void *p)
{
    struct ccase *c = p;
    c->cleanup = 1;
    c->relocked = pthread_mutex_unlock(&c->m) == 0; /* errorcheck mutex: EPERM if not owner */
}
static struct ccase cc;
static sem_t cc_started;

#define CANCEL_BODY(call)                                                                          \
    do {                                                                                           \
        pthread_cleanup_push(cleanup_mark, &cc);                                                   \
        sem_post(&cc_started);                                                                     \
        call;                                                                                      \
        pthread_cleanup_pop(0);                                                                    \
    } while (0)
static void *c_read(void *p)
{
    char b[8];
    CANCEL_BODY(read(cc.fds[0], b, sizeof b));
    return p;
}
static void *c_readv(void *p)
{
    char b[8];
    struct iovec v = {b, sizeof b};
    CANCEL_BODY(readv(cc.fds[0], &v, 1));
    return p;
}
static void *c_write(void *p)
{
    CANCEL_BODY(write(cc.fds[1], "x", 1));
    return p;
}
static void *c_recv(void *p)
{
    char b[8];
    CANCEL_BODY(recv(cc.fds[0], b, sizeof b, 0));
    return p;
}
static void *c_recvmsg(void *p)
{
    char b[8];
    struct iovec v = {b, sizeof b};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    CANCEL_BODY(recvmsg(cc.fds[0], &m, 0));
    return p;
}
static void *c_accept(void *p)
{
    CANCEL_BODY(accept(cc.listener, NULL, NULL));
    return p;
}
static void *c_cond_wait(void *p)
{
    pthread_mutex_lock(&cc.m);
    pthread_cleanup_push(cleanup_cond, &cc);
    sem_post(&cc_started);
    pthread_cond_wait(&cc.c, &cc.m);
    pthread_cleanup_pop(0);
    pthread_mutex_unlock(&cc.m);
    return p;
}
static void *c_cond_timedwait(void *p)
{
    struct timespec ts = abs_in(CLOCK_REALTIME, 3000);
    pthread_mutex_lock(&cc.m);
    pthread_cleanup_push(cleanup_cond, &cc);
    sem_post(&cc_started);
    pthread_cond_timedwait(&cc.c, &cc.m, &ts);
    pthread_cleanup_pop(0);
    pthread_mutex_unlock(&cc.m);
    return p;
}
static void *c_sem_wait(void *p)
{
    CANCEL_BODY(sem_wait(&cc.sem));
    return p;
}
static void *c_sem_timedwait(void *p)
{
    struct timespec ts = abs_in(CLOCK_REALTIME, 3000);
    /* an early EINTR is the subject of sem_timedwait.* cases, not of this one: wait again */
    CANCEL_BODY(while (sem_timedwait(&cc.sem, &ts) != 0 && errno == EINTR));
    return p;
}
static void *c_nanosleep(void *p)
{
    struct timespec ts = {3, 0};
    CANCEL_BODY(nanosleep(&ts, NULL));
    return p;
}
static void *c_clock_nanosleep(void *p)
{
    struct timespec ts = {3, 0};
    CANCEL_BODY(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL));
    return p;
}
static void *c_sleep(void *p)
{
    CANCEL_BODY(sleep(3));
    return p;
}
static void *c_usleep(void *p)
{
    CANCEL_BODY(usleep(3000000));
    return p;
}
static void *c_thrd_sleep(void *p)
{
    struct timespec ts = {3, 0};
    CANCEL_BODY(thrd_sleep(&ts, NULL));
    return p;
}
static void *c_poll(void *p)
{
    struct pollfd f = {.fd = cc.fds[0], .events = POLLIN};
    CANCEL_BODY(poll(&f, 1, -1));
    return p;
}
static void *c_ppoll(void *p)
{
    struct pollfd f = {.fd = cc.fds[0], .events = POLLIN};
    CANCEL_BODY(ppoll(&f, 1, NULL, NULL));
    return p;
}
static void *c_select(void *p)
{
    fd_set r;
    FD_ZERO(&r);
    FD_SET(cc.fds[0], &r);
    CANCEL_BODY(select(cc.fds[0] + 1, &r, NULL, NULL, NULL));
    return p;
}
static void *c_pause(void *p)
{
    CANCEL_BODY(pause());
    return p;
}
static void *c_sigwaitinfo(void *p)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    CANCEL_BODY(sigwaitinfo(&s, NULL));
    return p;
}
static void *c_join(void *p)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, ret_after, (void *)600) == 0);
    CANCEL_BODY(pthread_join(t, NULL));
    pthread_join(t, NULL); /* not reached when cancelled: the thread is then left to finish */
    return p;
}
static void *c_waitpid(void *p)
{
    CANCEL_BODY(waitpid(cc.child, NULL, 0));
    return p;
}
static void *c_fcntl_setlkw(void *p)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CANCEL_BODY(fcntl(cc.fds[1], F_OFD_SETLKW, &fl));
    return p;
}

static void sec_cancel(void)
{
    section = "cancel";
    static const struct {
        const char *name;
        void *(*fn)(void *);
        int kind; /* 0 pipe, 1 socketpair, 2 listener, 3 cond, 4 sem, 5 none, 6 child, 7 lock */
    } cases[] = {
        {"read", c_read, 0},
        {"readv", c_readv, 0},
        {"write.full_pipe", c_write, 0},
        {"recv", c_recv, 1},
        {"recvmsg", c_recvmsg, 1},
        {"accept", c_accept, 2},
        {"pthread_cond_wait", c_cond_wait, 3},
        {"pthread_cond_timedwait", c_cond_timedwait, 3},
        {"sem_wait", c_sem_wait, 4},
        {"sem_timedwait", c_sem_timedwait, 4},
        {"nanosleep", c_nanosleep, 5},
        {"clock_nanosleep", c_clock_nanosleep, 5},
        {"sleep", c_sleep, 5},
        {"usleep", c_usleep, 5},
        {"thrd_sleep", c_thrd_sleep, 5},
        {"poll", c_poll, 0},
        {"ppoll", c_ppoll, 0},
        {"select", c_select, 0},
        {"pause", c_pause, 5},
        {"sigwaitinfo", c_sigwaitinfo, 5},
        {"pthread_join", c_join, 5},
        {"waitpid", c_waitpid, 6},
        {"fcntl.ofd_setlkw", c_fcntl_setlkw, 7},
    };
    CHECK(sem_init(&cc_started, 0, 0) == 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&cc, 0, sizeof cc);
        cc.fds[0] = cc.fds[1] = cc.listener = -1;
        int kind = cases[i].kind, holder = -1;
        CHECK(sem_init(&cc.sem, 0, 0) == 0);
        mutex_init_type(&cc.m, PTHREAD_MUTEX_ERRORCHECK, 0, 0);
        CHECK(pthread_cond_init(&cc.c, NULL) == 0);
        if (kind == 0) {
            CHECK(pipe(cc.fds) == 0);
            if (cases[i].fn == c_write) {
                long cap = fcntl(cc.fds[1], F_SETPIPE_SZ, 4096);
                char *big = calloc(1, (size_t)cap);
                CHECK(big && write(cc.fds[1], big, (size_t)cap) == cap);
                free(big);
            }
        } else if (kind == 1) {
            CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, cc.fds) == 0);
        } else if (kind == 2) {
            cc.listener = socket(AF_UNIX, SOCK_STREAM, 0);
            struct sockaddr_un a = {.sun_family = AF_UNIX}; /* autobind to an abstract name */
            CHECK(cc.listener >= 0 &&
                  bind(cc.listener, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0);
            CHECK(listen(cc.listener, 1) == 0);
        } else if (kind == 6) {
            fflush(stdout);
            cc.child = fork();
            CHECK(cc.child >= 0);
            if (cc.child == 0) {
                msleep(3000);
                _exit(0);
            }
        } else if (kind == 7) {
            holder = mkfile("cancel.lock", NULL);
            cc.fds[1] = open(tpath("cancel.lock"), O_RDWR);
            struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
            CHECK(cc.fds[1] >= 0 && fcntl(holder, F_OFD_SETLK, &fl) == 0);
        }
        pthread_t t;
        CHECK(pthread_create(&t, NULL, cases[i].fn, NULL) == 0);
        while (sem_wait(&cc_started) != 0)
            ;
        msleep(200);
        long t0 = now_ms();
        int rc = pthread_cancel(t);
        struct timespec ts = abs_in(CLOCK_REALTIME, 2000);
        void *v = NULL;
        int jr = pthread_timedjoin_np(t, &v, &ts);
        long ms = now_ms() - t0;
        int unblocked = 0;
        if (jr == ETIMEDOUT) {
            unblocked = 1;
            if (cc.fds[1] >= 0 && kind <= 1)
                CHECK(write(cc.fds[1], "u", 1) >= 0 || errno == EAGAIN);
            if (kind == 0 && cases[i].fn == c_write) {
                char b[4096];
                CHECK(read(cc.fds[0], b, sizeof b) > 0);
            }
            if (kind == 3) {
                pthread_mutex_lock(&cc.m);
                pthread_cond_broadcast(&cc.c);
                pthread_mutex_unlock(&cc.m);
            }
            if (kind == 4)
                sem_post(&cc.sem);
            if (kind == 6)
                kill(cc.child, SIGKILL);
            if (kind == 7)
                close(holder), holder = -1;
            if (cases[i].fn == c_pause || cases[i].fn == c_sigwaitinfo)
                pthread_kill(t, SIGUSR2);
            CHECK(pthread_join(t, &v) == 0);
        }
        char name[80];
        snprintf(name, sizeof name, "cancel.%s", cases[i].name);
        report(name, rerr(rc), EMAGIC, "canceled=%d cleanup=%d%s prompt=%d unblocked=%d",
               v == PTHREAD_CANCELED, cc.cleanup,
               kind == 3 ? (cc.relocked ? " relocked=1" : " relocked=0") : "", ms < 1000,
               unblocked);
        if (kind == 6) {
            kill(cc.child, SIGKILL);
            CHECK(waitpid(cc.child, NULL, 0) == cc.child);
        }
        if (cc.fds[0] >= 0)
            close(cc.fds[0]);
        if (cc.fds[1] >= 0)
            close(cc.fds[1]);
        if (cc.listener >= 0)
            close(cc.listener);
        if (holder >= 0)
            close(holder);
        sem_destroy(&cc.sem);
        pthread_mutex_destroy(&cc.m);
        pthread_cond_destroy(&cc.c);
    }
    unlink(tpath("cancel.lock"));
    /* a cancelled thread's join value, and cancellation with a pending cancel request */
    {
        pthread_t t;
        CHECK(pthread_create(&t, NULL, c_pause, NULL) == 0);
        while (sem_wait(&cc_started) != 0)
            ;
        CHECK(pthread_cancel(t) == 0);
        void *v = NULL;
        CASE("pthread_join.canceled", rerr, pthread_join(t, &v), "canceled=%d",
             v == PTHREAD_CANCELED);
    }
    sem_destroy(&cc_started);
}

/* ================================================================== futex through syscall(2) */

static int fword;
static void futex_wake_p(void *p)
{
    (void)p;
    fword = 2;
    syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}
static void *futex_waiter(void *p)
{
    (void)p;
    long r;
    do
        r = syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
    while (r != 0 && fword == 1); /* until a FUTEX_WAKE */
    return (void *)r;
}

static void sec_futex(void)
{
    section = "futex";
    struct timespec ts;
    fword = 1;
    CASE("futex.wait.eagain_mismatch", rs,
         syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), NULL);
    ts = rel(50);
    TCASE("futex.wait.etimedout_50ms", rs,
          syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), "waited=%d", WAITED(50));
    ts = rel(200);
    TCASE("futex.wait.etimedout_200ms", rs,
          syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), "waited=%d",
          WAITED(200));
    ts = abs_in(CLOCK_MONOTONIC, 150);
    TCASE(
        "futex.wait_bitset.abs.etimedout", rs,
        syscall(SYS_futex, &fword, FUTEX_WAIT_BITSET_PRIVATE, 1, &ts, NULL, FUTEX_BITSET_MATCH_ANY),
        "waited=%d", WAITED(150));
    ts = abs_in(CLOCK_REALTIME, 150);
    TCASE("futex.wait_bitset.realtime.etimedout", rs,
          syscall(SYS_futex, &fword, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &ts, NULL,
                  FUTEX_BITSET_MATCH_ANY),
          "waited=%d", WAITED(150));
    CASE("futex.wait.einval_timeout", rs,
         syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 1, &bad_ts, NULL, 0), NULL);
    CASE("futex.wait.efault", rs, syscall(SYS_futex, nullp, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0),
         NULL);
    CASE("futex.enosys_op", rs, syscall(SYS_futex, &fword, 99, 1, NULL, NULL, 0), NULL);
    CASE("futex.wake.none", rs, syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0),
         NULL);
    /* slow: woken by another thread */
    fword = 1;
    {
        struct later *l = later(200, futex_wake_p, NULL);
        TCASE("futex.wait.woken.slow", rs,
              syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0), "word=%d waited=%d",
              fword, LWAITED(200));
        later_join(l);
    }
    /* own signal interrupts a futex wait (no SA_RESTART) */
    fword = 1;
    EINTR_CASE("futex.wait.eintr_own_signal", rs,
               syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0), futex_wake_p,
               NULL);
    /* FUTEX_WAKE returns how many it woke */
    {
        pthread_t t[2];
        fword = 1;
        for (int i = 0; i < 2; i++)
            CHECK(pthread_create(&t[i], NULL, futex_waiter, NULL) == 0);
        msleep(200);
        fword = 2;
        CASE("futex.wake.count", rs,
             syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), NULL);
        long sum = 0;
        for (int i = 0; i < 2; i++) {
            void *v;
            CHECK(pthread_join(t[i], &v) == 0);
            sum += (long)(intptr_t)v;
        }
        report("futex.wait.woken_by_count", "-", EMAGIC, "sum_of_returns=%ld", sum);
    }
    /* syscalls that are not futex waits go straight through */
    CASE("syscall.gettid", rs, syscall(SYS_gettid) == gettid(), NULL);
    CASE("syscall.getpid", rs, syscall(SYS_getpid) == getpid(), NULL);
    CASE("syscall.write.ebadf", rs, syscall(SYS_write, closed_fd(), "x", 1), NULL);
    {
        int p[2];
        char b[8] = {0};
        CHECK(pipe(p) == 0 && write(p[1], "sys", 3) == 3);
        CASE("syscall.read", rs, syscall(SYS_read, p[0], b, sizeof b), "data=%s", b);
        close(p[0]);
        close(p[1]);
    }
    {
        errno = EMAGIC;
        long r = syscall(SYS_mmap, NULL, 4096L, (long)PROT_READ,
                         (long)(MAP_PRIVATE | MAP_ANONYMOUS), -1L, 0L);
        report("syscall.mmap.six_args", r == -1 ? "-1" : "addr", errno, NULL);
        if (r != -1)
            munmap((void *)r, 4096);
    }
    CASE("syscall.enosys", rs, syscall(100000), NULL);
    CASE("syscall.futex_wake.via_syscall", rs,
         syscall(SYS_futex, &fword, FUTEX_WAKE, 1, NULL, NULL, 0), NULL);
}

/* ================================================================== children */

static pid_t spawn(long ms, int code)
{
    MARK();
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (ms)
            msleep(ms);
        _exit(code);
    }
    return pid;
}
static void kill_p(void *p)
{
    kill(*(pid_t *)p, SIGKILL);
}
/* the decoded wait status: STF in the format, STA(st) last among the arguments */
#define STF "exited=%d status=%d signaled=%d termsig=%d stopped=%d stopsig=%d continued=%d"
#define STA(st)                                                                                    \
    WIFEXITED(st), WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st),                          \
        WIFSIGNALED(st) ? WTERMSIG(st) : -1, WIFSTOPPED(st), WIFSTOPPED(st) ? WSTOPSIG(st) : -1,   \
        WIFCONTINUED(st)

static void sec_children(void)
{
    section = "children";
    pid_t pid;
    int st;
    struct rusage ru;
    siginfo_t si;

    CASE("wait.echild.none", rpid, wait(&st), NULL);
    CASE("waitpid.echild.none", rpid, waitpid(-1, &st, 0), NULL);
    CASE("waitpid.echild.not_ours", rpid, waitpid(1, &st, WNOHANG), NULL);
    CASE("wait3.echild", rpid, wait3(&st, 0, &ru), NULL);
    CASE("wait4.echild", rpid, wait4(-1, &st, 0, &ru), NULL);
    CASE("waitid.echild", rs, waitid(P_ALL, 0, &si, WEXITED), NULL);

    pid = spawn(0, 7);
    st = 0;
    CASE("waitpid.exit", rpid, waitpid(pid, &st, 0), "same=%d " STF, r == pid, STA(st));
    pid = spawn(300, 3);
    st = -1;
    CASE("waitpid.wnohang.running", rpid, waitpid(pid, &st, WNOHANG), "st_untouched=%d", st == -1);
    TCASE("waitpid.slow", rpid, waitpid(pid, &st, 0), "same=%d waited=%d " STF, r == pid,
          LWAITED(300), STA(st));
    pid = spawn(300, 0);
    CASE("waitpid.einval.options", rpid, waitpid(pid, &st, 0x1000), NULL);
    kill(pid, SIGKILL);
    CASE("waitpid.signaled", rpid, waitpid(pid, &st, 0), STF, STA(st));
    pid = spawn(3000, 0);
    kill(pid, SIGSTOP);
    CASE("waitpid.wuntraced.stopped", rpid, waitpid(pid, &st, WUNTRACED), STF, STA(st));
    kill(pid, SIGCONT);
    CASE("waitpid.wcontinued", rpid, waitpid(pid, &st, WCONTINUED), STF, STA(st));
    EINTR_CASE("waitpid.eintr_own_signal", rpid, waitpid(pid, &st, 0), kill_p, &pid);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);

    pid = spawn(0, 4);
    CASE("wait.exit", rpid, wait(&st), "same=%d " STF, r == pid, STA(st));
    pid = spawn(200, 5);
    TCASE("wait.slow", rpid, wait(&st), "same=%d waited=%d " STF, r == pid, LWAITED(200), STA(st));
    CASE("wait.null_status", rpid, (spawn(0, 1), wait(NULL)), NULL);

    pid = spawn(0, 6);
    memset(&ru, 0xff, sizeof ru);
    CASE("wait3.exit", rpid, wait3(&st, 0, &ru), "same=%d rusage_sane=%d " STF, r == pid,
         ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_sec < 100 && ru.ru_maxrss >= 0, STA(st));
    pid = spawn(200, 8);
    CASE("wait3.wnohang.running", rpid, wait3(&st, WNOHANG, NULL), NULL);
    TCASE("wait3.slow", rpid, wait3(&st, 0, NULL), "same=%d waited=%d " STF, r == pid, LWAITED(200),
          STA(st));

    pid = spawn(0, 9);
    memset(&ru, 0xff, sizeof ru);
    CASE("wait4.exit", rpid, wait4(pid, &st, 0, &ru), "same=%d rusage_sane=%d " STF, r == pid,
         ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_sec < 100, STA(st));
    pid = spawn(200, 10);
    CASE("wait4.wnohang.running", rpid, wait4(pid, &st, WNOHANG, NULL), NULL);
    TCASE("wait4.slow", rpid, wait4(pid, &st, 0, NULL), "same=%d waited=%d " STF, r == pid,
          LWAITED(200), STA(st));
    CASE("wait4.einval", rpid, wait4(-1, &st, 0x1000, NULL), NULL);

    pid = spawn(0, 11);
    memset(&si, 0, sizeof si);
    CASE("waitid.exited", rs, waitid(P_PID, (id_t)pid, &si, WEXITED),
         "pid_ok=%d signo=%d code=%d status=%d", si.si_pid == pid, si.si_signo, si.si_code,
         si.si_status);
    pid = spawn(200, 12);
    memset(&si, 0xff, sizeof si);
    CASE("waitid.wnohang.running", rs, waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG),
         "si_pid=%d", (int)si.si_pid);
    memset(&si, 0, sizeof si);
    TCASE("waitid.slow.wnowait", rs, waitid(P_ALL, 0, &si, WEXITED | WNOWAIT),
          "pid_ok=%d code=%d status=%d waited=%d", si.si_pid == pid, si.si_code, si.si_status,
          LWAITED(200));
    CASE("waitid.after_wnowait", rs, waitid(P_PID, (id_t)pid, &si, WEXITED), "pid_ok=%d status=%d",
         si.si_pid == pid, si.si_status);
    CASE("waitid.einval.options", rs, waitid(P_ALL, 0, &si, 0), NULL);
    CASE("waitid.einval.idtype", rs, waitid((idtype_t)42, 0, &si, WEXITED), NULL);
    pid = spawn(3000, 0);
    EINTR_CASE("waitid.eintr_own_signal", rs, waitid(P_PID, (id_t)pid, &si, WEXITED), kill_p, &pid);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    CASE("wait.echild.end", rpid, wait(&st), NULL);
}

/* ================================================================== multiplexing */

static const char *evs(uint32_t e)
{
    char *p = rbuf();
    snprintf(p, 48, "%s%s%s%s%s", e & EPOLLIN ? "IN" : "", e & EPOLLOUT ? "|OUT" : "",
             e & EPOLLHUP ? "|HUP" : "", e & EPOLLERR ? "|ERR" : "", e ? "" : "none");
    return p;
}
static const char *revs(short e)
{
    char *p = rbuf();
    snprintf(p, 48, "%s%s%s%s%s%s", e & POLLIN ? "IN" : "", e & POLLOUT ? "|OUT" : "",
             e & POLLHUP ? "|HUP" : "", e & POLLERR ? "|ERR" : "", e & POLLNVAL ? "NVAL" : "",
             e ? "" : "none");
    return p;
}

static void sec_epoll(void)
{
    section = "epoll";
    int bad = closed_fd();
    int p[2], q[2];
    CHECK(pipe(p) == 0 && pipe(q) == 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1234};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
    struct epoll_event out[4];
    struct timespec ts;
    sigset_t none;
    sigemptyset(&none);
    struct later *l;
#define EVOUT "ev=%s data=%#llx"
#define EVARGS(n)                                                                                  \
    (n) > 0 ? evs(out[0].events) : "-", (n) > 0 ? (unsigned long long)out[0].data.u64 : 0ULL

    /* not ready */
    TCASE("epoll_wait.not_ready.timeout0", rs, epoll_wait(ep, out, 4, 0), "quick=%d", QUICK);
    TCASE("epoll_wait.not_ready.timeout150", rs, epoll_wait(ep, out, 4, 150), "waited=%d",
          WAITED(150));
    TCASE("epoll_pwait.not_ready.timeout0", rs, epoll_pwait(ep, out, 4, 0, &none), "quick=%d",
          QUICK);
    TCASE("epoll_pwait.not_ready.timeout150", rs, epoll_pwait(ep, out, 4, 150, NULL), "waited=%d",
          WAITED(150));
    ts = rel(0);
    TCASE("epoll_pwait2.not_ready.timeout0", rs, epoll_pwait2(ep, out, 4, &ts, NULL), "quick=%d",
          QUICK);
    ts = rel(150);
    TCASE("epoll_pwait2.not_ready.timeout150", rs, epoll_pwait2(ep, out, 4, &ts, &none),
          "waited=%d", WAITED(150));
    /* ready */
    CHECK(write(p[1], "e", 1) == 1);
    CASE("epoll_wait.ready", rs, epoll_wait(ep, out, 4, -1), EVOUT, EVARGS(r));
    CASE("epoll_pwait.ready", rs, epoll_pwait(ep, out, 4, 150, &none), EVOUT, EVARGS(r));
    CASE("epoll_pwait2.ready.null_timeout", rs, epoll_pwait2(ep, out, 4, NULL, NULL), EVOUT,
         EVARGS(r));
    {
        struct epoll_event e2 = {.events = EPOLLOUT, .data.u64 = 0x77};
        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[1], &e2) == 0);
        CASE("epoll_wait.two_ready", rs, epoll_wait(ep, out, 4, 0), "n=%ld", r);
        CASE("epoll_wait.maxevents1", rs, epoll_wait(ep, out, 1, 0), NULL);
        CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, q[1], NULL) == 0);
    }
    {
        char c;
        CHECK(read(p[0], &c, 1) == 1);
    }
    /* errors */
    CASE("epoll_wait.ebadf", rs, epoll_wait(bad, out, 4, 0), NULL);
    CASE("epoll_pwait.ebadf", rs, epoll_pwait(bad, out, 4, 0, NULL), NULL);
    ts = rel(0);
    CASE("epoll_pwait2.ebadf", rs, epoll_pwait2(bad, out, 4, &ts, NULL), NULL);
    CASE("epoll_wait.einval.not_epoll", rs, epoll_wait(p[0], out, 4, 0), NULL);
    CASE("epoll_wait.einval.maxevents", rs, epoll_wait(ep, out, 0, 0), NULL);
    CASE("epoll_pwait.einval.maxevents", rs, epoll_pwait(ep, out, neg1, 0, NULL), NULL);
    CASE("epoll_pwait2.einval.timeout", rs, epoll_pwait2(ep, out, 4, &bad_ts, NULL), NULL);
    CASE("epoll_wait.null_events.none_ready", rs, epoll_wait(ep, nullp, 4, 0), NULL);
    /* slow: ready after 200 ms */
    l = later(200, write5, &p[1]);
    TCASE("epoll_wait.slow", rs, epoll_wait(ep, out, 4, -1), EVOUT " waited=%d", EVARGS(r),
          LWAITED(200));
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    l = later(200, write5, &p[1]);
    TCASE("epoll_pwait.slow", rs, epoll_pwait(ep, out, 4, 5000, &none), EVOUT " waited=%d",
          EVARGS(r), LWAITED(200));
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    l = later(200, write5, &p[1]);
    ts = rel(5000);
    TCASE("epoll_pwait2.slow", rs, epoll_pwait2(ep, out, 4, &ts, NULL), EVOUT " waited=%d",
          EVARGS(r), LWAITED(200));
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    /* own signal: EINTR, with or without a timeout */
    EINTR_CASE("epoll_wait.eintr_own_signal", rs, epoll_wait(ep, out, 4, -1), write5, &p[1]);
    drain_nb(p[0]);
    EINTR_CASE("epoll_wait.timeout.eintr_own_signal", rs, epoll_wait(ep, out, 4, 3000), write5,
               &p[1]);
    drain_nb(p[0]);
    EINTR_CASE("epoll_pwait.eintr_own_signal", rs, epoll_pwait(ep, out, 4, -1, &none), write5,
               &p[1]);
    drain_nb(p[0]);
    ts = rel(3000);
    EINTR_CASE("epoll_pwait2.eintr_own_signal", rs, epoll_pwait2(ep, out, 4, &ts, NULL), write5,
               &p[1]);
    drain_nb(p[0]);
    /* a blocked signal that epoll_pwait's mask lets in */
    {
        sigset_t blk, old;
        sigemptyset(&blk);
        sigaddset(&blk, SIGUSR1);
        CHECK(pthread_sigmask(SIG_BLOCK, &blk, &old) == 0);
        EINTR_CASE("epoll_pwait.mask_lets_signal_in", rs, epoll_pwait(ep, out, 4, 3000, &none),
                   write5, &p[1]);
        drain_nb(p[0]);
        CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
    }
#undef EVOUT
#undef EVARGS
    close(ep);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

static void sec_poll(void)
{
    section = "poll";
    int bad = closed_fd();
    int p[2];
    CHECK(pipe(p) == 0);
    struct pollfd f[3];
    struct timespec ts;
    sigset_t none;
    sigemptyset(&none);
    struct later *l;
#define PF(fd0, ev0) (f[0] = (struct pollfd){.fd = (fd0), .events = (ev0), .revents = 0x7fff}, f)
#define ROUT         "revents=%s"
#define RARG         revs(f[0].revents)

    TCASE("poll.not_ready.timeout0", rs, poll(PF(p[0], POLLIN), 1, 0), ROUT " quick=%d", RARG,
          QUICK);
    TCASE("poll.not_ready.timeout150", rs, poll(PF(p[0], POLLIN), 1, 150), ROUT " waited=%d", RARG,
          WAITED(150));
    TCASE("__poll_chk.not_ready.timeout150", rs, __poll_chk(PF(p[0], POLLIN), 1, 150, sizeof f),
          ROUT " waited=%d", RARG, WAITED(150));
    ts = rel(150);
    TCASE("ppoll.not_ready.timeout150", rs, ppoll(PF(p[0], POLLIN), 1, &ts, NULL),
          ROUT " waited=%d", RARG, WAITED(150));
    ts = rel(150);
    TCASE("__ppoll_chk.not_ready.timeout150", rs,
          __ppoll_chk(PF(p[0], POLLIN), 1, &ts, &none, sizeof f), ROUT " waited=%d", RARG,
          WAITED(150));
    ts = rel(0);
    TCASE("ppoll.not_ready.timeout0", rs, ppoll(PF(p[0], POLLIN), 1, &ts, NULL), ROUT " quick=%d",
          RARG, QUICK);
    TCASE("poll.nfds0.timeout150", rs, poll(f, 0, 150), "waited=%d", WAITED(150));
    CASE("poll.writable", rs, poll(PF(p[1], POLLOUT), 1, -1), ROUT, RARG);
    CASE("poll.pollnval", rs, poll(PF(bad, POLLIN), 1, 0), ROUT, RARG);
    CASE("__poll_chk.pollnval", rs, __poll_chk(PF(bad, POLLIN), 1, 0, sizeof f), ROUT, RARG);
    ts = rel(0);
    CASE("ppoll.pollnval", rs, ppoll(PF(bad, POLLIN), 1, &ts, NULL), ROUT, RARG);
    CASE("__ppoll_chk.pollnval", rs, __ppoll_chk(PF(bad, POLLIN), 1, &ts, NULL, sizeof f), ROUT,
         RARG);
    CASE("poll.negative_fd_ignored", rs, poll(PF(-1, POLLIN), 1, 0), ROUT, RARG);
    CHECK(write(p[1], "x", 1) == 1);
    CASE("poll.ready", rs, poll(PF(p[0], POLLIN), 1, -1), ROUT, RARG);
    CASE("__poll_chk.ready", rs, __poll_chk(PF(p[0], POLLIN), 1, -1, sizeof f), ROUT, RARG);
    CASE("ppoll.ready.null_timeout", rs, ppoll(PF(p[0], POLLIN), 1, NULL, NULL), ROUT, RARG);
    CASE("__ppoll_chk.ready", rs, __ppoll_chk(PF(p[0], POLLIN), 1, NULL, &none, sizeof f), ROUT,
         RARG);
    {
        f[1] = (struct pollfd){.fd = p[1], .events = POLLOUT};
        f[2] = (struct pollfd){.fd = bad, .events = POLLIN};
        f[0] = (struct pollfd){.fd = p[0], .events = POLLIN};
        CASE("poll.three", rs, poll(f, 3, 0), "revents=%s,%s,%s", revs(f[0].revents),
             revs(f[1].revents), revs(f[2].revents));
    }
    {
        char c;
        CHECK(read(p[0], &c, 1) == 1);
    }
    {
        static volatile nfds_t huge = (nfds_t)INT_MAX;
        CASE("poll.einval.nfds", rs, poll(f, huge, 0), NULL);
    }
    ts = rel(0);
    CASE("ppoll.einval.timeout", rs, ppoll(PF(p[0], POLLIN), 1, &bad_ts, NULL), NULL);
    CASE("poll.efault", rs, poll(nullp, 1, 0), NULL);
    /* slow */
    l = later(200, write5, &p[1]);
    TCASE("poll.slow", rs, poll(PF(p[0], POLLIN), 1, -1), ROUT " waited=%d", RARG, LWAITED(200));
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    l = later(200, write5, &p[1]);
    TCASE("__poll_chk.slow", rs, __poll_chk(PF(p[0], POLLIN), 1, 5000, sizeof f), ROUT " waited=%d",
          RARG, LWAITED(200));
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    l = later(200, write5, &p[1]);
    ts = rel(5000);
    TCASE("ppoll.slow", rs, ppoll(PF(p[0], POLLIN), 1, &ts, NULL), ROUT " waited=%d", RARG,
          LWAITED(200));
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    l = later(200, write5, &p[1]);
    TCASE("__ppoll_chk.slow", rs, __ppoll_chk(PF(p[0], POLLIN), 1, NULL, NULL, sizeof f),
          ROUT " waited=%d", RARG, LWAITED(200));
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    /* hangup: the writer closes after 200 ms */
    {
        int q[2];
        CHECK(pipe(q) == 0);
        l = later(200, close_fd_p, &q[1]);
        TCASE("poll.pollhup.slow", rs, poll(PF(q[0], POLLIN), 1, -1), ROUT " waited=%d", RARG,
              LWAITED(200));
        later_join(l);
        close(q[0]);
    }
    EINTR_CASE("poll.eintr_own_signal", rs, poll(PF(p[0], POLLIN), 1, -1), write5, &p[1]);
    drain_nb(p[0]);
    EINTR_CASE("poll.timeout.eintr_own_signal", rs, poll(PF(p[0], POLLIN), 1, 3000), write5, &p[1]);
    drain_nb(p[0]);
    EINTR_CASE("__poll_chk.eintr_own_signal", rs, __poll_chk(PF(p[0], POLLIN), 1, -1, sizeof f),
               write5, &p[1]);
    drain_nb(p[0]);
    ts = rel(3000);
    EINTR_CASE("ppoll.eintr_own_signal", rs, ppoll(PF(p[0], POLLIN), 1, &ts, NULL), write5, &p[1]);
    drain_nb(p[0]);
    EINTR_CASE("__ppoll_chk.eintr_own_signal", rs,
               __ppoll_chk(PF(p[0], POLLIN), 1, NULL, NULL, sizeof f), write5, &p[1]);
    drain_nb(p[0]);
#undef PF
#undef ROUT
#undef RARG
    close(p[0]);
    close(p[1]);
}

static void sec_select(void)
{
    section = "select";
    int p[2], q[2];
    CHECK(pipe(p) == 0 && pipe(q) == 0);
    int bad;
    fd_set rs_, ws_;
    struct timeval tv;
    struct timespec ts;
    sigset_t none;
    sigemptyset(&none);
    struct later *l;
    int n = 0; /* highest fd + 1 */
    for (int i = 0; i < 2; i++) {
        if (p[i] >= n)
            n = p[i] + 1;
        if (q[i] >= n)
            n = q[i] + 1;
    }
    /* select ignores descriptors past the end of the fd table: use a closed one inside it,
     * and a high one, that no concurrent open (the shim's own, say) can take meanwhile */
    bad = 899;
    CHECK(dup2(0, bad) == bad);
    close(bad);
#define SETS                                                                                       \
    do {                                                                                           \
        FD_ZERO(&rs_);                                                                             \
        FD_SET(p[0], &rs_);                                                                        \
        FD_SET(q[0], &rs_);                                                                        \
        FD_ZERO(&ws_);                                                                             \
        FD_SET(q[1], &ws_);                                                                        \
    } while (0)
#define SOUT  "p_in=%d q_in=%d q_out=%d"
#define SARGS FD_ISSET(p[0], &rs_) != 0, FD_ISSET(q[0], &rs_) != 0, FD_ISSET(q[1], &ws_) != 0

    SETS;
    tv = (struct timeval){0, 0};
    TCASE("select.not_ready.timeout0", rs, select(n, &rs_, NULL, NULL, &tv), SOUT " quick=%d",
          SARGS, QUICK);
    SETS;
    tv = (struct timeval){0, 150000};
    TCASE("select.not_ready.timeout150", rs, select(n, &rs_, NULL, NULL, &tv),
          SOUT " waited=%d tv_left_zero=%d", SARGS, WAITED(150), tv.tv_sec == 0 && tv.tv_usec == 0);
    SETS;
    ts = rel(150);
    TCASE("pselect.not_ready.timeout150", rs, pselect(n, &rs_, NULL, NULL, &ts, &none),
          SOUT " waited=%d ts_kept=%d", SARGS, WAITED(150),
          ts.tv_sec == 0 && ts.tv_nsec == 150000000L);
    CHECK(write(p[1], "s", 1) == 1);
    SETS;
    tv = (struct timeval){5, 0};
    CASE("select.ready", rs, select(n, &rs_, &ws_, NULL, &tv), SOUT " tv_sane=%d", SARGS,
         tv.tv_sec <= 5 && tv.tv_sec >= 3);
    SETS;
    CASE("pselect.ready.null_timeout", rs, pselect(n, &rs_, &ws_, NULL, NULL, NULL), SOUT, SARGS);
    SETS;
    CASE("select.ready.null_timeout", rs, select(n, &rs_, NULL, NULL, NULL), SOUT, SARGS);
    {
        char c;
        CHECK(read(p[0], &c, 1) == 1);
    }
    /* errors */
    {
        fd_set b;
        FD_ZERO(&b);
        FD_SET(bad, &b);
        tv = (struct timeval){0, 0};
        CASE("select.ebadf", rs, select(bad + 1, &b, NULL, NULL, &tv), NULL);
        FD_ZERO(&b);
        FD_SET(bad, &b);
        ts = rel(0);
        CASE("pselect.ebadf", rs, pselect(bad + 1, &b, NULL, NULL, &ts, NULL), NULL);
    }
    SETS;
    tv = (struct timeval){0, 0};
    CASE("select.einval.nfds", rs, select(-1, &rs_, NULL, NULL, &tv), NULL);
    tv = (struct timeval){0, -1};
    CASE("select.einval.timeout", rs, select(n, &rs_, NULL, NULL, &tv), NULL);
    CASE("pselect.einval.timeout", rs, pselect(n, &rs_, NULL, NULL, &bad_ts, NULL), NULL);
    tv = (struct timeval){0, 150000};
    TCASE("select.no_fds.timeout150", rs, select(0, NULL, NULL, NULL, &tv), "waited=%d",
          WAITED(150));
    /* slow */
    SETS;
    l = later(200, write5, &p[1]);
    TCASE("select.slow", rs, select(n, &rs_, NULL, NULL, NULL), SOUT " waited=%d", SARGS,
          LWAITED(200));
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    SETS;
    tv = (struct timeval){5, 0};
    l = later(200, write5, &p[1]);
    TCASE("select.timeout.slow", rs, select(n, &rs_, NULL, NULL, &tv),
          SOUT " waited=%d tv_decreased=%d", SARGS, LWAITED(200), tv.tv_sec < 5 && tv.tv_sec >= 3);
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    SETS;
    ts = rel(5000);
    l = later(200, write5, &p[1]);
    TCASE("pselect.slow", rs, pselect(n, &rs_, NULL, NULL, &ts, &none), SOUT " waited=%d", SARGS,
          LWAITED(200));
    later_join(l);
    {
        char b[8];
        CHECK(read(p[0], b, sizeof b) == 5);
    }
    SETS;
    EINTR_CASE("select.eintr_own_signal", rs, select(n, &rs_, NULL, NULL, NULL), write5, &p[1]);
    drain_nb(p[0]);
    report("select.eintr_own_signal.sets", "-", EMAGIC, "p_in=%d", FD_ISSET(p[0], &rs_) != 0);
    SETS;
    tv = (struct timeval){3, 0};
    EINTR_CASE("select.timeout.eintr_own_signal", rs, select(n, &rs_, NULL, NULL, &tv), write5,
               &p[1]);
    drain_nb(p[0]);
    SETS;
    ts = rel(3000);
    EINTR_CASE("pselect.eintr_own_signal", rs, pselect(n, &rs_, NULL, NULL, &ts, &none), write5,
               &p[1]);
    drain_nb(p[0]);
#undef SETS
#undef SOUT
#undef SARGS
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

/* ================================================================== signals and sleeps */

/* SIGALRM for the calling thread in `ms` milliseconds, from a POSIX timer aimed at it, to run
 * the program's own handler (no SA_RESTART). */
static timer_t alrm_timer;
static int alrm_timer_ok;
static void alarm_me(long ms)
{
    if (!alrm_timer_ok) {
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = SIGALRM;
        sev._sigev_un._tid = gettid();
        CHECK(timer_create(CLOCK_MONOTONIC, &sev, &alrm_timer) == 0);
        alrm_timer_ok = 1;
    }
    struct itimerspec it = {.it_value = rel(ms)};
    MARK();
    CHECK(timer_settime(alrm_timer, 0, &it, NULL) == 0);
}
static void sigusr2_main(void *p)
{
    (void)p;
    CHECK(pthread_kill(main_thread, SIGUSR2) == 0);
}
static void sigqueue_main(void *p)
{
    (void)p;
    CHECK(pthread_sigqueue(main_thread, SIGUSR2, (union sigval){.sival_int = 77}) == 0);
}
/* ms of a timespec */
static long tsms(const struct timespec *t)
{
    return t->tv_sec * 1000L + t->tv_nsec / 1000000L;
}

/* Run fn(arg) in a child process (a fork of this one, the shim included) and wait for it. */
static void in_child(void (*fn)(int), int arg)
{
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        main_thread = pthread_self();
        fn(arg);
        fflush(stdout);
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void sigwait_all_case(int c)
{
    sigset_t all;
    sigfillset(&all);
    CHECK(pthread_sigmask(SIG_SETMASK, &all, NULL) == 0);
    struct later *l;
    struct timespec ts;
    siginfo_t si;
    int sig = 0;
    memset(&si, 0, sizeof si);
    switch (c) {
    case 0:
        l = later(200, sigusr2_main, NULL);
        TCASE("sigwait.all_signals.slow", rerr, sigwait(&all, &sig), "sig=%d waited=%d", sig,
              LWAITED(200));
        later_join(l);
        break;
    case 1:
        l = later(200, sigqueue_main, NULL);
        TCASE("sigwaitinfo.all_signals.slow", rs, sigwaitinfo(&all, &si),
              "signo=%d value=%d waited=%d", si.si_signo,
              si.si_signo == SIGUSR2 ? si.si_value.sival_int : -1, LWAITED(200));
        later_join(l);
        break;
    case 2:
        ts = rel(200);
        TCASE("sigtimedwait.all_signals.eagain", rs, sigtimedwait(&all, &si, &ts), "waited=%d",
              WAITED(200));
        break;
    case 3:
        l = later(200, sigusr2_main, NULL);
        ts = rel(5000);
        TCASE("sigtimedwait.all_signals.slow", rs, sigtimedwait(&all, &si, &ts), "waited=%d",
              LWAITED(200));
        later_join(l);
        break;
    case 4: {
        /* the same through a signalfd: read() must return the program's signal */
        int sfd = signalfd(-1, &all, SFD_CLOEXEC);
        CHECK(sfd >= 0);
        struct signalfd_siginfo ssi;
        memset(&ssi, 0, sizeof ssi);
        l = later(200, sigusr2_main, NULL);
        TCASE("read.signalfd.all_signals.slow", rs, read(sfd, &ssi, sizeof ssi),
              "signo=%u waited=%d", ssi.ssi_signo, LWAITED(200));
        later_join(l);
        close(sfd);
        break;
    }
    }
}

static void sec_sigwait(void)
{
    section = "sigwait";
    sigset_t set, empty;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigemptyset(&empty);
    siginfo_t si;
    int sig;
    struct timespec ts;
    struct later *l;

    CHECK(raise(SIGUSR2) == 0);
    sig = 0;
    CASE("sigwait.pending", rerr, sigwait(&set, &sig), "sig=%d", sig);
    l = later(200, sigusr2_main, NULL);
    sig = 0;
    TCASE("sigwait.slow", rerr, sigwait(&set, &sig), "sig=%d waited=%d", sig, LWAITED(200));
    later_join(l);
    /* sigwait is not interrupted by a handler for another signal */
    n_usr1 = 0;
    {
        struct kick_then kt = {sigusr2_main, NULL};
        l = later(150, kick_then_fn, &kt);
        sig = 0;
        TCASE("sigwait.own_signal_not_eintr", rerr, sigwait(&set, &sig), "sig=%d handled=%d", sig,
              (int)n_usr1);
        later_join(l);
    }

    CHECK(pthread_sigqueue(main_thread, SIGUSR2, (union sigval){.sival_int = 77}) == 0);
    memset(&si, 0, sizeof si);
    CASE("sigwaitinfo.pending", rs, sigwaitinfo(&set, &si), "signo=%d code_queue=%d value=%d",
         si.si_signo, si.si_code == SI_QUEUE, si.si_value.sival_int);
    CHECK(raise(SIGUSR2) == 0);
    CASE("sigwaitinfo.pending.null_info", rs, sigwaitinfo(&set, NULL), NULL);
    l = later(200, sigqueue_main, NULL);
    memset(&si, 0, sizeof si);
    TCASE("sigwaitinfo.slow", rs, sigwaitinfo(&set, &si), "signo=%d value=%d waited=%d",
          si.si_signo, si.si_value.sival_int, LWAITED(200));
    later_join(l);
    EINTR_CASE("sigwaitinfo.eintr_own_signal", rs, sigwaitinfo(&set, &si), sigusr2_main, NULL);

    CHECK(raise(SIGUSR2) == 0);
    ts = rel(150);
    memset(&si, 0, sizeof si);
    CASE("sigtimedwait.pending", rs, sigtimedwait(&set, &si, &ts), "signo=%d code=%d", si.si_signo,
         si.si_code);
    ts = rel(0);
    TCASE("sigtimedwait.eagain.timeout0", rs, sigtimedwait(&set, &si, &ts), "quick=%d", QUICK);
    ts = rel(200);
    TCASE("sigtimedwait.eagain.timeout200", rs, sigtimedwait(&set, &si, &ts), "waited=%d",
          WAITED(200));
    CASE("sigtimedwait.einval", rs, sigtimedwait(&set, &si, &bad_ts), NULL);
    ts = rel(5000);
    l = later(200, sigqueue_main, NULL);
    memset(&si, 0, sizeof si);
    TCASE("sigtimedwait.slow", rs, sigtimedwait(&set, &si, &ts), "signo=%d value=%d waited=%d",
          si.si_signo, si.si_value.sival_int, LWAITED(200));
    later_join(l);
    ts = rel(3000);
    EINTR_CASE("sigtimedwait.eintr_own_signal", rs, sigtimedwait(&set, &si, &ts), sigusr2_main,
               NULL);
    ts = rel(0);
    while (sigtimedwait(&set, NULL, &ts) > 0)
        ; /* what an unblock sent, if any */

    /* every signal blocked and waited for: only the program's own signals may come out.
     * Each case runs in a fresh child process, so that what one case leaves behind (a signal
     * that is not the program's, a watchdog's state) cannot shift the next. */
    for (int c = 0; c < 5; c++)
        in_child(sigwait_all_case, c);
}

static void sec_sleep(void)
{
    section = "sleep";
    struct timespec ts, rem;
    sigset_t alrm, old;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);

    /* pause: -1 EINTR once the program's own handler ran */
    n_alrm = 0;
    alarm_me(200);
    TCASE("pause.eintr_own_sigalrm", rs, pause(), "handled=%d waited=%d", (int)n_alrm,
          LWAITED(200));
    /* sigsuspend: SIGALRM blocked, let in by the mask; the old mask comes back */
    CHECK(pthread_sigmask(SIG_BLOCK, &alrm, &old) == 0);
    n_alrm = 0;
    alarm_me(200);
    {
        sigset_t m, now;
        sigemptyset(&m);
        sigaddset(&m, SIGUSR2);
        TCASE("sigsuspend.eintr_own_sigalrm", rs, sigsuspend(&m),
              "handled=%d waited=%d mask_restored=%d", (int)n_alrm, LWAITED(200),
              (pthread_sigmask(SIG_SETMASK, NULL, &now), sigismember(&now, SIGALRM) == 1));
        /* already pending when called */
        n_alrm = 0;
        alarm_me(1);
        msleep(50);
        TCASE("sigsuspend.pending", rs, sigsuspend(&m), "handled=%d quick=%d", (int)n_alrm, QUICK);
    }
    CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);

    /* sleep: 0 when done (errno kept), the whole seconds left when our handler interrupts */
    TCASE("sleep.0", rs, sleep(0), "quick=%d", QUICK);
    TCASE("sleep.1", rs, sleep(1), "waited=%d", WAITED(1000));
    n_alrm = 0;
    alarm_me(300);
    TCASE("sleep.3.eintr_own_sigalrm", rs, sleep(3), "handled=%d waited=%d quick=%d", (int)n_alrm,
          LWAITED(300), ms < 1000);

    /* usleep */
    TCASE("usleep.200ms", rs, usleep(200000), "waited=%d", WAITED(200));
    TCASE("usleep.0", rs, usleep(0), "quick=%d", QUICK);
    n_alrm = 0;
    alarm_me(200);
    TCASE("usleep.eintr_own_sigalrm", rs, usleep(3000000), "handled=%d waited=%d quick=%d",
          (int)n_alrm, LWAITED(200), ms < 1000);

    /* nanosleep */
    ts = rel(200);
    rem = (struct timespec){-7, -7};
    TCASE("nanosleep.200ms", rs, nanosleep(&ts, &rem), "waited=%d rem_untouched=%d", WAITED(200),
          rem.tv_sec == -7 && rem.tv_nsec == -7);
    ts = rel(2000);
    rem = (struct timespec){-7, -7};
    n_alrm = 0;
    alarm_me(200);
    TCASE("nanosleep.eintr_own_sigalrm", rs, nanosleep(&ts, &rem), "handled=%d waited=%d rem_ok=%d",
          (int)n_alrm, LWAITED(200), tsms(&rem) > 0 && tsms(&rem) <= 1950);
    ts = rel(2000);
    n_alrm = 0;
    alarm_me(200);
    TCASE("nanosleep.eintr_own_sigalrm.null_rem", rs, nanosleep(&ts, NULL), "handled=%d quick=%d",
          (int)n_alrm, ms < 1000);
    CASE("nanosleep.einval.nsec", rs, nanosleep(&bad_ts, &rem), NULL);
    ts = (struct timespec){-1, 0};
    CASE("nanosleep.einval.negative", rs, nanosleep(&ts, &rem), NULL);
    CASE("nanosleep.efault", rs, nanosleep(nullp, &rem), NULL);
    ts = rel(0);
    CASE("nanosleep.zero", rs, nanosleep(&ts, NULL), NULL);

    /* clock_nanosleep: the error number is the return value, errno untouched */
    ts = rel(200);
    TCASE("clock_nanosleep.relative", rerr, clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL),
          "waited=%d", WAITED(200));
    ts = rel(200);
    rem = (struct timespec){-7, -7};
    TCASE("clock_nanosleep.realtime.relative", rerr, clock_nanosleep(CLOCK_REALTIME, 0, &ts, &rem),
          "waited=%d rem_untouched=%d", WAITED(200), rem.tv_sec == -7 && rem.tv_nsec == -7);
    ts = abs_in(CLOCK_MONOTONIC, 200);
    TCASE("clock_nanosleep.abstime", rerr,
          clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL), "waited=%d", WAITED(199));
    ts = abs_in(CLOCK_REALTIME, 200);
    TCASE("clock_nanosleep.realtime.abstime", rerr,
          clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL), "waited=%d", WAITED(199));
    ts = (struct timespec){0, 0};
    CASE("clock_nanosleep.abstime.past", rerr,
         clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL), NULL);
    CASE("clock_nanosleep.einval.nsec", rerr, clock_nanosleep(CLOCK_MONOTONIC, 0, &bad_ts, NULL),
         NULL);
    ts = rel(10);
    CASE("clock_nanosleep.einval.clock", rerr,
         clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL), NULL);
    CASE("clock_nanosleep.einval.bad_clock", rerr, clock_nanosleep((clockid_t)999, 0, &ts, NULL),
         NULL);
    ts = rel(2000);
    rem = (struct timespec){-7, -7};
    n_alrm = 0;
    alarm_me(200);
    TCASE("clock_nanosleep.eintr_own_sigalrm", rerr, clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem),
          "handled=%d waited=%d rem_ok=%d", (int)n_alrm, LWAITED(200),
          tsms(&rem) > 0 && tsms(&rem) <= 1950);
    ts = abs_in(CLOCK_MONOTONIC, 2000);
    rem = (struct timespec){-7, -7};
    n_alrm = 0;
    alarm_me(200);
    TCASE("clock_nanosleep.abstime.eintr_own_sigalrm", rerr,
          clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, &rem),
          "handled=%d waited=%d rem_untouched=%d", (int)n_alrm, LWAITED(200), rem.tv_sec == -7);

    /* thrd_sleep: 0, -1 when interrupted (rem filled), other negative on error */
    ts = rel(200);
    rem = (struct timespec){-7, -7};
    TCASE("thrd_sleep.200ms", rs, thrd_sleep(&ts, &rem), "waited=%d rem_untouched=%d", WAITED(200),
          rem.tv_sec == -7 && rem.tv_nsec == -7);
    ts = rel(2000);
    rem = (struct timespec){-7, -7};
    n_alrm = 0;
    alarm_me(200);
    TCASE("thrd_sleep.eintr_own_sigalrm", rs, thrd_sleep(&ts, &rem),
          "handled=%d waited=%d rem_ok=%d", (int)n_alrm, LWAITED(200),
          tsms(&rem) > 0 && tsms(&rem) <= 1950);
    CASE("thrd_sleep.einval", rs, thrd_sleep(&bad_ts, NULL), NULL);
    if (alrm_timer_ok)
        timer_delete(alrm_timer);
}

/* ================================================================== main */

static void *watchdog(void *arg)
{
    (void)arg;
    msleep(60000);
    fprintf(stderr, "conformance: hung in section %s\n", section);
    fflush(stdout);
    _exit(3);
}

/* ================================================================== file-system calls */

int __xstat(int ver, const char *path, struct stat *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __fxstat(int ver, int fd, struct stat *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstat64(int ver, int fd, struct stat64 *st);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags);
#define STAT_VER 1 /* _STAT_VER_LINUX on x86_64 */

/* what a stat says that does not vary between runs */
#define STF_FS "size=%lld reg=%d dir=%d lnk=%d mode=%o"
#define STA_FS(st)                                                                                 \
    (long long)(st).st_size, S_ISREG((st).st_mode), S_ISDIR((st).st_mode), S_ISLNK((st).st_mode), \
        (unsigned)((st).st_mode & 0777)

static void sec_fs(void)
{
    section = "fs";
    int bad = closed_fd();
    int fd = mkfile("fs.dat", "twelve bytes");
    char *file = tpath("fs.dat"), *link = tpath("fs.lnk"), *none = tpath("fs.none");
    CHECK(symlink(file, link) == 0);
    struct stat st;
    struct stat64 st64;
    struct statx sx;
    memset(&st, 0, sizeof st);
    memset(&st64, 0, sizeof st64);
    CASE("stat.file", rs, stat(file, &st), STF_FS, STA_FS(st));
    CASE("stat.enoent", rs, stat(none, &st), NULL);
    CASE("stat.efault", rs, stat(file, nullp), NULL);
    CASE("stat64.file", rs, stat64(file, &st64), STF_FS, STA_FS(st64));
    CASE("lstat.link", rs, lstat(link, &st), STF_FS, STA_FS(st));
    CASE("lstat.enoent", rs, lstat(none, &st), NULL);
    CASE("lstat64.link", rs, lstat64(link, &st64), STF_FS, STA_FS(st64));
    CASE("fstat.file", rs, fstat(fd, &st), STF_FS, STA_FS(st));
    CASE("fstat.ebadf", rs, fstat(bad, &st), NULL);
    CASE("fstat64.file", rs, fstat64(fd, &st64), STF_FS, STA_FS(st64));
    CASE("fstatat.file", rs, fstatat(AT_FDCWD, file, &st, 0), STF_FS, STA_FS(st));
    CASE("fstatat.nofollow", rs, fstatat(AT_FDCWD, link, &st, AT_SYMLINK_NOFOLLOW), STF_FS,
         STA_FS(st));
    CASE("fstatat.einval", rs, fstatat(AT_FDCWD, file, &st, 0x12345), NULL);
    CASE("fstatat64.file", rs, fstatat64(AT_FDCWD, file, &st64, 0), STF_FS, STA_FS(st64));
    CASE("statx.file", rs, statx(AT_FDCWD, file, 0, STATX_SIZE, &sx), "size=%lld",
         (long long)sx.stx_size);
    CASE("statx.enoent", rs, statx(AT_FDCWD, none, 0, STATX_SIZE, &sx), NULL);
    CASE("__xstat.file", rs, __xstat(STAT_VER, file, &st), STF_FS, STA_FS(st));
    CASE("__xstat.einval_ver", rs, __xstat(99, file, &st), NULL);
    CASE("__xstat64.file", rs, __xstat64(STAT_VER, file, &st64), STF_FS, STA_FS(st64));
    CASE("__lxstat.link", rs, __lxstat(STAT_VER, link, &st), STF_FS, STA_FS(st));
    CASE("__lxstat64.link", rs, __lxstat64(STAT_VER, link, &st64), STF_FS, STA_FS(st64));
    CASE("__fxstat.file", rs, __fxstat(STAT_VER, fd, &st), STF_FS, STA_FS(st));
    CASE("__fxstat.ebadf", rs, __fxstat(STAT_VER, bad, &st), NULL);
    CASE("__fxstat64.file", rs, __fxstat64(STAT_VER, fd, &st64), STF_FS, STA_FS(st64));
    CASE("__fxstatat.file", rs, __fxstatat(STAT_VER, AT_FDCWD, file, &st, 0), STF_FS, STA_FS(st));
    CASE("__fxstatat64.file", rs, __fxstatat64(STAT_VER, AT_FDCWD, file, &st64, 0), STF_FS,
         STA_FS(st64));
    CASE("access.ok", rs, access(file, R_OK | W_OK), NULL);
    CASE("access.enoent", rs, access(none, F_OK), NULL);
    CASE("access.einval", rs, access(file, 0x40), NULL);
    CASE("faccessat.ok", rs, faccessat(AT_FDCWD, file, R_OK, AT_EACCESS), NULL);
    CASE("faccessat.einval", rs, faccessat(AT_FDCWD, file, R_OK, 0x4000), NULL);
    CASE("mkdir.ok", rs, mkdir(tpath("fs.d"), 0700), NULL);
    CASE("mkdir.eexist", rs, mkdir(tpath("fs.d"), 0700), NULL);
    CASE("mkdirat.ok", rs, mkdirat(AT_FDCWD, tpath("fs.d2"), 0700), NULL);
    CASE("mkdirat.enoent", rs, mkdirat(AT_FDCWD, tpath("fs.none/x"), 0700), NULL);
    CASE("rename.ok", rs, rename(tpath("fs.d2"), tpath("fs.d3")), NULL);
    CASE("rename.enoent", rs, rename(none, tpath("fs.x")), NULL);
    CASE("renameat.ok", rs, renameat(AT_FDCWD, tpath("fs.d3"), AT_FDCWD, tpath("fs.d2")), NULL);
    CASE("renameat2.noreplace.eexist", rs,
         renameat2(AT_FDCWD, tpath("fs.d2"), AT_FDCWD, tpath("fs.d"), RENAME_NOREPLACE), NULL);
    CASE("renameat2.einval", rs,
         renameat2(AT_FDCWD, tpath("fs.d2"), AT_FDCWD, tpath("fs.d"), 0x80000), NULL);
    CASE("unlinkat.dir", rs, unlinkat(AT_FDCWD, tpath("fs.d2"), AT_REMOVEDIR), NULL);
    CASE("unlinkat.dir.eisdir_without_flag", rs, unlinkat(AT_FDCWD, tpath("fs.d"), 0), NULL);
    CASE("unlink.eisdir", rs, unlink(tpath("fs.d")), NULL);
    CASE("unlink.enoent", rs, unlink(none), NULL);
    CHECK(rmdir(tpath("fs.d")) == 0);
    CASE("truncate.ok", rs, truncate(file, 6), NULL);
    CASE("truncate.einval", rs, truncate(file, -1), NULL);
    CASE("truncate64.ok", rs, truncate64(file, 5), NULL);
    CASE("ftruncate.ok", rs, ftruncate(fd, 4), "size=%lld", (long long)lseek(fd, 0, SEEK_END));
    CASE("ftruncate.ebadf", rs, ftruncate(bad, 4), NULL);
    CASE("ftruncate64.ok", rs, ftruncate64(fd, 3), NULL);
    CASE("fallocate.ok", rs, fallocate(fd, 0, 0, 4096), NULL);
    CASE("fallocate.einval", rs, fallocate(fd, 0, 0, 0), NULL);
    CASE("fallocate64.ok", rs, fallocate64(fd, 0, 0, 8192), NULL);
    CASE("posix_fallocate.ok", rerr, posix_fallocate(fd, 0, 100), NULL);
    CASE("posix_fallocate.ebadf", rerr, posix_fallocate(bad, 0, 100), NULL);
    CASE("posix_fallocate64.einval", rerr, posix_fallocate64(fd, 0, 0), NULL);
    CASE("syncfs.ok", rs, syncfs(fd), NULL);
    CASE("syncfs.ebadf", rs, syncfs(bad), NULL);
    errno = EMAGIC;
    sync();
    report("sync", "void", errno, NULL);
    {
        void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        CHECK(m != MAP_FAILED);
        CASE("msync.ok", rs, msync(m, 4096, MS_SYNC), NULL);
        CASE("msync.einval", rs, msync((char *)m + 1, 4096, MS_SYNC), NULL);
        munmap(m, 4096);
    }
    {
        int out = mkfile("fs.copy", NULL);
        off64_t off = 0;
        CASE("copy_file_range.ok", rs, copy_file_range(fd, &off, out, NULL, 3, 0), "off=%lld",
             (long long)off);
        CASE("copy_file_range.ebadf", rs, copy_file_range(bad, NULL, out, NULL, 3, 0), NULL);
        off_t o = 0;
        CASE("sendfile.ok", rs, sendfile(out, fd, &o, 3), "off=%lld", (long long)o);
        CASE("sendfile.ebadf", rs, sendfile(bad, fd, NULL, 3), NULL);
        off64_t o64 = 0;
        CASE("sendfile64.ok", rs, sendfile64(out, fd, &o64, 2), "off=%lld", (long long)o64);
        int p[2];
        CHECK(pipe(p) == 0);
        off64_t so = 0;
        CASE("splice.file_to_pipe", rs, splice(fd, &so, p[1], NULL, 3, 0), "off=%lld",
             (long long)so);
        CASE("splice.einval", rs, splice(fd, NULL, out, NULL, 3, 0), NULL);
        /* slow: the pipe's reader waits for a writer 200 ms away */
        {
            int q[2];
            CHECK(pipe(q) == 0);
            struct later *l = later(200, write5, &q[1]);
            TCASE("splice.pipe_to_pipe.slow", rs, splice(q[0], NULL, p[1], NULL, 5, 0),
                  "waited=%d", LWAITED(200));
            later_join(l);
            close(q[0]);
            close(q[1]);
        }
        close(p[0]);
        close(p[1]);
        CASE("close.ok", rs, close(out), NULL);
    }
    CASE("close.ebadf", rs, close(bad), NULL);
    CASE("close.file", rs, close(fd), NULL);
    unlink(tpath("fs.copy"));
    unlink(link);
    unlink(file);
}

/* ================================================================== IPC */

struct msg1 {
    long type;
    char text[8];
};
static int g_semid, g_msqid;
static mqd_t g_mq;
static void sem_up_p(void *p)
{
    (void)p;
    struct sembuf up = {0, 1, 0};
    CHECK(semop(g_semid, &up, 1) == 0);
}
static void msg_send_p(void *p)
{
    (void)p;
    struct msg1 m = {1, "later"};
    CHECK(msgsnd(g_msqid, &m, sizeof m.text, 0) == 0);
}
static void mq_send_p(void *p)
{
    (void)p;
    CHECK(mq_send(g_mq, "later", 5, 1) == 0);
}

static void sec_ipc(void)
{
    section = "ipc";
    g_semid = semget(IPC_PRIVATE, 1, 0600);
    g_msqid = msgget(IPC_PRIVATE, 0600);
    CHECK(g_semid >= 0 && g_msqid >= 0);
    struct sembuf up = {0, 1, 0}, down = {0, -1, 0}, down_nw = {0, -1, IPC_NOWAIT};
    CASE("semop.up", rs, semop(g_semid, &up, 1), NULL);
    CASE("semop.down", rs, semop(g_semid, &down, 1), NULL);
    CASE("semop.eagain", rs, semop(g_semid, &down_nw, 1), NULL);
    CASE("semop.einval", rs, semop(-1, &up, 1), NULL);
    {
        struct later *l = later(200, sem_up_p, NULL);
        TCASE("semop.down.slow", rs, semop(g_semid, &down, 1), "waited=%d", LWAITED(200));
        later_join(l);
    }
    EINTR_CASE("semop.eintr_own_signal", rs, semop(g_semid, &down, 1), sem_up_p, NULL);
    struct timespec ts = rel(150);
    TCASE("semtimedop.eagain_150ms", rs, semtimedop(g_semid, &down, 1, &ts), "waited=%d",
          WAITED(150));
    {
        struct later *l = later(200, sem_up_p, NULL);
        ts = rel(5000);
        TCASE("semtimedop.down.slow", rs, semtimedop(g_semid, &down, 1, &ts), "waited=%d",
              LWAITED(200));
        later_join(l);
    }
    struct msg1 m = {1, "hello"}, in;
    CASE("msgsnd.ok", rs, msgsnd(g_msqid, &m, sizeof m.text, 0), NULL);
    CASE("msgrcv.ok", rs, msgrcv(g_msqid, &in, sizeof in.text, 0, 0), "text=%s", in.text);
    CASE("msgrcv.enomsg", rs, msgrcv(g_msqid, &in, sizeof in.text, 0, IPC_NOWAIT), NULL);
    CASE("msgsnd.einval", rs, msgsnd(-1, &m, sizeof m.text, 0), NULL);
    {
        struct later *l = later(200, msg_send_p, NULL);
        TCASE("msgrcv.slow", rs, msgrcv(g_msqid, &in, sizeof in.text, 0, 0), "text=%s waited=%d",
              in.text, LWAITED(200));
        later_join(l);
    }
    EINTR_CASE("msgrcv.eintr_own_signal", rs, msgrcv(g_msqid, &in, sizeof in.text, 0, 0),
               msg_send_p, NULL);
    while (msgrcv(g_msqid, &in, sizeof in.text, 0, IPC_NOWAIT) >= 0)
        ;
    char name[64];
    snprintf(name, sizeof name, "/conformance.%d", (int)getpid());
    struct mq_attr attr = {.mq_maxmsg = 2, .mq_msgsize = 16};
    g_mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    CHECK(g_mq != (mqd_t)-1);
    char buf[16] = {0};
    unsigned prio = 0;
    CASE("mq_send.ok", rs, mq_send(g_mq, "hi", 2, 3), NULL);
    CASE("mq_receive.ok", rs, mq_receive(g_mq, buf, sizeof buf, &prio), "prio=%u", prio);
    CASE("mq_receive.emsgsize", rs, mq_receive(g_mq, buf, 4, &prio), NULL);
    CASE("mq_send.ebadf", rs, mq_send((mqd_t)closed_fd(), "hi", 2, 0), NULL);
    struct timespec at = abs_in(CLOCK_REALTIME, 150);
    TCASE("mq_timedreceive.etimedout", rs, mq_timedreceive(g_mq, buf, sizeof buf, &prio, &at),
          "waited=%d", WAITED(150));
    {
        struct later *l = later(200, mq_send_p, NULL);
        TCASE("mq_receive.slow", rs, mq_receive(g_mq, buf, sizeof buf, &prio), "waited=%d",
              LWAITED(200));
        later_join(l);
    }
    EINTR_CASE("mq_receive.eintr_own_signal", rs, mq_receive(g_mq, buf, sizeof buf, &prio),
               mq_send_p, NULL);
    while (mq_timedreceive(g_mq, buf, sizeof buf, &prio, &at) >= 0)
        ;
    CASE("mq_timedsend.ok", rs, mq_timedsend(g_mq, "a", 1, 0, &at), NULL);
    CASE("mq_timedsend.ok2", rs, mq_timedsend(g_mq, "b", 1, 0, &at), NULL);
    at = abs_in(CLOCK_REALTIME, 150);
    TCASE("mq_timedsend.full.etimedout", rs, mq_timedsend(g_mq, "c", 1, 0, &at), "waited=%d",
          WAITED(150));
    mq_close(g_mq);
    mq_unlink(name);
    semctl(g_semid, 0, IPC_RMID);
    msgctl(g_msqid, IPC_RMID, NULL);
}

/* ================================================================== name lookups */

static void sec_lookup(void)
{
    section = "lookup";
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    CASE("getaddrinfo.numeric", rs, getaddrinfo("127.0.0.1", "80", &hints, &res), "port=%d",
         res ? ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port) : -1);
    if (res)
        freeaddrinfo(res);
    hints.ai_flags = AI_NUMERICHOST;
    res = NULL;
    CASE("getaddrinfo.eai_noname", rs, getaddrinfo("not-a-number", NULL, &hints, &res), NULL);
    CASE("getaddrinfo.eai_service", rs, getaddrinfo("127.0.0.1", "no-such-service-x", &hints, &res),
         NULL);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char host[64] = "", serv[32] = "";
    CASE("getnameinfo.numeric", rs,
         getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, serv, sizeof serv,
                     NI_NUMERICHOST | NI_NUMERICSERV),
         "host=%s serv=%s", host, serv);
    CASE("getnameinfo.eai_family", rs,
         getnameinfo((struct sockaddr *)&sin, 3, host, sizeof host, serv, sizeof serv, 0), NULL);
    CASE("gethostbyname.numeric", rs, gethostbyname("127.0.0.1") != NULL, NULL);
    CASE("gethostbyname2.numeric", rs, gethostbyname2("127.0.0.1", AF_INET) != NULL, NULL);
    {
        struct hostent he, *out = NULL;
        char buf[1024];
        int herr = 0;
        CASE("gethostbyname_r.numeric", rerr,
             gethostbyname_r("127.0.0.1", &he, buf, sizeof buf, &out, &herr), "found=%d",
             out != NULL);
        CASE("gethostbyname_r.erange", rerr,
             gethostbyname_r("127.0.0.1", &he, buf, 4, &out, &herr), NULL);
        CASE("gethostbyname2_r.numeric", rerr,
             gethostbyname2_r("127.0.0.1", AF_INET, &he, buf, sizeof buf, &out, &herr),
             "found=%d", out != NULL);
        struct in_addr lo = {htonl(INADDR_LOOPBACK)};
        CASE("gethostbyaddr_r.erange", rerr,
             gethostbyaddr_r(&lo, sizeof lo, AF_INET, &he, buf, 4, &out, &herr), NULL);
        CASE("gethostbyaddr.bad_len", rs, gethostbyaddr(&lo, 1, AF_INET) != NULL, NULL);
    }
    struct passwd *pw;
    CASE("getpwnam.root", rs, (pw = getpwnam("root")) != NULL, "uid=%d", pw ? (int)pw->pw_uid : -1);
    CASE("getpwnam.none", rs, getpwnam("no-such-user-conformance") != NULL, NULL);
    CASE("getpwuid.0", rs, (pw = getpwuid(0)) != NULL, "name=%s", pw ? pw->pw_name : "-");
    {
        struct passwd pwd, *out = NULL;
        char buf[1024];
        CASE("getpwnam_r.root", rerr, getpwnam_r("root", &pwd, buf, sizeof buf, &out), "found=%d",
             out != NULL);
        CASE("getpwnam_r.erange", rerr, getpwnam_r("root", &pwd, buf, 1, &out), NULL);
        CASE("getpwuid_r.0", rerr, getpwuid_r(0, &pwd, buf, sizeof buf, &out), "found=%d",
             out != NULL);
    }
    struct group *gr;
    CASE("getgrnam.root", rs, (gr = getgrnam("root")) != NULL, "gid=%d", gr ? (int)gr->gr_gid : -1);
    CASE("getgrgid.0", rs, (gr = getgrgid(0)) != NULL, "name=%s", gr ? gr->gr_name : "-");
    {
        struct group grp, *out = NULL;
        char buf[1024];
        CASE("getgrnam_r.root", rerr, getgrnam_r("root", &grp, buf, sizeof buf, &out), "found=%d",
             out != NULL);
        CASE("getgrgid_r.erange", rerr, getgrgid_r(0, &grp, buf, 1, &out), NULL);
        gid_t groups[64];
        int n = 64;
        CASE("getgrouplist.root", rs, getgrouplist("root", 0, groups, &n) >= 1, "n_positive=%d",
             n > 0);
        n = 0;
        CASE("getgrouplist.too_small", rs, getgrouplist("root", 0, groups, &n), NULL);
    }
    CASE("initgroups.root", rs, initgroups("root", 0), NULL);
    {
        char longname[400];
        memset(longname, 'a', sizeof longname - 1);
        longname[sizeof longname - 1] = '\0';
        unsigned char answer[512];
        CASE("res_query.too_long", rs, res_query(longname, C_IN, T_A, answer, sizeof answer),
             NULL);
        CASE("res_search.too_long", rs, res_search(longname, C_IN, T_A, answer, sizeof answer),
             NULL);
        struct __res_state st;
        memset(&st, 0, sizeof st);
        CHECK(res_ninit(&st) == 0);
        CASE("res_nquery.too_long", rs, res_nquery(&st, longname, C_IN, T_A, answer, sizeof answer),
             NULL);
        CASE("res_nsearch.too_long", rs,
             res_nsearch(&st, longname, C_IN, T_A, answer, sizeof answer), NULL);
        res_nclose(&st);
    }
}

/* ================================================================== the dynamic loader */

static void sec_loader(void)
{
    section = "loader";
    void *h = NULL;
    CASE("dlopen.libm", rs, (h = dlopen("libm.so.6", RTLD_NOW)) != NULL, NULL);
    CASE("dlopen.libm.sym", rs, h != NULL && dlsym(h, "cos") != NULL, NULL);
    CASE("dlclose.libm", rs, dlclose(h), NULL);
    CASE("dlopen.enoent", rs, dlopen("/nonexistent/libnothing.so", RTLD_NOW) != NULL, "error=%s",
         strstr(dlerror(), "No such file") ? "enoent" : "other");
    CASE("dlopen.einval_mode", rs, dlopen("libm.so.6", 0) != NULL, "error=%d", dlerror() != NULL);
    CASE("dlmopen.newlm", rs, (h = dlmopen(LM_ID_NEWLM, "libm.so.6", RTLD_NOW)) != NULL, NULL);
    if (h != NULL)
        CASE("dlclose.newlm", rs, dlclose(h), NULL);
    CASE("dlopen.self", rs, (h = dlopen(NULL, RTLD_NOW)) != NULL, NULL);
    CASE("dlclose.self", rs, dlclose(h), NULL);
}

/* ================================================================== commands */

/* ================================================================== credentials */

/* The set*id calls and setgroups, which glibc makes every thread repeat (and the shim's
 * thread steps aside for): no-ops, refusals, and, last, the group's process giving up root
 * (ret=0 as root, EPERM otherwise, the same with and without the shim). */
static void sec_creds(void)
{
    section = "creds";
    uid_t u = getuid();
    gid_t g = getgid();
    gid_t list[64];
    int n = getgroups(64, list);
    CHECK(n >= 0);
    CASE("setuid.same", rs, setuid(u), NULL);
    CASE("setuid.einval", rs, setuid((uid_t)-1), NULL);
    CASE("setgid.same", rs, setgid(g), NULL);
    CASE("setgid.einval", rs, setgid((gid_t)-1), NULL);
    CASE("seteuid.same", rs, seteuid(geteuid()), NULL);
    CASE("seteuid.einval", rs, seteuid((uid_t)-1), NULL);
    CASE("setegid.same", rs, setegid(getegid()), NULL);
    CASE("setegid.einval", rs, setegid((gid_t)-1), NULL);
    CASE("setreuid.keep", rs, setreuid((uid_t)-1, (uid_t)-1), NULL);
    CASE("setregid.keep", rs, setregid((gid_t)-1, (gid_t)-1), NULL);
    CASE("setresuid.keep", rs, setresuid((uid_t)-1, (uid_t)-1, (uid_t)-1), NULL);
    CASE("setresgid.keep", rs, setresgid((gid_t)-1, (gid_t)-1, (gid_t)-1), NULL);
    CASE("setgroups.same", rs, setgroups((size_t)n, list), NULL);
    CASE("setgroups.einval", rs, setgroups((size_t)1 << 20, list), NULL);
    CASE("setgroups.drop", rs, setgroups(0, NULL), NULL);
    CASE("setresgid.drop", rs, setresgid(65534, 65534, 65534), NULL);
    CASE("setresuid.drop", rs, setresuid(65534, 65534, 65534), NULL);
    CASE("setuid.root_after_drop", rs, setuid(0), NULL);
}

static void sec_commands(void)
{
    section = "commands";
    int st;
    CASE("system.null", rs, system(NULL) != 0, NULL);
    CASE("system.exit3", rs, st = system("exit 3"), STF, STA(st));
    /* vfork's child runs on the caller's stack and memory; its wrapper keeps the caller's
     * return address off the stack, and the child's interposed call claims nothing. */
    pid_t vp;
    CASE("vfork.exit5", rs,
         (vp = vfork()) == 0 ? (_exit(5), 0L) : (long)(waitpid(vp, &st, 0) == vp), STF, STA(st));
    CASE("vfork.child_calls", rs,
         (vp = vfork()) == 0 ? (close(-1), _exit(errno == EBADF ? 6 : 7), 0L)
                             : (long)(waitpid(vp, &st, 0) == vp),
         STF, STA(st));
    TCASE("system.sleep.slow", rs, st = system("sleep 0.2"), "waited=%d " STF, WAITED(200),
          STA(st));
    FILE *f = popen("echo hi", "r");
    CHECK(f != NULL);
    char line[16] = "";
    CHECK(fgets(line, sizeof line, f) != NULL);
    CASE("pclose.ok", rs, st = pclose(f), STF, STA(st));
    f = popen("exit 4", "r");
    CHECK(f != NULL);
    CASE("pclose.exit4", rs, st = pclose(f), STF, STA(st));
    f = popen("sleep 0.2", "r");
    CHECK(f != NULL);
    TCASE("pclose.sleep.slow", rs, st = pclose(f), "waited=%d " STF, WAITED(150), STA(st));
    int fd = mkfile("cmd.dat", NULL);
    CASE("tcdrain.enotty", rs, tcdrain(fd), NULL);
    CASE("tcdrain.ebadf", rs, tcdrain(closed_fd()), NULL);
    close(fd);
    unlink(tpath("cmd.dat"));
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0) {
        int s = open(ptsname(m), O_RDWR | O_NOCTTY);
        CHECK(s >= 0);
        CHECK(write(s, "x", 1) == 1);
        CASE("tcdrain.pty", rs, tcdrain(s), NULL);
        close(s);
    } else {
        report("tcdrain.pty", "skipped", EMAGIC, NULL);
    }
    if (m >= 0)
        close(m);
}

static void rmtree(const char *dir);

/* Groups of sections; each group runs in a child process of its own, all groups at once,
 * and the parent prints their outputs in this order. Groups share nothing but tmpdir (and
 * each uses its own file names there). */
static void grp_fdio(void)
{
    sec_fdio();
}
static void grp_files(void)
{
    sec_open();
    sec_sync();
}
static void grp_locks(void)
{
    sec_flock();
    sec_fcntl();
    sec_lockf();
}
static void grp_sockets(void)
{
    sec_sockets();
}
static void grp_mutex(void)
{
    sec_mutex();
}
static void grp_cond(void)
{
    sec_cond();
}
static void grp_threads(void)
{
    sec_join();
}
static void grp_cancel(void)
{
    sec_cancel();
}
static void grp_futex(void)
{
    sec_futex();
}
static void grp_children(void)
{
    sec_children();
}
static void grp_epoll(void)
{
    sec_epoll();
}
static void grp_poll(void)
{
    sec_poll();
}
static void grp_select(void)
{
    sec_select();
}
static void grp_sigwait(void)
{
    sec_sigwait();
}
static void grp_sleep(void)
{
    sec_sleep();
}
static void grp_fs(void)
{
    sec_fs();
}
static void grp_ipc(void)
{
    sec_ipc();
}
static void grp_lookup(void)
{
    sec_lookup();
}
static void grp_loader(void)
{
    sec_loader();
}
static void grp_commands(void)
{
    sec_commands();
}
static void grp_creds(void)
{
    sec_creds();
}

static const struct test_group {
    const char *name;
    void (*fn)(void);
} groups[] = {
    {"fdio", grp_fdio},         {"files", grp_files},     {"locks", grp_locks},
    {"sockets", grp_sockets},   {"mutex", grp_mutex},     {"cond", grp_cond},
    {"threads", grp_threads},   {"cancel", grp_cancel},   {"futex", grp_futex},
    {"children", grp_children}, {"epoll", grp_epoll},     {"poll", grp_poll},
    {"select", grp_select},     {"sigwait", grp_sigwait}, {"sleep", grp_sleep},
    {"fs", grp_fs},             {"ipc", grp_ipc},         {"lookup", grp_lookup},
    {"loader", grp_loader},     {"commands", grp_commands}, {"creds", grp_creds},
};
#define NTEST_GROUPS (sizeof groups / sizeof groups[0])

static pid_t start_group(const struct test_group *g, int *out)
{
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        CHECK(dup2(p[1], 1) == 1);
        close(p[1]);
        main_thread = pthread_self();
        section = g->name;
        pthread_t wd;
        CHECK(pthread_create(&wd, NULL, watchdog, NULL) == 0);
        CHECK(pthread_detach(wd) == 0);
        g->fn();
        fflush(stdout);
        _exit(0);
    }
    close(p[1]);
    *out = p[0];
    return pid;
}

static pid_t parent_pid;
static void cleanup_tmpdir(void)
{
    if (getpid() == parent_pid) /* not in a group that failed */
        rmtree(tmpdir);
}

/* usage: conformance [group...]   (default: every group) */
int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    main_thread = pthread_self();
    install_handlers();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/conformance.XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
    parent_pid = getpid();
    atexit(cleanup_tmpdir);

    pid_t pid[NTEST_GROUPS];
    int out[NTEST_GROUPS];
    for (size_t i = 0; i < NTEST_GROUPS; i++) {
        int want = argc < 2;
        for (int a = 1; a < argc; a++)
            want |= strcmp(argv[a], groups[i].name) == 0;
        pid[i] = want ? start_group(&groups[i], &out[i]) : 0;
    }
    int failed = 0;
    for (size_t i = 0; i < NTEST_GROUPS; i++) {
        if (pid[i] == 0)
            continue;
        FILE *f = fdopen(out[i], "r");
        CHECK(f != NULL);
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            fputs(line, stdout);
            ncases++;
        }
        fclose(f);
        int st;
        CHECK(waitpid(pid[i], &st, 0) == pid[i]);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "conformance: group %s failed (status %#x)\n", groups[i].name, st);
            failed = 1;
        }
    }

    printf("cases=%d\n", ncases);
    return failed; /* tmpdir goes at exit */
}

static void rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *de;
    char p[512];
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (unlink(p) != 0)
            fprintf(stderr, "conformance: cannot remove %s: %s\n", p, strerror(errno));
    }
    closedir(d);
    if (rmdir(dir) != 0)
        fprintf(stderr, "conformance: cannot remove %s: %s\n", dir, strerror(errno));
}
