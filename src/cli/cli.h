/* Private to the stallwatch command (src/cli): finding the library, --check, symbolize. */
#ifndef SW_CLI_H
#define SW_CLI_H

#include <stddef.h>

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

#endif
