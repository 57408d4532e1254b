/* Report delivery. Watchdog only (but see sw_output_stderr_line).
 *
 * syslog: a fresh SOCK_DGRAM|SOCK_CLOEXEC socket per report, connected to the configured path,
 * one datagram per record in glibc's framing (or RFC 5424 with structured data), sent with
 * MSG_DONTWAIT; closed before returning, so no descriptor of ours outlives the report (a
 * daemon that closes every fd at start-up and reuses the numbers cannot collide with us).
 * journal: one entry per report in journald's native protocol on a fresh socket the same way:
 * the whole report as MESSAGE plus fields to query; an entry too big for a datagram goes in
 * a sealed memfd passed with SCM_RIGHTS, as sd_journal_send does. stderr and files get one
 * writev per record, the record and its newline together. Files are opened per report with
 * O_APPEND|O_CLOEXEC|O_NOFOLLOW and created 0600. */
#include "watchdog/output.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/journal.h"
#include "core/large.h"
#include "core/syslog_frame.h"
#include "hook/real.h"
#include "watchdog/errout.h"
#include "watchdog/ownfd.h"

#define SW_RENDER_SCRATCH   (256 * 1024)
#define SW_SEVERITY_WARNING 4

/* The SD-ID of RFC 5424 records: "name@PEN" needs an IANA private enterprise number; we have
 * none, so this is the one RFC 5612 reserves for documentation (see docs/design.md). */
#define SW_SD_ID "stallwatch@32473"

static const struct sw_config *cfg;
static long tz_offset_s;
static char hostname[65];
static bool syslog_note_given, journal_note_given;
static bool file_note_given[SW_MAX_OUTPUTS];

void sw_output_init(const struct sw_config *c)
{
    cfg = c;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t now = ts.tv_sec;
    struct tm tm;
    if (localtime_r(&now, &tm) != NULL)
        tz_offset_s = tm.tm_gmtoff;
    struct utsname u;
    if (c->syslog_rfc5424 && uname(&u) == 0)
        memcpy(hostname, u.nodename, strnlen(u.nodename, sizeof hostname - 1));
}

void sw_output_stderr_line(const char *line)
{
    sw_errout_line(line);
}

static void write_all(int fd, const char *rec, size_t len)
{
    struct iovec iov[2] = {{(void *)rec, len}, {"\n", 1}};
    size_t total = len + 1, done = 0;
    while (done < total) {
        ssize_t n = sw_real.writev(fd, iov, 2);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += (size_t)n;
        /* Advance the iovecs past what was written. */
        size_t k = (size_t)n;
        for (int i = 0; i < 2; i++) {
            size_t step = k < iov[i].iov_len ? k : iov[i].iov_len;
            iov[i].iov_base = (char *)iov[i].iov_base + step;
            iov[i].iov_len -= step;
            k -= step;
        }
    }
}

struct sink {
    int fd;     /* the file, the syslog or journal socket, or stderr's (see fd_is_err); -1 none */
    bool fd_is_err; /* fd came from sw_errout_open */
    int err_fd; /* where the rest goes when syslog stops taking records; -2: not opened yet */
    bool is_syslog;
    bool is_journal; /* records are gathered into message[], sent as one entry at the end */
    bool failed;     /* syslog stopped taking records: the rest went to stderr */
    const struct sw_report *r;
    int64_t local_s;
    size_t message_len;
    char dgram[SW_RENDER_SCRATCH + 4096];
    char message[SW_RENDER_SCRATCH];
};

SW_LARGE static struct sink sink;

static void note_socket_trouble(bool journal, const char *why, int err)
{
    bool *given = journal ? &journal_note_given : &syslog_note_given;
    if (*given)
        return;
    *given = true;
    char line[512];
    struct sw_buf b;
    sw_buf_init(&b, line, sizeof line);
    sw_buf_puts(&b, journal ? "stallwatch: journal socket " : "stallwatch: syslog socket ");
    sw_buf_puts(&b, journal ? cfg->journal_socket : cfg->syslog_socket);
    sw_buf_puts(&b, " ");
    sw_buf_puts(&b, why);
    sw_buf_puts(&b, " (");
    /* strerrordesc_np: untranslated, so no gettext lock is taken. */
    sw_buf_puts(&b, strerrordesc_np(err) != NULL ? strerrordesc_np(err) : "unknown error");
    sw_buf_puts(&b, "); reports go to stderr");
    sw_output_stderr_line(line);
}

static void note_file_trouble(unsigned i, const char *path, int err)
{
    if (file_note_given[i])
        return;
    file_note_given[i] = true;
    char line[512];
    struct sw_buf b;
    sw_buf_init(&b, line, sizeof line);
    sw_buf_puts(&b, "stallwatch: cannot open ");
    sw_buf_put_text_esc(&b, path, strlen(path));
    sw_buf_puts(&b, " (");
    sw_buf_puts(&b, strerrordesc_np(err) != NULL ? strerrordesc_np(err) : "unknown error");
    sw_buf_puts(&b, "); reports go to stderr");
    sw_output_stderr_line(line);
}

