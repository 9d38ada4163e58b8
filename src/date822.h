/* date822.h: RFC 5322 date-time strings, in UTC */
#ifndef KIRIM_DATE822_H
#define KIRIM_DATE822_H
#include <time.h>

#define DATE822_LEN 40
/* "Sat, 28 Nov 2026 07:10:37 +0000"; returns length, no NUL */
size_t date822_fmt(char *s, time_t t);

/* t as UTC calendar fields (tm_year, tm_mon, tm_mday, tm_wday, tm_yday,
   tm_hour, tm_min, tm_sec), like gmtime_r but without glibc's time-zone
   set-up, which reads /etc/localtime in every process that calls it.
   Returns 0 for t before 1970 or after 9999 */
int date822_utc(time_t t, struct tm *tm);

#endif
