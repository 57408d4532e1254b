/* Private: parsers of the /proc task files the watchdog reads of its own threads
 * (watchdog/procinfo.c) and the command of an attached process's: the stat line and the
 * syscall line. Pure; any context. */
#ifndef SW_PROCPARSE_H
#define SW_PROCPARSE_H

#include <stdbool.h>
#include <stdint.h>

/* A task's stat line ("tid (comm) S ... utime stime ..."; comm may hold spaces and
 * parentheses): its state letter and CPU time (utime + stime, clock ticks). */
bool sw_parse_stat(char *line, char *state, uint64_t *ticks);

/* A task's stat line: when it started (field 22, clock ticks after boot). */
bool sw_parse_stat_start(char *line, uint64_t *ticks);

/* A task's syscall line: "nr a1 .. a6 sp pc" (blocked in system call nr), "-1 sp pc" (blocked
 * outside one: nr -1, args 0) or "running" (-EAGAIN). 0 or -errno. */
int sw_parse_syscall(const char *line, long *nr, uint64_t args[6], uint64_t *sp, uint64_t *pc);

#endif
