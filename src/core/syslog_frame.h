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

/* One SD-PARAM of a structured-data element: name="value". A NULL value leaves the
 * parameter out. */
struct sw_sd_param {
    const char *name;
    const char *value;
};

/* Writes an RFC 5424 record into out (NUL-terminated) and returns its length, or 0 if cap is
 * too small for the header and structured data (the message itself is cut to fit):
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID p="v" ...] MSG
 * TIMESTAMP is RFC 3339 with microseconds and the zone offset (time_ns: UTC nanoseconds since
 * the epoch; tz_offset_s: the local zone's offset). HOSTNAME (<= 255), APP-NAME (<= 48) and
 * MSGID (<= 32) are printable ASCII without spaces: other bytes become '_', empty or NULL
 * ones the nil value "-". SD-PARAM values escape '"', '\' and ']' with '\' and are cut
 * at 128 bytes (never inside a UTF-8 sequence). Newlines in msg become spaces. */
size_t sw_syslog_frame5424(char *out, size_t cap, int pri, uint64_t time_ns, long tz_offset_s,
                           const char *hostname, const char *app, pid_t pid, const char *msgid,
                           const char *sd_id, const struct sw_sd_param *params, size_t nparams,
                           const char *msg, size_t msg_len);

#endif
