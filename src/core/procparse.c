/* Parsers of /proc task files (see procparse.h). Pure; any context. */
#include "core/procparse.h"

#include <errno.h>
#include <string.h>

/* The stat line is "tid (comm) S ...": comm may hold spaces and parentheses, so fields are
 * counted from the last ')'. Returns a pointer to field 3 (the state), or NULL. */
static const char *stat_fields(char *line)
{
    char *p = strrchr(line, ')');
    if (p == NULL || p[1] != ' ')
        return NULL;
    return p + 2;
}

static bool parse_u64(const char **p, uint64_t *v, int base)
{
    const char *s = *p;
    uint64_t x = 0;
    int digits = 0;
    for (;; s++, digits++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            break;
        x = x * (uint64_t)base + (uint64_t)d;
    }
    if (digits == 0)
        return false;
    *v = x;
    *p = s;
    return true;
}

bool sw_parse_stat(char *line, char *state, uint64_t *ticks)
{
    const char *p = stat_fields(line);
    if (p == NULL || *p == '\0')
        return false;
    *state = *p;
    /* Fields from 3 (state): utime and stime are fields 14 and 15. */
    for (int field = 3; field < 14; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return false;
        p++;
    }
    uint64_t ut, st;
    if (!parse_u64(&p, &ut, 10) || *p++ != ' ' || !parse_u64(&p, &st, 10))
        return false;
    *ticks = ut + st;
    return true;
}

bool sw_parse_stat_start(char *line, uint64_t *ticks)
{
    const char *p = stat_fields(line);
    if (p == NULL || *p == '\0')
        return false;
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return false;
        p++;
    }
    return parse_u64(&p, ticks, 10) && (*p == ' ' || *p == '\n' || *p == '\0');
}

int sw_parse_syscall(const char *line, long *nr, uint64_t args[6], uint64_t *sp, uint64_t *pc)
{
    /* "nr a1 a2 a3 a4 a5 a6 sp pc", "-1 sp pc" (blocked, not in a syscall) or "running". */
    if (strncmp(line, "running", 7) == 0)
        return -EAGAIN;
    const char *p = line;
    bool neg = *p == '-';
    if (neg)
        p++;
    uint64_t num;
    if (!parse_u64(&p, &num, 10))
        return -EINVAL;
    uint64_t v[8];
    int k = 0;
    while (k < 8 && *p == ' ') {
        p++;
        if (p[0] == '0' && p[1] == 'x')
            p += 2;
        if (!parse_u64(&p, &v[k], 16))
            return -EINVAL;
        k++;
    }
    if (k != (neg ? 2 : 8))
        return -EINVAL;
    *nr = neg ? -(long)num : (long)num;
    for (int i = 0; i < 6; i++)
        args[i] = k == 8 ? v[i] : 0;
    *sp = v[k - 2];
    *pc = v[k - 1];
    return 0;
}
