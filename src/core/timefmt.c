/* Calendar arithmetic and ISO 8601 timestamps by integer arithmetic only, so the watchdog
 * never calls gmtime/localtime (tzset takes a lock and may read files). Any context; pure.
 *
 * The date algorithm is Howard Hinnant's civil_from_days: shift the year to start on March 1
 * so the leap day is the last day of the year, then split days into 400-year eras of
 * 146097 days. It is exact for the whole proleptic Gregorian calendar, negative times
 * included. */
#include "core/timefmt.h"

#include <limits.h>

/* Floor division and the matching non-negative remainder, without overflow for any a. */
static int64_t floor_div(int64_t a, int64_t d, int64_t *rem)
{
    int64_t q = a / d;
    int64_t r = a % d;

    if (r < 0) {
        r += d;
        q -= 1;
    }
    *rem = r;
    return q;
}

void sw_civil_from_unix(int64_t unix_s, struct sw_civil *out)
{
    int64_t sod; /* second of the day, 0..86399 */
    int64_t days = floor_div(unix_s, 86400, &sod);
    int64_t doe;               /* day of the era, 0..146096 */
    int64_t z = days + 719468; /* days since 0000-03-01; |days| < 2^47 */
    int64_t era = floor_div(z, 146097, &doe);
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* 0 = March */
    int64_t year = yoe + era * 400 + (mp >= 10);

    /* Years beyond int only come from nonsense input (|t| > 6.7e16 s); saturate them. */
    if (year > INT_MAX)
        year = INT_MAX;
    if (year < INT_MIN)
        year = INT_MIN;
    out->year = (int)year;
    out->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    out->hour = (int)(sod / 3600);
    out->min = (int)(sod / 60 % 60);
    out->sec = (int)(sod % 60);
}

/* Writes v zero-padded to exactly width digits (v must fit) and returns the end. */
static char *put_dec(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

void sw_time_iso8601(uint64_t unix_ns, char out[32])
{
    struct sw_civil c;
    char *p = out;

    /* uint64_t nanoseconds end in 2554, so the year always has four digits. */
    sw_civil_from_unix((int64_t)(unix_ns / 1000000000u), &c);
    p = put_dec(p, (unsigned)c.year, 4);
    *p++ = '-';
    p = put_dec(p, (unsigned)c.month, 2);
    *p++ = '-';
    p = put_dec(p, (unsigned)c.day, 2);
    *p++ = 'T';
    p = put_dec(p, (unsigned)c.hour, 2);
    *p++ = ':';
    p = put_dec(p, (unsigned)c.min, 2);
    *p++ = ':';
    p = put_dec(p, (unsigned)c.sec, 2);
    *p++ = '.';
    p = put_dec(p, (unsigned)(unix_ns / 1000000u % 1000u), 3); /* truncated, not rounded */
    *p++ = 'Z';
    *p = '\0';
}
