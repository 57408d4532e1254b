/* Private to the stallwatch command (src/cli): finding the library, --check, symbolize, and
 * the commands for a process started without the shim (dump, watch). */
#ifndef SW_CLI_H
#define SW_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/config.h"
#include "core/report.h"

/* The libstallwatch.so that belongs to this command: beside it (a build tree), or where the
 * install put it relative to the command (SW_BIN_TO_LIB). 0, or -1 with out holding the last
 * place looked at. */
int sw_cli_find_library(char *out, size_t cap);

/* Prints the effective settings, the capture signal, each report destination and whether it
 * answers, and whether debuginfo is available for command (a path or a name found in PATH;
 * NULL: the C library and the C++ runtime) and the libraries it loads. Returns 0 when nothing
 * stands in the way of reports, 1 when something does. */
int sw_cli_check(const char *lib, const char *command);

/* stallwatch symbolize (argv[0] is "symbolize"): names the raw frames of reports. Returns the
 * exit status. */
int sw_cli_symbolize(int argc, char **argv);

/* stallwatch triage (argv[0] is "triage"): groups reports by fingerprint. Returns the exit
 * status. */
int sw_cli_triage(int argc, char **argv);

/* stallwatch dump PID: reports every thread of pid (deadlocks first) to cfg's outputs, or to
 * standard output when none were given. Returns the exit status. */
int sw_cli_dump(pid_t pid, const struct sw_config *cfg, bool explicit_outputs);

/* stallwatch watch PID: the watchdog from outside, until pid exits or SIGINT/SIGTERM. Returns
 * the exit status. */
int sw_cli_watch(pid_t pid, const struct sw_config *cfg, bool explicit_outputs);

struct sw_snap;

/* A report of event about s, numbered in order, "attached": true. */
void sw_cli_report_base(const struct sw_snap *s, const char *event, struct sw_report *r);

/* The deadlock through entry start of s, unless one of its members is already in reported[]:
 * its members into out (start first, then role "cycle", each with its owner), all marked
 * reported, and the combined fingerprint into fp; the number of members, 0 if none. */
unsigned sw_cli_deadlock(const struct sw_snap *s, unsigned start, bool *reported,
                         struct sw_thread_report *out, char fp[17]);

#endif