static bool send_dgram(int fd, const char *d, size_t len)
{
    /* A full socket buffer: give the daemon a moment (up to ~100 ms), never block on it. */
    for (int attempt = 0; attempt < 100; attempt++) {
        ssize_t n = sw_real.send(fd, d, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0)
            return true;
        if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
            return false;
        struct timespec ts = {0, 1000000};
        sw_real.nanosleep(&ts, NULL);
    }
    errno = EAGAIN;
    return false;
}

/* One RFC 5424 record: the report's identity as structured data, the event as MSGID. */
static size_t frame5424(struct sink *s, const char *rec, size_t len)
{
    const struct sw_report *r = s->r;
    const struct sw_thread_report *t = r->nthreads > 0 ? &r->threads[0] : NULL;
    char num[3][24];
    struct sw_buf b;
    sw_buf_init(&b, num[0], sizeof num[0]);
    sw_buf_put_u64(&b, r->number);
    sw_buf_putc(&b, '\0');
    sw_buf_init(&b, num[1], sizeof num[1]);
    sw_buf_put_i64(&b, t != NULL ? t->tid : 0);
    sw_buf_putc(&b, '\0');
    sw_buf_init(&b, num[2], sizeof num[2]);
    sw_buf_put_u64(&b, r->stall_report);
    sw_buf_putc(&b, '\0');
    const struct sw_sd_param params[] = {
        {"report", num[0]},
        {"event", r->event},
        {"stall_report", r->stall_report != 0 ? num[2] : NULL},
        {"tid", t != NULL ? num[1] : NULL},
        {"thread", t != NULL ? t->name : NULL},
        {"call", t != NULL ? t->call : NULL},
        {"fingerprint", r->fingerprint},
    };
    return sw_syslog_frame5424(s->dgram, sizeof s->dgram, cfg->facility | SW_SEVERITY_WARNING,
                               r->time_ns, tz_offset_s, hostname, cfg->ident, getpid(), r->event,
                               SW_SD_ID, params, sizeof params / sizeof params[0], rec, len);
}

static void on_record(void *ctx, const char *rec, size_t len)
{
    struct sink *s = ctx;
    if (s->is_journal) {
        /* Text records are lines of one message; a JSON report is one record. */
        size_t room = sizeof s->message - s->message_len;
        size_t need = len + (s->message_len > 0 ? 1 : 0);
        if (need <= room) {
            if (s->message_len > 0)
                s->message[s->message_len++] = '\n';
            memcpy(s->message + s->message_len, rec, len);
            s->message_len += len;
        }
        return;
    }
    if (s->is_syslog && !s->failed) {
        size_t n = cfg->syslog_rfc5424
                       ? frame5424(s, rec, len)
                       : sw_syslog_frame(s->dgram, sizeof s->dgram,
                                         cfg->facility | SW_SEVERITY_WARNING, s->local_s,
                                         cfg->ident, getpid(), rec, len);
        if (n > 0 && send_dgram(s->fd, s->dgram, n))
            return;
        note_socket_trouble(false, "stopped taking records", errno);
        s->failed = true;
    }
    int fd = s->fd;
    if (s->is_syslog) {
        if (s->err_fd == -2)
            s->err_fd = sw_errout_open();
        fd = s->err_fd;
    }
    if (fd >= 0)
        write_all(fd, rec, len);
}

static int open_socket(bool journal)
{
    const char *path = journal ? cfg->journal_socket : cfg->syslog_socket;
    int fd = sw_ownfd_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        note_socket_trouble(journal, "cannot be used", errno);
        return -1;
    }
    sink.fd = fd;
    sink.fd_is_err = false;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    /* The config guarantees the path fits sun_path with its NUL. */
    memcpy(sa.sun_path, path, strnlen(path, sizeof sa.sun_path - 1));
    if (sw_real.connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        sink.fd = -1;
        sw_ownfd_close(fd);
        note_socket_trouble(journal, "does not answer", e);
        return -1;
    }
    return fd;
}

/* An entry too big for one datagram: written to a sealed memfd whose descriptor is passed
 * with SCM_RIGHTS and no data, which journald reads as the entry. */
static bool send_memfd(int sock, const char *entry, size_t len)
{
    sw_ownfd_begin();
    int fd = sw_ownfd_end(memfd_create("stallwatch-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < len) {
        ssize_t n = sw_real.write(fd, entry + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    bool ok = done == len &&
              sw_real.fcntl(fd, F_ADD_SEALS,
                            F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
    if (ok) {
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int))];
        } control;
        memset(&control, 0, sizeof control);
        struct msghdr mh = {.msg_control = control.buf, .msg_controllen = sizeof control.buf};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
        ok = sw_real.sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0;
    }
    sw_ownfd_close(fd);
    return ok;
}

