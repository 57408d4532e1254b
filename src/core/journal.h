/* Private: systemd-journald's native protocol, encoding only. Pure; any context. */
#ifndef SW_JOURNAL_H
#define SW_JOURNAL_H

#include <stddef.h>

#include "core/report.h"

struct sw_journal_field {
    const char *name;  /* upper case, digits and '_', not starting with '_' */
    const char *value; /* NULL: the field is left out */
    size_t len;        /* bytes of value */
};

/* Encodes the fields as one journal entry: "NAME=value\n" for a value without a newline,
 * "NAME\n" + 64-bit little-endian length + value + "\n" otherwise (the value may then hold
 * any byte). Returns the entry's length, or 0 if it does not fit in cap. */
size_t sw_journal_encode(char *out, size_t cap, const struct sw_journal_field *fields, size_t n);

/* The fields a fleet queries, from a report: STALLWATCH_EVENT, STALLWATCH_REPORT,
 * STALLWATCH_STALL_REPORT, STALLWATCH_FINGERPRINT, STALLWATCH_HOST, STALLWATCH_JOB,
 * STALLWATCH_RANK, STALLWATCH_TID, STALLWATCH_THREAD, STALLWATCH_CALL,
 * STALLWATCH_CLASS, STALLWATCH_WAITED_MS, and CODE_FUNC, CODE_FILE,
 * CODE_LINE from the stalled thread's innermost frame outside the C library and the dynamic
 * loader that has a function name. Values point into r or into text (numbers are written
 * there; 128 bytes). Returns how many fields were filled (at most SW_JOURNAL_REPORT_FIELDS);
 * absent ones have a NULL value. */
#define SW_JOURNAL_REPORT_FIELDS 15
size_t sw_journal_report_fields(const struct sw_report *r, struct sw_journal_field *out,
                                char text[128]);

/* The frame CODE_FUNC names (see above), or NULL. */
const struct sw_frame *sw_journal_code_frame(const struct sw_thread_report *t);

#endif
