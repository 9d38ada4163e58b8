/* dsn.h: RFC 3464 delivery status notifications (bounces) */
#ifndef KIRIM_DSN_H
#define KIRIM_DSN_H
#include <stddef.h>
#include <time.h>
#include "stralloc.h"

#define DSN_WHOLEMAX 102400  /* larger messages come back as headers only */

struct dsn {
    const char *me;         /* Reporting-MTA, and the greeting */
    const char *from;       /* From: address (bouncefrom@bouncehost) */
    const char *to;         /* To: address (the sender, or postmaster) */
    const char *boundary;   /* MIME boundary, absent from the message */
    time_t arrival;         /* Arrival-Date */
    time_t now;             /* Date */
    int whole;              /* 1: message/rfc822, 0: text/rfc822-headers */
};

/* Append the bounce up to the start of the returned message: headers,
   the human-readable part, the message/delivery-status part, and the
   header of the third part. recs holds the failed recipients as
   "addr NUL text NUL" pairs (the bounce/ file); a repeated address is
   reported once. Returns 0 on memory error. */
int dsn_head(stralloc *sa, const struct dsn *d, const char *recs, size_t len);
/* Append the closing boundary (after the returned message). */
int dsn_tail(stralloc *sa, const struct dsn *d);
/* The status for a failure text: the last "#5.x.y" in it, else 5.0.0.
   Writes it to out (at least 16 bytes), returns its length. */
size_t dsn_status(char *out, const char *text, size_t len);
/* Length of the header of message s (up to and including the empty line,
   or all of s when it has none). */
size_t dsn_hdrlen(const char *s, size_t len);

#endif