/* Sends the gathered report as one journal entry; false (errno set) if journald took none. */
static bool send_journal(struct sink *s)
{
    struct sw_journal_field f[SW_JOURNAL_REPORT_FIELDS + 5];
    char text[128], priority[2] = {(char)('0' + SW_SEVERITY_WARNING), '\0'}, facility[8];
    struct sw_buf b;
    sw_buf_init(&b, facility, sizeof facility);
    sw_buf_put_u64(&b, (uint64_t)(cfg->facility >> 3));
    sw_buf_putc(&b, '\0');
    size_t n = 0;
    f[n++] = (struct sw_journal_field){"MESSAGE", s->message, s->message_len};
    f[n++] = (struct sw_journal_field){"PRIORITY", priority, 1};
    f[n++] = (struct sw_journal_field){"SYSLOG_IDENTIFIER", cfg->ident, strlen(cfg->ident)};
    f[n++] = (struct sw_journal_field){"SYSLOG_FACILITY", facility, strlen(facility)};
    n += sw_journal_report_fields(s->r, &f[n], text);
    size_t len = sw_journal_encode(s->dgram, sizeof s->dgram, f, n);
    if (len == 0) {
        errno = EMSGSIZE;
        return false;
    }
    if (send_dgram(s->fd, s->dgram, len))
        return true;
    if (errno != EMSGSIZE && errno != ENOBUFS)
        return false;
    return send_memfd(s->fd, s->dgram, len);
}

/* Opens the destination o for one report: a socket, a file, or stderr's descriptor (stderr,
 * or what stands in for it; also where a destination that cannot be opened sends its
 * report). */
static void open_sink(unsigned i, const struct sw_output *o, const struct sw_report *r)
{
    sink.is_syslog = false;
    sink.is_journal = false;
    sink.failed = false;
    sink.r = r;
    sink.message_len = 0;
    sink.err_fd = -2;
    sink.fd = -1;
    sink.fd_is_err = false;
    switch (o->kind) {
    case SW_OUT_SYSLOG:
    case SW_OUT_JOURNAL:
        sink.local_s = (int64_t)(r->time_ns / 1000000000u) + tz_offset_s;
        sink.fd = open_socket(o->kind == SW_OUT_JOURNAL);
        sink.is_syslog = sink.fd >= 0 && o->kind == SW_OUT_SYSLOG;
        sink.is_journal = sink.fd >= 0 && o->kind == SW_OUT_JOURNAL;
        break;
    case SW_OUT_STDERR:
        break;
    case SW_OUT_FILE:
        sink.fd_is_err = false;
        /* O_NONBLOCK for the open only: a FIFO without a reader must not hold the watchdog,
         * nor a fork of the program waiting for this open to be recorded (ownfd.c). */
        sink.fd = sw_ownfd_open(o->path,
                                O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
                                0600);
        if (sink.fd < 0)
            note_file_trouble(i, o->path, errno);
        else
            sw_real.fcntl(sink.fd, F_SETFL, O_WRONLY | O_APPEND);
        break;
    }
    if (sink.fd < 0) {
        sink.fd_is_err = true; /* before the descriptor is: a fork child leaves it to errout */
        sink.fd = sw_errout_open();
    }
}

static void close_own_fd(void)
{
    int fd = sink.fd;
    sink.fd = -1;
    sw_ownfd_close(fd);
}

static void close_sink(void)
{
    if (sink.fd_is_err) {
        int fd = sink.fd;
        sink.fd = -1;
        sw_errout_close(fd);
    } else {
        close_own_fd();
    }
    if (sink.err_fd >= 0)
        sw_errout_close(sink.err_fd);
}

void sw_output_report(const struct sw_report *r)
{
    SW_LARGE static char scratch[SW_RENDER_SCRATCH];
    for (unsigned i = 0; i < cfg->noutputs; i++) {
        open_sink(i, &cfg->outputs[i], r);
        if (sink.fd < 0)
            continue; /* not even stderr's stand-in: dropped, and counted there */
        sw_report_emit(r, cfg->format, scratch, sizeof scratch, on_record, &sink);
        if (sink.is_journal && !send_journal(&sink)) {
            /* journald took nothing: the whole report goes to stderr. */
            note_socket_trouble(true, "did not take the report", errno);
            sink.is_journal = false;
            close_own_fd();
            sink.fd = sw_errout_open();
            sink.fd_is_err = true;
            if (sink.fd >= 0)
                sw_report_emit(r, cfg->format, scratch, sizeof scratch, on_record, &sink);
        }
        close_sink();
    }
}

void sw_output_after_fork_child(void)
{
    /* A report was being written when the program forked: its file or socket is closed by
     * sw_ownfd_fork_child; only the number is forgotten here. */
    sink.fd = -1;
    sink.err_fd = -1;
}
