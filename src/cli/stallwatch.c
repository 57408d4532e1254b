/* The stallwatch command: runs a program with libstallwatch.so preloaded and its options
 * turned into STALLWATCH_* variables, or (--check) tells where reports would go and what could
 * keep them from coming. An ordinary program, not part of the preloaded library.
 *
 *   stallwatch [OPTIONS] [--] COMMAND [ARGS...]
 *
 * The options that set a variable, and their lines in --help, are the rows of
 * core/settings.def that name an option. Every option value is checked with the shim's own
 * settings parser, so a value the shim would refuse is refused here, with the same words,
 * before COMMAND starts: bad usage exits 2 with one line. Otherwise COMMAND replaces this
 * process (exec), so its exit status is ours; 127 if it cannot be found, 126 if it cannot be
 * run, as env(1) and shells do. */
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

static const char usage_head[] =
    "usage: stallwatch [OPTIONS] [--] COMMAND [ARGS...]\n"
    "       stallwatch --check [OPTIONS] [COMMAND]\n"
    "       stallwatch symbolize [--debuginfod] [FILE|-]...\n"
    "       stallwatch triage [--format text|json] PATH...\n"
    "       stallwatch dump [-o DEST]... [OPTIONS] PID\n"
    "       stallwatch watch [OPTIONS] PID\n"
    "Runs COMMAND with libstallwatch.so preloaded: a thread that stops making progress is\n"
    "reported (syslog by default) with its stack, what it waits for and who holds it.\n"
    "Already running? `dump PID` reports every thread of it once (deadlocks first), `watch PID`\n"
    "watches it from outside as the shim would; both write to standard output unless -o is\n"
    "given, and take the options below.\n"
    "\n";
static const char usage_tail[] =
    "Durations: 250ms, 5s, 1.5s, 2m, 1h; off disables. Every option sets the STALLWATCH_*\n"
    "variable named beside it; see stallwatch(1) for all of them.\n";

/* The settings (core/settings.def); those with an option are the command's options. */
struct setting {
    const char *name;   /* without the STALLWATCH_ prefix */
    const char *kind;   /* "OUTPUTS": the option may be repeated */
    const char *values; /* "KEYWORD": the words --help shows */
    const char *dflt;   /* as --help shows it */
    const char *option; /* without "--"; "": no option */
    int short_name;     /* 0: none */
    const char *arg;    /* "D"; "=VALUE": takes no argument and sets VALUE */
    const char *help;
};

static const struct setting settings[] = {
#define SW_SETTING(name, kind, values, dflt, field, option, short_name, arg, help)                 \
    {#name, #kind, values, dflt, option, short_name, arg, help},
#include "core/settings.def"
#undef SW_SETTING
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

/* getopt values of the options without a one-letter form: OPT_SETTING + row for settings. */
enum {
    OPT_CHECK = 256,
    OPT_VERSION,
    OPT_SETTING = 1024,
};

static bool takes_argument(const struct setting *s)
{
    return s->arg[0] != '=';
}

/* The long options and the getopt short option string, from the table, then --check, --help
 * and --version. */
static struct option options[NSETTINGS + 4];
static char short_options[2 * NSETTINGS + 3];

static void build_options(void)
{
    size_t n = 0;
    size_t k = 0;

    /* "+": options end at COMMAND, so its own options are left alone. */
    short_options[k++] = '+';
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];

        if (s->option[0] == '\0')
            continue;
        options[n++] =
            (struct option){s->option, takes_argument(s) ? required_argument : no_argument, NULL,
                            s->short_name != 0 ? s->short_name : OPT_SETTING + (int)i};
        if (s->short_name != 0) {
            short_options[k++] = (char)s->short_name;
            if (takes_argument(s))
                short_options[k++] = ':';
        }
    }
    options[n++] = (struct option){"check", no_argument, NULL, OPT_CHECK};
    options[n++] = (struct option){"help", no_argument, NULL, 'h'};
    options[n++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
    options[n] = (struct option){NULL, 0, NULL, 0};
    short_options[k++] = 'h';
    short_options[k] = '\0';
}

/* The setting whose option getopt returned as opt, or NULL. */
static const struct setting *setting_of(int opt)
{
    if (opt >= OPT_SETTING && opt < OPT_SETTING + (int)NSETTINGS)
        return &settings[opt - OPT_SETTING];
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (settings[i].short_name != 0 && settings[i].short_name == opt)
            return &settings[i];
    }
    return NULL;
}

/* One option line of --help: "  -t, --threshold D   base threshold (STALLWATCH_THRESHOLD,
 * default: 5s)", the parenthesis on a line of its own when the line would pass 79 columns. */
