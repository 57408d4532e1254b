/* Job-wide dumps through STALLWATCH_JOB_DIR (see jobdir.h). Watchdog thread only.
 *
 * A request is an empty-ish file named JOB+COMMUNICATOR+SEQ+CALL (each part made safe for a
 * file name: letters, digits, '.', '_' and '-'; anything else becomes '_'), created with
 * O_EXCL, holding one line saying who asked. The directory's modification time changes when
 * one is created, so a look is one stat until it does; then the directory is read with
 * getdents64 into a static buffer (no opendir: it allocates) and the first request of this
 * job not answered yet is returned. Only a process that has made an MPI call answers (not a
 * shell or helper that inherited the job's environment), only requests made since it started
 * and owned by its own user, in a directory of its own user; answered requests are
 * remembered by a hash of their name (1,024; once that many are answered, no more are: never
 * a dump without end). Nothing is ever removed from the directory: the job's files are the
 * record, and the directory belongs to the job (/dev/shm/JOB, a scratch directory of the
 * cluster). Requests are made only for communicators named alike on every rank
 * (MPI_COMM_WORLD, a name the program set): an unnamed one's handle differs from rank to
 * rank, and each waiting rank would make a request of its own. */
#include "watchdog/jobdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/large.h"
#include "hook/real.h"
#include "hook/wrap_mpi.h"
#include "watchdog/ownfd.h"
#include "watchdog/procinfo.h"

#define ANSWERED_MAX 1024
#define LOOK_NS      1000000000ull

static bool active;
static const char *dir;
static char prefix[80]; /* the job's part of a request's name, with its '+' */
static struct sw_job me;
static uint64_t next_look_ns;
static struct timespec seen_mtime;
static bool rescan = true;
SW_LARGE static uint64_t answered[ANSWERED_MAX];
static unsigned nanswered;
static struct timespec started; /* the process's start (realtime): older requests are not ours */

/* Appends s made safe for a file name, at most max bytes of it. */
static void put_safe(struct sw_buf *b, const char *s, size_t max)
{
    for (size_t i = 0; s != NULL && s[i] != '\0' && i < max; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        sw_buf_putc(b, ok ? c : '_');
    }
}

void sw_jobdir_init(const struct sw_config *cfg, const struct sw_job *job)
{
    active = cfg->job_dir[0] != '\0' && job->job[0] != '\0';
    if (!active)
        return;
    dir = cfg->job_dir;
    me = *job;
    /* The process's own start, not the watching's, which may come later. */
    if (sw_proc_start_time(&started) != 0)
        clock_gettime(CLOCK_REALTIME, &started);
    struct sw_buf b;
    sw_buf_init(&b, prefix, sizeof prefix - 1);
    put_safe(&b, job->job, 63);
    sw_buf_putc(&b, '+');
    prefix[b.len] = '\0';
}

void sw_jobdir_request(const struct sw_thread_report *t)
{
    if (!active || t->objkind != SW_OBJ_MPI || t->seq == 0 || t->communicator == NULL ||
        strncmp(t->communicator, "0x", 2) == 0)
        return;
    char path[SW_PATH_MAX + 200], line[160];
    struct sw_buf b;
    sw_buf_init(&b, path, sizeof path - 1);
    sw_buf_puts(&b, dir);
    sw_buf_putc(&b, '/');
    sw_buf_puts(&b, prefix);
    put_safe(&b, t->communicator, 48);
    sw_buf_putc(&b, '+');
    sw_buf_put_u64(&b, t->seq);
    sw_buf_putc(&b, '+');
    put_safe(&b, t->call, 32);
    path[b.len] = '\0';
    int saved = errno;
    int fd = sw_ownfd_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        sw_buf_init(&b, line, sizeof line);
        sw_buf_puts(&b, "rank=");
        sw_buf_put_u64(&b, me.rank);
        sw_buf_puts(&b, " pid=");
        sw_buf_put_i64(&b, getpid());
        sw_buf_putc(&b, '\n');
        ssize_t w = sw_real.write(fd, line, b.len);
        (void)w;
        sw_ownfd_close(fd);
    }
    rescan = true; /* our own request is answered too: the requester's other threads */
    errno = saved;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h != 0 ? h : 1;
}

static bool is_answered(uint64_t h)
{
    for (unsigned i = 0; i < nanswered; i++)
        if (answered[i] == h)
            return true;
    return false;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The first request of this job in the directory not answered yet, into out. */
static bool find_new(char *out, size_t cap)
{
    int fd = sw_ownfd_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0)
        return false;
    SW_LARGE static char buf[16384];
    size_t plen = strlen(prefix);
    bool found = false;
    for (;;) {
        ssize_t n = getdents64(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (ssize_t off = 0; off < n && !found;) {
            struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
            off += d->d_reclen;
            if (strncmp(d->d_name, prefix, plen) != 0 || strlen(d->d_name) >= cap)
                continue;
            uint64_t h = name_hash(d->d_name);
            struct stat st;
            if (is_answered(h) || nanswered == ANSWERED_MAX ||
                sw_real.fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                !S_ISREG(st.st_mode) || st.st_uid != geteuid() || before(&st.st_mtim, &started))
                continue;
            answered[nanswered++] = h;
            memcpy(out, d->d_name, strlen(d->d_name) + 1);
            found = true;
        }
        if (found)
            break;
    }
    sw_ownfd_close(fd);
    return found;
}

bool sw_jobdir_poll(uint64_t now_ns, char *out, size_t cap)
{
    if (!active || (!rescan && now_ns < next_look_ns) || !sw_mpi_used())
        return false;
    next_look_ns = now_ns + LOOK_NS;
    int saved = errno;
    struct stat st;
    /* Only a directory of our own user, that no other user may write to. */
    bool stated = sw_real.stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
                  (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
    bool changed = stated && (st.st_mtim.tv_sec != seen_mtime.tv_sec ||
                              st.st_mtim.tv_nsec != seen_mtime.tv_nsec);
    bool found = false;
    if (changed || (stated && rescan)) {
        found = find_new(out, cap);
        /* Another new one may follow: look again at the next scan, until none is left. A
         * directory changed within the last 2 s is read again at the next look (a second
         * later) anyway: a request made in the same clock tick as our read leaves its time
         * as we saw it. */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        rescan = found;
        if (!found && now.tv_sec - st.st_mtim.tv_sec >= 2)
            seen_mtime = st.st_mtim;
    }
    errno = saved;
    return found;
}
