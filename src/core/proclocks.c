/* File lock holders from /proc/locks (see proclocks.h). Pure; any context. */
#include "core/proclocks.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* OFD locks (F_OFD_SETLKW) are listed as OFDLCK; they count for fcntl waiters too. */
const char *sw_proclocks_type(enum sw_call call)
{
    switch (call) {
    case SW_CALL_FLOCK:
        return "FLOCK";
    case SW_CALL_FCNTL:
    case SW_CALL_FCNTL64:
    case SW_CALL_LOCKF:
    case SW_CALL_LOCKF64:
        return "POSIX";
    default:
        return NULL;
    }
}

/* Parses "  <pid> <maj>:<min>:<ino> ..." after the type words of one /proc/locks line. */
static bool parse_holder(const char *p, long *pid, unsigned *maj, unsigned *min, uint64_t *ino)
{
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || *end != ' ')
        return false;
    *pid = v;
    p = end + 1;
    unsigned long a = strtoul(p, &end, 16);
    if (end == p || *end != ':')
        return false;
    p = end + 1;
    unsigned long b = strtoul(p, &end, 16);
    if (end == p || *end != ':')
        return false;
    p = end + 1;
    unsigned long long c = strtoull(p, &end, 10);
    if (end == p)
        return false;
    *maj = (unsigned)a;
    *min = (unsigned)b;
    *ino = c;
    return true;
}

/* One line of /proc/locks: its number, whether it is a waiter ("N: -> ..."), and, when its
 * type is type (OFD locks count as POSIX), its pid and file. */
struct lockline {
    long number, pid;
    bool waiter;
    unsigned maj, min;
    uint64_t ino;
};

static bool parse_line(const char *line, const char *type, struct lockline *l)
{
    char *end;
    l->number = strtol(line, &end, 10);
    if (end == line || *end != ':')
        return false;
    const char *p = end + 1;
    while (*p == ' ')
        p++;
    l->waiter = strncmp(p, "->", 2) == 0;
    if (l->waiter) {
        p += 2;
        while (*p == ' ')
            p++;
    }
    bool match = strncmp(p, type, strlen(type)) == 0 ||
                 (strcmp(type, "POSIX") == 0 && strncmp(p, "OFDLCK", 6) == 0);
    if (!match)
        return false;
    /* Skip the type, the kind (ADVISORY/MANDATORY) and the mode. */
    for (int words = 0; words < 3 && p != NULL; words++) {
        p = strchr(p, ' ');
        while (p != NULL && *p == ' ')
            p++;
    }
    return p != NULL && parse_holder(p, &l->pid, &l->maj, &l->min, &l->ino);
}

pid_t sw_proclocks_holder(const char *text, const char *type, unsigned dev_major,
                          unsigned dev_minor, uint64_t file_ino, pid_t waiter)
{
    /* The kernel lists each held lock, then the requests it blocks ("N: -> ..."), with the
     * same N: the waiter's line names the lock it waits for. Without one, the first lock on
     * the file held by another process. */
    long number = -1;
    pid_t any = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (const char *line = text; line != NULL && *line != '\0';) {
            const char *nl = strchr(line, '\n');
            struct lockline l;
            if (parse_line(line, type, &l) && l.maj == dev_major && l.min == dev_minor &&
                l.ino == file_ino) {
                if (pass == 0 && l.waiter && l.pid == waiter && number < 0)
                    number = l.number;
                else if (pass == 0 && !l.waiter && l.pid > 0 && l.pid != waiter && any == 0)
                    any = (pid_t)l.pid;
                else if (pass == 1 && !l.waiter && l.number == number)
                    return l.pid > 0 ? (pid_t)l.pid : 0;
            }
            line = nl != NULL ? nl + 1 : NULL;
        }
        if (number < 0)
            return any;
    }
    return 0;
}
