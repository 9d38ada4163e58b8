/* date822_t.c: UTC calendar fields without glibc's time zone, and the RFC 5322 date */
#include <time.h>
#include "date822.h"
#include "t.h"

static int
same(time_t t)
{
    struct tm a, b;

    if (!date822_utc(t, &a) || !gmtime_r(&t, &b)) return 0;
    return a.tm_year == b.tm_year && a.tm_mon == b.tm_mon && a.tm_mday == b.tm_mday
        && a.tm_wday == b.tm_wday && a.tm_yday == b.tm_yday && a.tm_hour == b.tm_hour
        && a.tm_min == b.tm_min && a.tm_sec == b.tm_sec;
}

int
main(void)
{
    /* around leap days and year ends, and every 7h13m17s from 1970 to 2400 */
    static const long long edges[] = {
        0, 59, 86399, 86400, 951782399, 951782400, 951868800, 978307199,
        978307200, 1078012800, 4107542399LL, 4107542400LL, 4107628800LL,
        13569465600LL, 253402300799LL,
    };
    char s[DATE822_LEN];
    struct tm tm;
    long long t;
    size_t i, n;
    int good = 1;

    for (i = 0; i < sizeof edges / sizeof edges[0]; ++i)
        if (!same((time_t)edges[i])) good = 0;
    ok(good, "leap days, century years and year ends as gmtime_r");
    good = 1;
    for (t = 0; t < 13569465600LL; t += 259997) if (!same((time_t)t)) { good = 0; break; }
    ok(good, "every 259997 s from 1970 to 2400 as gmtime_r");
    ok(!date822_utc((time_t)-1, &tm), "before 1970: refused");
    ok(!date822_utc((time_t)253402300800LL, &tm), "year 10000: refused");
    n = date822_fmt(s, (time_t)1795888780);
    is_buf(s, n, "Sat, 28 Nov 2026 17:59:40 +0000", "date822_fmt of a known time");
    n = date822_fmt(s, (time_t)951782400);
    is_buf(s, n, "Tue, 29 Feb 2000 00:00:00 +0000", "date822_fmt on a leap day");
    return done_testing();
}
