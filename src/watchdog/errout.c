/* Stderr, and its stand-in once the program has put something else on descriptor 2 (see
 * errout.h). The constructor records descriptor 2's identity; every later use compares it
 * with one fstat, so the cost is one system call per report written to stderr. No descriptor
 * of ours outlives a call. */
#include "watchdog/errout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/buf.h"
#include "hook/real.h"
#include "watchdog/ownfd.h"

#define PATH_BYTES 512

static bool ready;
static bool orig_open;  /* descriptor 2 was open at start */
static dev_t orig_dev;
static ino_t orig_ino;
static char orig_path[PATH_BYTES]; /* its file by name, if it has one ("/dev/pts/3") */
static char dir[PATH_BYTES];
static char ident[64];
static char standin[PATH_BYTES];
static _Atomic bool announced;
static _Atomic unsigned dropped;

static bool is_original(int fd)
{
    struct stat st;
    return orig_open && sw_real.fstat(fd, &st) == 0 && st.st_dev == orig_dev && st.st_ino == orig_ino;
}

static void make_standin_path(void)
{
    struct sw_buf b;
    sw_buf_init(&b, standin, sizeof standin);
    sw_buf_puts(&b, dir);
    sw_buf_puts(&b, "/stallwatch-");
    sw_buf_puts(&b, ident);
    sw_buf_putc(&b, '.');
    sw_buf_put_u64(&b, (uint64_t)getpid());
    sw_buf_puts(&b, ".log");
    sw_buf_putc(&b, '\0');
    if (b.overflow)
        standin[0] = '\0';
}

void sw_errout_init(const char *id, const char *runtime_dir)
{
    struct stat st;
    orig_open = sw_real.fstat(STDERR_FILENO, &st) == 0;
    orig_dev = st.st_dev;
    orig_ino = st.st_ino;
    /* Its name, for a file or a terminal only: a pipe's or a socket's cannot be opened, and
     * the look at /proc costs every process started tens of microseconds. */
    bool named = orig_open && (S_ISREG(st.st_mode) ||
                               (S_ISCHR(st.st_mode) && st.st_rdev != makedev(1, 3)));
    ssize_t n = named ? readlink("/proc/self/fd/2", orig_path, sizeof orig_path - 1) : -1;
    orig_path[n > 0 && orig_path[0] == '/' ? n : 0] = '\0';
    bool usable = runtime_dir != NULL && runtime_dir[0] == '/' &&
                  strlen(runtime_dir) < sizeof dir - 128;
    memcpy(dir, usable ? runtime_dir : "/tmp", strlen(usable ? runtime_dir : "/tmp") + 1);
    size_t k = strnlen(id, sizeof ident - 1);
    memcpy(ident, id, k);
    ident[k] = '\0';
    ready = true; /* the stand-in's name is made at its first need, or at the watching's start */
}

void sw_errout_start(void)
{
    if (!ready)
        return;
    make_standin_path();
    atomic_store(&announced, false);
}

const char *sw_errout_standin(void)
{
    if (standin[0] == '\0' && ready)
        make_standin_path();
    return standin;
}

unsigned sw_errout_dropped(void)
{
    return atomic_load(&dropped);
}

static void write_line(int fd, const char *line)
{
    struct iovec iov[2] = {{(void *)line, strlen(line)}, {"\n", 1}};
    sw_real.writev(fd, iov, 2);
}

/* Opens the stand-in: a regular file of ours that only we can read, never through a link. */
static int open_standin(void)
{
    if (standin[0] == '\0' && ready)
        make_standin_path(); /* a line from the constructor's thread, before any start */
    if (standin[0] == '\0')
        return -1;
    int fd = sw_ownfd_open(standin, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
                                       O_NOCTTY | O_NONBLOCK,
                          0600);
    if (fd < 0)
        return -1;
    struct stat st;
    if (sw_real.fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        sw_ownfd_close(fd);
        return -1;
    }
    return fd;
}

/* Once per process: where stderr's records go from now on, on the original stderr's file if
 * it can still be opened by name, and at the top of the stand-in. */
static void announce(int fd)
{
    bool expected = false;
    if (!atomic_compare_exchange_strong(&announced, &expected, true))
        return;
    char line[PATH_BYTES + 160];
    struct sw_buf b;
    sw_buf_init(&b, line, sizeof line - 1);
    sw_buf_puts(&b, "stallwatch: descriptor 2 is no longer the stderr this process started "
                    "with; reports meant for stderr go to ");
    sw_buf_puts(&b, standin);
    line[b.len] = '\0';
    write_line(fd, line);
    if (orig_path[0] == '\0')
        return;
    int o = sw_ownfd_open(orig_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
                                          O_NONBLOCK,
                          0);
    if (o < 0)
        return;
    if (is_original(o))
        write_line(o, line);
    sw_ownfd_close(o);
}

int sw_errout_open(void)
{
    int saved = errno;
    int fd = STDERR_FILENO;
    if (ready && !is_original(STDERR_FILENO)) {
        fd = open_standin();
        if (fd >= 0)
            announce(fd);
        else
            atomic_fetch_add(&dropped, 1);
    }
    errno = saved;
    return fd;
}

void sw_errout_close(int fd)
{
    int saved = errno;
    if (fd >= 0 && fd != STDERR_FILENO)
        sw_ownfd_close(fd);
    errno = saved;
}

void sw_errout_line(const char *line)
{
    sw_real_ensure(); /* a line from the constructor, before any wrapper ran */
    int fd = sw_errout_open();
    if (fd < 0)
        return;
    int saved = errno;
    write_line(fd, line);
    errno = saved;
    sw_errout_close(fd);
}
