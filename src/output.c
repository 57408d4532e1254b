/* Report delivery. Watchdog only (but see sw_output_stderr_line).
 *
 * syslog: a fresh SOCK_DGRAM|SOCK_CLOEXEC socket per report, connected to the configured path,
 * one datagram per record in glibc's framing, sent with MSG_DONTWAIT; closed before returning,
 * so no descriptor of ours outlives the report (a daemon that closes every fd at start-up and
 * reuses the numbers cannot collide with us). stderr and files get one writev per record, the
 * record and its newline together. Files are opened per report with O_APPEND|O_CLOEXEC|
 * O_NOFOLLOW and created 0600. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "real.h"
#include "syslog_frame.h"

#define SW_RENDER_SCRATCH   (256 * 1024)
#define SW_SEVERITY_WARNING 4

static const struct sw_config *cfg;
static long tz_offset_s;
static bool syslog_note_given;
static bool file_note_given[SW_MAX_OUTPUTS];

void sw_output_init(const struct sw_config *c)
{
    cfg = c;
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm) != NULL)
        tz_offset_s = tm.tm_gmtoff;
}

void sw_output_stderr_line(const char *line)
{
    int saved = errno;
    struct iovec iov[2] = {{(void *)line, strlen(line)}, {"\n", 1}};
    sw_real.writev(STDERR_FILENO, iov, 2);
    errno = saved;
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
    int fd; /* stderr, file, or the syslog socket */
    bool is_syslog;
    bool failed; /* syslog stopped taking records: the rest went to stderr */
    int64_t local_s;
    char dgram[SW_RENDER_SCRATCH + 512];
};

static struct sink sink;

static void note_syslog_trouble(const char *why, int err)
{
    if (syslog_note_given)
        return;
    syslog_note_given = true;
    char line[512];
    struct sw_buf b;
    sw_buf_init(&b, line, sizeof line);
    sw_buf_puts(&b, "stallwatch: syslog socket ");
    sw_buf_puts(&b, cfg->syslog_socket);
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

static void on_record(void *ctx, const char *rec, size_t len)
{
    struct sink *s = ctx;
    if (s->is_syslog && !s->failed) {
        size_t n = sw_syslog_frame(s->dgram, sizeof s->dgram, cfg->facility | SW_SEVERITY_WARNING,
                                   s->local_s, cfg->ident, getpid(), rec, len);
        if (n > 0 && send_dgram(s->fd, s->dgram, n))
            return;
        note_syslog_trouble("stopped taking records", errno);
        s->failed = true;
    }
    write_all(s->is_syslog ? STDERR_FILENO : s->fd, rec, len);
}

static int open_syslog(void)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        note_syslog_trouble("cannot be used", errno);
        return -1;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    /* The config guarantees the path fits sun_path with its NUL. */
    memcpy(sa.sun_path, cfg->syslog_socket, strnlen(cfg->syslog_socket, sizeof sa.sun_path - 1));
    if (sw_real.connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        note_syslog_trouble("does not answer", e);
        return -1;
    }
    return fd;
}

void sw_output_report(const struct sw_report *r)
{
    static char scratch[SW_RENDER_SCRATCH];
    for (unsigned i = 0; i < cfg->noutputs; i++) {
        const struct sw_output *o = &cfg->outputs[i];
        sink.is_syslog = false;
        sink.failed = false;
        switch (o->kind) {
        case SW_OUT_SYSLOG:
            sink.local_s = (int64_t)(r->time_ns / 1000000000u) + tz_offset_s;
            sink.fd = open_syslog();
            sink.is_syslog = sink.fd >= 0;
            if (sink.fd < 0)
                sink.fd = STDERR_FILENO;
            break;
        case SW_OUT_STDERR:
            sink.fd = STDERR_FILENO;
            break;
        case SW_OUT_FILE:
            sink.fd =
                sw_real.open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
            if (sink.fd < 0) {
                note_file_trouble(i, o->path, errno);
                sink.fd = STDERR_FILENO;
            }
            break;
        }
        sw_report_emit(r, cfg->format, scratch, sizeof scratch, on_record, &sink);
        if (sink.fd != STDERR_FILENO)
            close(sink.fd);
    }
}
