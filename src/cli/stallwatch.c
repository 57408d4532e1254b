/* The stallwatch command: runs a program with libstallwatch.so preloaded and its options
 * turned into STALLWATCH_* variables, or (--check) tells where reports would go and what could
 * keep them from coming. An ordinary program, not part of the preloaded library.
 *
 *   stallwatch [OPTIONS] [--] COMMAND [ARGS...]
 *
 * Every option value is checked with the shim's own settings parser, so a value the shim
 * would refuse is refused here, with the same words, before COMMAND starts: bad usage exits 2
 * with one line. Otherwise COMMAND replaces this process (exec), so its exit status is ours;
 * 127 if it cannot be found, 126 if it cannot be run, as env(1) and shells do. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/config.h"

#ifndef SW_VERSION
#define SW_VERSION "unknown"
#endif

static const char usage[] =
    "usage: stallwatch [OPTIONS] [--] COMMAND [ARGS...]\n"
    "       stallwatch --check [OPTIONS] [COMMAND]\n"
    "Runs COMMAND with libstallwatch.so preloaded: a thread that stops making progress is\n"
    "reported (syslog by default) with its stack, what it waits for and who holds it.\n"
    "\n"
    "  -t, --threshold D   base threshold (STALLWATCH_THRESHOLD, default 5s)\n"
    "      --lock D        waiting for locks (STALLWATCH_LOCK, default: the threshold)\n"
    "      --disk D        file and block-device I/O (STALLWATCH_DISK, default: the threshold)\n"
    "      --peer D        sockets, pipes, terminals, children (STALLWATCH_PEER, default off)\n"
    "      --wait D        condvars, semaphores, joins (STALLWATCH_WAIT, default off)\n"
    "      --idle D        poll, epoll, sleep, accept (STALLWATCH_IDLE, default off)\n"
    "      --busy D        running without any call (STALLWATCH_BUSY, default off)\n"
    "      --heartbeat G   threads (name globs, \"main\") that must keep completing calls\n"
    "  -o, --output DEST   syslog, stderr, journal or file:/abs/path; repeatable\n"
    "      --format F      text or json\n"
    "      --all-threads   show every thread in each report\n"
    "      --abort         abort (core dump) after the first report\n"
    "      --frames N      frames per stack at most (1-256)\n"
    "      --check         say where reports go and what could keep them from coming\n"
    "  -h, --help          this help\n"
    "      --version       the version\n"
    "Durations: 250ms, 5s, 1.5s, 2m, 1h; off disables. Every option sets the STALLWATCH_*\n"
    "variable named beside it; see stallwatch(1) for all of them.\n";

enum {
    OPT_LOCK = 256,
    OPT_DISK,
    OPT_PEER,
    OPT_WAIT,
    OPT_IDLE,
    OPT_BUSY,
    OPT_HEARTBEAT,
    OPT_FORMAT,
    OPT_ALL_THREADS,
    OPT_ABORT,
    OPT_FRAMES,
    OPT_CHECK,
    OPT_VERSION,
};

static const struct option options[] = {
    {"threshold", required_argument, NULL, 't'},
    {"lock", required_argument, NULL, OPT_LOCK},
    {"disk", required_argument, NULL, OPT_DISK},
    {"peer", required_argument, NULL, OPT_PEER},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"idle", required_argument, NULL, OPT_IDLE},
    {"busy", required_argument, NULL, OPT_BUSY},
    {"heartbeat", required_argument, NULL, OPT_HEARTBEAT},
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"all-threads", no_argument, NULL, OPT_ALL_THREADS},
    {"abort", no_argument, NULL, OPT_ABORT},
    {"frames", required_argument, NULL, OPT_FRAMES},
    {"check", no_argument, NULL, OPT_CHECK},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Exits 2 with one line on stderr. */
__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("stallwatch: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    exit(2);
}

struct check_ctx {
    const char *option;
    char line[1024];
    int lines;
};

static void capture_diag(void *ctx, const char *line)
{
    struct check_ctx *c = ctx;
    if (c->lines++ == 0)
        snprintf(c->line, sizeof c->line, "%s", line);
}

/* Checks one option's value with the shim's parser; on a bad value exits 2 with the parser's
 * own explanation, naming the option instead of the variable. */
