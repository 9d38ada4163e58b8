/* date822.c: RFC 5322 date-time strings in UTC, without stdio or locale */
#include "fmt.h"
#include "date822.h"

static const char days[] = "SunMonTueWedThuFriSat";
static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static size_t
two(char *s, int v)
{
    s[0] = (char)('0' + v / 10 % 10);
    s[1] = (char)('0' + v % 10);
    return 2;
}

size_t
date822_fmt(char *s, time_t t)
{
    struct tm tm;
    size_t n = 0;

    if (!gmtime_r(&t, &tm)) { tm.tm_year = 70; tm.tm_mon = 0; tm.tm_mday = 1;
        tm.tm_wday = 4; tm.tm_hour = tm.tm_min = tm.tm_sec = 0; }
    s[n++] = days[tm.tm_wday * 3];
    s[n++] = days[tm.tm_wday * 3 + 1];
    s[n++] = days[tm.tm_wday * 3 + 2];
    s[n++] = ',';
    s[n++] = ' ';
    n += fmt_ulong(s + n, (unsigned long)tm.tm_mday);
    s[n++] = ' ';
    s[n++] = months[tm.tm_mon * 3];
    s[n++] = months[tm.tm_mon * 3 + 1];
    s[n++] = months[tm.tm_mon * 3 + 2];
    s[n++] = ' ';
    n += fmt_ulong(s + n, (unsigned long)tm.tm_year + 1900);
    s[n++] = ' ';
    n += two(s + n, tm.tm_hour);
    s[n++] = ':';
    n += two(s + n, tm.tm_min);
    s[n++] = ':';
    n += two(s + n, tm.tm_sec);
    s[n++] = ' ';
    s[n++] = '+';
    n += two(s + n, 0);
    n += two(s + n, 0);
    return n;
}
