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

static int
leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
date822_utc(time_t t, struct tm *tm)
{
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    long days, y = 1970, len;
    int m = 0, ml;

    if (t < 0 || t >= (time_t)253402300800LL) return 0;   /* 10000-01-01 */
    days = (long)(t / 86400);
    t %= 86400;
    tm->tm_hour = (int)(t / 3600);
    tm->tm_min = (int)(t / 60 % 60);
    tm->tm_sec = (int)(t % 60);
    tm->tm_wday = (int)((days + 4) % 7);        /* 1970-01-01 was a Thursday */
    for (;;) {
        len = leap(y) ? 366 : 365;
        if (days < len) break;
        days -= len;
        ++y;
    }
    tm->tm_year = (int)(y - 1900);
    tm->tm_yday = (int)days;
    for (;;) {
        ml = mdays[m] + (m == 1 && leap(y));
        if (days < ml) break;
        days -= ml;
        ++m;
    }
    tm->tm_mon = m;
    tm->tm_mday = (int)days + 1;
    tm->tm_isdst = 0;
    return 1;
}

size_t
date822_fmt(char *s, time_t t)
{
    struct tm tm;
    size_t n = 0;

    if (!date822_utc(t, &tm)) { tm.tm_year = 70; tm.tm_mon = 0; tm.tm_mday = 1;
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