static void check_value(const char *option, const char *var, const char *value)
{
    char entry[4096];
    snprintf(entry, sizeof entry, "STALLWATCH_%s=%s", var, value);
    char *envp[] = {entry, NULL};
    struct check_ctx c = {.option = option};
    struct sw_config cfg;
    sw_config_parse(&cfg, envp, "stallwatch", capture_diag, &c);
    if (c.lines == 0)
        return;
    /* "stallwatch: STALLWATCH_LOCK="-3s" is not a duration (...); using 5s" becomes
     * "stallwatch: --lock "-3s" is not a duration (...)". */
    const char *what = strchr(c.line, '=');
    char *using = strstr(c.line, "; using ");
    if (using != NULL)
        *using = '\0';
    fail("%s %s", option, what != NULL ? what + 1 : c.line);
}

static void set(const char *option, const char *var, const char *value)
{
    check_value(option, var, value);
    char name[64];
    snprintf(name, sizeof name, "STALLWATCH_%s", var);
    if (setenv(name, value, 1) != 0)
        fail("cannot set %s: %s", name, strerror(errno));
}

int main(int argc, char **argv)
{
    char outputs[4096] = "";
    bool check = false;
    int opt;
    /* "+": options end at COMMAND, so its own options are left alone. */
    while ((opt = getopt_long(argc, argv, "+t:o:h", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            set("--threshold", "THRESHOLD", optarg);
            break;
        case OPT_LOCK:
            set("--lock", "LOCK", optarg);
            break;
        case OPT_DISK:
            set("--disk", "DISK", optarg);
            break;
        case OPT_PEER:
            set("--peer", "PEER", optarg);
            break;
        case OPT_WAIT:
            set("--wait", "WAIT", optarg);
            break;
        case OPT_IDLE:
            set("--idle", "IDLE", optarg);
            break;
        case OPT_BUSY:
            set("--busy", "BUSY", optarg);
            break;
        case OPT_HEARTBEAT:
            set("--heartbeat", "HEARTBEAT", optarg);
            break;
        case 'o':
            if (strlen(outputs) + strlen(optarg) + 2 > sizeof outputs)
                fail("--output: too many destinations");
            if (outputs[0] != '\0')
                strcat(outputs, ",");
            strcat(outputs, optarg);
            check_value("--output", "OUTPUT", optarg);
            break;
        case OPT_FORMAT:
            set("--format", "FORMAT", optarg);
            break;
        case OPT_ALL_THREADS:
            set("--all-threads", "ALL_THREADS", "1");
            break;
        case OPT_ABORT:
            set("--abort", "ACTION", "abort");
            break;
        case OPT_FRAMES:
            set("--frames", "FRAMES", optarg);
            break;
        case OPT_CHECK:
            check = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_VERSION:
            printf("stallwatch %s\n", SW_VERSION);
            return 0;
        default:
            /* getopt has said what was wrong. */
            fputs("stallwatch: try stallwatch --help\n", stderr);
            return 2;
        }
    }
    if (outputs[0] != '\0')
        set("--output", "OUTPUT", outputs);

    char lib[PATH_MAX];
    bool have_lib = sw_cli_find_library(lib, sizeof lib) == 0;
    if (check)
        return sw_cli_check(have_lib ? lib : NULL, optind < argc ? argv[optind] : NULL);
    if (optind >= argc)
        fail("no command given (stallwatch [OPTIONS] [--] COMMAND [ARGS...])");
    if (!have_lib)
        fail("libstallwatch.so not found beside %s (looked in %s)", "the stallwatch command",
             lib);

    /* Added to any LD_PRELOAD already set, last: preloads that must come first (sanitizer
     * runtimes) stay first, and others interpose in front of us and reach us through the
     * usual chain. */
    const char *old = getenv("LD_PRELOAD");
    char preload[PATH_MAX * 4];
    if (old != NULL && old[0] != '\0')
        snprintf(preload, sizeof preload, "%s %s", old, lib);
    else
        snprintf(preload, sizeof preload, "%s", lib);
    setenv("LD_PRELOAD", preload, 1);
    execvp(argv[optind], argv + optind);
    int e = errno;
    fprintf(stderr, "stallwatch: cannot run %s: %s\n", argv[optind], strerror(e));
    return e == ENOENT ? 127 : 126;
}
