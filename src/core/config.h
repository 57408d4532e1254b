/* Private: the STALLWATCH_* settings, parsed once from the environment into an immutable
 * struct. Parsing is pure (an envp array in, a struct and diagnostic lines out); it runs in
 * the constructor and in unit tests. */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calls.h"
#include "core/glob.h"
#include "core/report.h"

#define SW_MAX_OUTPUTS 4
#define SW_PATH_MAX    256

enum sw_output_kind {
    SW_OUT_SYSLOG = 0,
    SW_OUT_STDERR,
    SW_OUT_FILE,
    SW_OUT_JOURNAL, /* journald's native protocol */
};

struct sw_output {
    enum sw_output_kind kind;
    char path[SW_PATH_MAX]; /* SW_OUT_FILE only */
};

struct sw_config {
    bool disabled;         /* STALLWATCH_DISABLE=1 */
    uint64_t threshold_ns; /* STALLWATCH_THRESHOLD; 0: off */
    /* Per-class thresholds, 0: off, indexed by sw_class; BUSY is STALLWATCH_BUSY, HEARTBEAT
     * and SCOPE have none (their limits come from the base threshold and the API). */
    uint64_t class_ns[SW_CLASS_COUNT];
    struct sw_globs heartbeat; /* STALLWATCH_HEARTBEAT */
    struct sw_globs watch;     /* STALLWATCH_WATCH; empty: all threads */
    struct sw_globs ignore;    /* STALLWATCH_IGNORE; empty: none */
    struct sw_output outputs[SW_MAX_OUTPUTS];
    unsigned noutputs;       /* >= 1 */
    enum sw_format format;   /* STALLWATCH_FORMAT */
    char syslog_socket[108]; /* STALLWATCH_SYSLOG_SOCKET, fits sun_path */
    bool syslog_rfc5424;     /* STALLWATCH_SYSLOG_FORMAT=rfc5424 (else RFC 3164, glibc's) */
    char journal_socket[108]; /* STALLWATCH_JOURNAL_SOCKET, fits sun_path */
    int facility;            /* STALLWATCH_FACILITY as LOG_* value (LOG_USER...) */
    char ident[64];          /* STALLWATCH_IDENT; default: the program name */
    unsigned frames;         /* STALLWATCH_FRAMES, 1..SW_FRAMES_MAX */
    bool debuginfod;         /* STALLWATCH_DEBUGINFOD=1 */
    uint64_t repeat_ns;      /* STALLWATCH_REPEAT: first still-stalled after; 0: report once */
    unsigned rate_per_min;   /* STALLWATCH_RATE: reports a minute at most; 0: no limit */
    uint64_t deadlock_ns;    /* STALLWATCH_DEADLOCK: cycle stable this long; 0: not detected */
    bool all_threads;        /* STALLWATCH_ALL_THREADS=1 */
    bool action_abort;       /* STALLWATCH_ACTION=abort */
    bool kernel_look;        /* STALLWATCH_KERNEL=1: the kernel fallback (core/kernel.h) */
    uint64_t symbolize_timeout_ns; /* STALLWATCH_SYMBOLIZE_TIMEOUT per report; 0: no limit */
    /* STALLWATCH_SYMBOLIZER: the symbolizer program's path; "": the one installed beside
     * the library; "off": none (reports carry raw frames) */
    char symbolizer[SW_PATH_MAX];
    char job_dir[SW_PATH_MAX]; /* STALLWATCH_JOB_DIR; "" when off */
};

#define SW_FRAMES_MAX 256

/* Receives one complete diagnostic line without the trailing newline, e.g.
 * stallwatch: STALLWATCH_LOCK="-3s" is not a duration (e.g. 500ms, 5s, 2m, off); using 5s */
typedef void (*sw_diag_fn)(void *ctx, const char *line);

/* Fills c from the STALLWATCH_* entries of envp (NULL-terminated "NAME=value" strings; other
 * entries are ignored). progname is the default ident. Every bad value and every unknown
 * STALLWATCH_* name produces exactly one diag line and the default (or the documented
 * fallback) is used; parsing never fails. */
void sw_config_parse(struct sw_config *c, char *const *envp, const char *progname, sw_diag_fn diag,
                     void *ctx);

/* Secure-execution mode (AT_SECURE: setuid, setgid, capabilities): the environment belongs to
 * a less privileged user, so nothing it sets may make the program write a file, run a program
 * or reach the network: file outputs are dropped (syslog stays, or is used if nothing is
 * left), the syslog and journal sockets go back to their defaults, debuginfod is turned off
 * and no symbolizer is started (raw frames). One diag line says what was ignored, if anything
 * was. */
void sw_config_secure(struct sw_config *c, sw_diag_fn diag, void *ctx);

/* "250ms", "5s", "1.5s", "2m", "1h", "7" (seconds), "off" or "0" (-> 0). Returns 0 and sets
 * *ns, or -EINVAL for anything else (empty, negative, junk, overflow). */
int sw_parse_duration(const char *s, uint64_t *ns);

/* Shortest exact spelling of a duration for messages: "off", "250ms", "5s", "1.5s", "2m". */
void sw_format_duration(uint64_t ns, char *out, size_t cap);

#endif
