/* Private: where the lines and reports meant for stderr go. To descriptor 2 only while it is
 * still the stderr the process started with (same device and inode as the constructor saw):
 * a daemon that closed 0-2 and reopened its data files has one of them there, and a report
 * written into it would corrupt it. Otherwise to a stand-in file, DIR/stallwatch-IDENT.PID.log
 * (DIR: $XDG_RUNTIME_DIR, else /tmp), created 0600 without following a symlink and used only
 * while it is a regular file of ours that no one else can read. The first time the stand-in
 * takes something, one line says so on the original stderr's file if it can still be opened
 * by name (a terminal, a log file), and the stand-in starts with the same line.
 *
 * sw_errout_init: constructor; sw_errout_start: the start of the watching (any thread);
 * sw_errout_line: any thread (it opens, writes and closes); sw_errout_open/close: watchdog. */
#ifndef SW_ERROUT_H
#define SW_ERROUT_H

#include <stdbool.h>
#include <stddef.h>

/* Records what descriptor 2 is now and where the stand-in would be. runtime_dir may be NULL
 * (or not absolute: ignored). */
void sw_errout_init(const char *ident, const char *runtime_dir);

/* At the start of the watching, in the process it starts in (a fork child's too): the
 * stand-in's name with this process's pid, and its one line not yet written. */
void sw_errout_start(void);

/* A descriptor to write stderr's records to: 2 while it is the original stderr, else the
 * stand-in, opened now; -1 when neither can be had (the record is dropped and counted).
 * Preserves errno. */
int sw_errout_open(void);

/* Closes what sw_errout_open returned unless it is 2. Preserves errno. */
void sw_errout_close(int fd);

/* One line and a newline, in one write, to where stderr's records go now. Before
 * sw_errout_init (settings diagnostics in the constructor), to descriptor 2. Preserves
 * errno. */
void sw_errout_line(const char *line);

/* The stand-in's path, for --check and tests (empty before sw_errout_init). */
const char *sw_errout_standin(void);

/* Records dropped because neither stderr nor the stand-in could take them. */
unsigned sw_errout_dropped(void);

#endif
