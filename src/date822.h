/* date822.h: RFC 5322 date-time strings, in UTC */
#ifndef KIRIM_DATE822_H
#define KIRIM_DATE822_H
#include <time.h>

#define DATE822_LEN 40
/* "Sat, 28 Nov 2026 07:10:37 +0000"; returns length, no NUL */
size_t date822_fmt(char *s, time_t t);

#endif
