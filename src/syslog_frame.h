/* Private: glibc-compatible syslog datagram framing. Pure; any context. */
#ifndef SW_SYSLOG_FRAME_H
#define SW_SYSLOG_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MSG" into out (NUL-terminated) and returns its
 * length, or 0 if cap is too small for the header (the message itself is cut to fit).
 * pri = facility | severity (e.g. LOG_USER | LOG_WARNING = 12). local_s is the local time in
 * seconds since the epoch (UTC time plus the zone offset, computed by the caller); the day
 * is space-padded as glibc does ("Nov  7"). ident is copied with any character outside
 * printable ASCII, and '[', ']', ':' and ' ', replaced by '_'. Newlines in msg are replaced
 * by spaces: one datagram is one log record. */
size_t sw_syslog_frame(char *out, size_t cap, int pri, int64_t local_s, const char *ident,
                       pid_t pid, const char *msg, size_t msg_len);

#endif
