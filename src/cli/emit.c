/* The destinations of the command's own reports (see emit.h). The command's own thread. */
#include "cli/emit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/journal.h"
#include "core/syslog_frame.h"

#define SCRATCH (256 * 1024)

static const struct sw_config *cfg;
static bool to_stdout;
static char scratch[SCRATCH];
static char message[SCRATCH];
static size_t message_len;
static char dgram[SCRATCH + 4096];
static bool failed;

static void complain(const char *what, const char *where)
{
    fprintf(stderr, "stallwatch: cannot write a report to %s: %s\n", where, what);
    failed = true;
}

void sw_emit_init(const struct sw_config *c, bool explicit_outputs)
{
    cfg = c;
    to_stdout = !explicit_outputs;
}

static void to_file(void *ctx, const char *rec, size_t len)
{
    FILE *f = ctx;
    fwrite(rec, 1, len, f);
    fputc('\n', f);
}

/* A record gathered into message (syslog: one datagram per record; journal: one entry). */
static void gather(void *ctx, const char *rec, size_t len)
{
    (void)ctx;
    if (message_len + len + 1 > sizeof message)
        return;
    if (message_len > 0)
        message[message_len++] = '\n';
    memcpy(message + message_len, rec, len);
    message_len += len;
}

static bool send_to(const char *path, const char *buf, size_t len)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof sa) ==
                             (ssize_t)len;
    int e = errno;
    if (fd >= 0)
        close(fd);
    errno = e;
    return ok;
}

static void syslog_record(void *ctx, const char *rec, size_t len)
{
    const struct sw_report *r = ctx;
    time_t now = (time_t)(r->time_ns / 1000000000u);
    struct tm tm;
    localtime_r(&now, &tm);
    size_t n = sw_syslog_frame(dgram, sizeof dgram, cfg->facility | LOG_WARNING,
                               (int64_t)now + tm.tm_gmtoff, cfg->ident, getpid(), rec, len);
    if (n > 0 && !send_to(cfg->syslog_socket, dgram, n))
        complain(strerror(errno), cfg->syslog_socket);
}

static void journal_report(const struct sw_report *r)
{
    message_len = 0;
    sw_report_emit(r, cfg->format, scratch, sizeof scratch, gather, NULL);
    struct sw_journal_field f[SW_JOURNAL_REPORT_FIELDS + 4];
    char text[128], facility[16];
    snprintf(facility, sizeof facility, "%d", cfg->facility >> 3);
    size_t n = 0;
    f[n++] = (struct sw_journal_field){"MESSAGE", message, message_len};
    f[n++] = (struct sw_journal_field){"PRIORITY", "4", 1};
    f[n++] = (struct sw_journal_field){"SYSLOG_IDENTIFIER", cfg->ident, strlen(cfg->ident)};
    f[n++] = (struct sw_journal_field){"SYSLOG_FACILITY", facility, strlen(facility)};
    n += sw_journal_report_fields(r, &f[n], text);
    size_t len = sw_journal_encode(dgram, sizeof dgram, f, n);
    if (len == 0 || !send_to(cfg->journal_socket, dgram, len))
        complain(len == 0 ? "too large" : strerror(errno), cfg->journal_socket);
}

bool sw_emit(const struct sw_report *r)
{
    failed = false;
    if (to_stdout) {
        sw_report_emit(r, cfg->format, scratch, sizeof scratch, to_file, stdout);
        fflush(stdout);
        return !ferror(stdout);
    }
    for (unsigned i = 0; i < cfg->noutputs; i++) {
        const struct sw_output *o = &cfg->outputs[i];
        switch (o->kind) {
        case SW_OUT_STDERR:
            sw_report_emit(r, cfg->format, scratch, sizeof scratch, to_file, stderr);
            break;
        case SW_OUT_FILE: {
            FILE *f = fopen(o->path, "ae");
            if (f == NULL) {
                complain(strerror(errno), o->path);
                break;
            }
            sw_report_emit(r, cfg->format, scratch, sizeof scratch, to_file, f);
            if (fclose(f) != 0)
                complain(strerror(errno), o->path);
            break;
        }
        case SW_OUT_SYSLOG:
            sw_report_emit(r, cfg->format, scratch, sizeof scratch, syslog_record, (void *)r);
            break;
        case SW_OUT_JOURNAL:
            journal_report(r);
            break;
        }
    }
    return !failed;
}
