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

pid_t sw_proclocks_holder(char *text, const char *type, unsigned dev_major, unsigned dev_minor,
                          uint64_t file_ino)
{
    pid_t found = 0;
    for (char *line = text; line != NULL && *line != '\0' && found == 0;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        /* "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters have "->" after "1:". */
        char *p = strchr(line, ':');
        if (p != NULL) {
            p++;
            while (*p == ' ')
                p++;
            bool waiter = strncmp(p, "->", 2) == 0;
            bool match = strncmp(p, type, strlen(type)) == 0 ||
                         (strcmp(type, "POSIX") == 0 && strncmp(p, "OFDLCK", 6) == 0);
            if (!waiter && match) {
                /* Skip the type, the kind (ADVISORY/MANDATORY) and the mode. */
                for (int words = 0; words < 3 && p != NULL; words++) {
                    p = strchr(p, ' ');
                    while (p != NULL && *p == ' ')
                        p++;
                }
                long pid;
                unsigned maj, min;
                uint64_t ino;
                if (p != NULL && parse_holder(p, &pid, &maj, &min, &ino) &&
                    maj == dev_major && min == dev_minor && ino == file_ino &&
                    pid > 0)
                    found = (pid_t)pid;
            }
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    return found;
}
