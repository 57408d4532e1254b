/* Private: delivering rendered reports to syslog, stderr and files. Watchdog only, except
 * sw_output_init (the start of the watching) and sw_output_stderr_line (any thread: one
 * write(2)).
 * Nothing here uses stdio or syslog(3), keeps a descriptor open across program code, or
 * blocks on a full syslog socket. */
#ifndef SW_OUTPUT_H
#define SW_OUTPUT_H

#include <sys/types.h>

#include "core/config.h"
#include "core/report.h"

/* Remembers the destinations and computes the local time offset for syslog timestamps (the
 * start of the watching, on a program thread, may call localtime_r, which reads the time zone
 * file and allocates; the watchdog never does, and a process that never watches pays for
 * none of it). */
void sw_output_init(const struct sw_config *cfg);

/* Renders r in the configured format and writes it to every destination. When syslog cannot
 * take it (no socket, refused, full), the report goes to stderr instead, with a one-time note
 * saying why. */
void sw_output_report(const struct sw_report *r);

/* Writes one line plus a newline to stderr with a single write(2). Preserves errno. */
void sw_output_stderr_line(const char *line);

/* In a fork child (a few stores): forgets the descriptors of a report being written when the
 * program forked (sw_ownfd_fork_child closes them). */
void sw_output_after_fork_child(void);

#endif