static void print_option(const char *left, const char *help, const char *paren)
{
    int col = printf("  %-18s  %s", left, help);

    if (paren != NULL && col + 3 + (int)strlen(paren) > 79)
        printf("\n%22s(%s)", "", paren);
    else if (paren != NULL)
        printf(" (%s)", paren);
    putchar('\n');
}

static void print_setting_option(const struct setting *s)
{
    char left[64];
    char help[128];
    char paren[128];
    bool repeatable = strcmp(s->kind, "OUTPUTS") == 0;

    if (s->short_name != 0)
        snprintf(left, sizeof left, "-%c, --%s", s->short_name, s->option);
    else
        snprintf(left, sizeof left, "    --%s", s->option);
    snprintf(help, sizeof help, "%s", s->help);
    if (takes_argument(s)) {
        snprintf(left + strlen(left), sizeof left - strlen(left), " %s", s->arg);
        if (strcmp(s->kind, "KEYWORD") == 0)
            snprintf(help, sizeof help, "%s: %s", s->help, s->values);
        snprintf(paren, sizeof paren, "STALLWATCH_%s, default: %s%s", s->name, s->dflt,
                 repeatable ? "; repeatable" : "");
    } else {
        snprintf(paren, sizeof paren, "STALLWATCH_%s%s", s->name, s->arg);
    }
    print_option(left, help, paren);
}

/* The thresholds (DURATION settings) first, then the other options in table order. */
static void print_usage(void)
{
    fputs(usage_head, stdout);
    for (int durations = 1; durations >= 0; durations--) {
        for (size_t i = 0; i < NSETTINGS; i++) {
            if (settings[i].option[0] != '\0' &&
                (strcmp(settings[i].kind, "DURATION") == 0) == durations)
                print_setting_option(&settings[i]);
        }
    }
    print_option("    --check", "say where reports go and what could keep them from coming", NULL);
    print_option("-h, --help", "this help", NULL);
    print_option("    --version", "the version", NULL);
    fputs(usage_tail, stdout);
}

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

static void print_diag(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

/* stallwatch dump|watch [OPTIONS] PID, the options already parsed. */
static int run_attached(const char *what, int argc, char **argv, bool explicit_outputs)
{
    if (optind != argc - 1)
        fail("%s: give exactly one PID (stallwatch %s [OPTIONS] PID)", what, what);
    char *end;
    long pid = strtol(argv[optind], &end, 10);
    if (*end != '\0' || pid <= 0 || pid > 0x3fffffff)
        fail("%s: \"%s\" is not a process id", what, argv[optind]);
    /* The options have been set in our environment, over any STALLWATCH_* it had. */
    static struct sw_config cfg;
    sw_config_parse(&cfg, environ, "stallwatch", print_diag, NULL);
    if (strcmp(what, "dump") == 0)
        return sw_cli_dump((pid_t)pid, &cfg, explicit_outputs);
    return sw_cli_watch((pid_t)pid, &cfg, explicit_outputs);
}

int main(int argc, char **argv)
{
    /* The values of repeatable options, joined with commas, by row. */
    static char lists[NSETTINGS][4096];
    bool check = false;
    int opt;

    /* Subcommands come first; a program of the same name runs as `stallwatch -- NAME`. */
    if (argc > 1 && strcmp(argv[1], "symbolize") == 0)
        return sw_cli_symbolize(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "triage") == 0)
        return sw_cli_triage(argc - 1, argv + 1);
    const char *attach = NULL;
    if (argc > 1 && (strcmp(argv[1], "dump") == 0 || strcmp(argv[1], "watch") == 0)) {
        attach = argv[1];
        argc--;
        argv++;
    }

    build_options();
    while ((opt = getopt_long(argc, argv, short_options, options, NULL)) != -1) {
        const struct setting *s = setting_of(opt);

        if (s != NULL) {
            char option[64];
            char *list = lists[s - settings];
            const char *value = takes_argument(s) ? optarg : s->arg + 1;

            snprintf(option, sizeof option, "--%s", s->option);
            if (strcmp(s->kind, "OUTPUTS") != 0) {
                set(option, s->name, value);
                continue;
            }
            if (strlen(list) + strlen(value) + 2 > sizeof lists[0])
                fail("%s: too many destinations", option);
            if (list[0] != '\0')
                strcat(list, ",");
            strcat(list, value);
            check_value(option, s->name, value);
            continue;
        }
        switch (opt) {
        case OPT_CHECK:
            check = true;
            break;
        case 'h':
            print_usage();
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
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (lists[i][0] != '\0') {
            char option[64];

            snprintf(option, sizeof option, "--%s", settings[i].option);
            set(option, settings[i].name, lists[i]);
        }
    }

    if (attach != NULL)
        return run_attached(attach, argc, argv, getenv("STALLWATCH_OUTPUT") != NULL);

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
