/* rreport.h: mail-remote's report, read by mail-rspawn (doc/mail-remote.8) */
#ifndef KIRIM_RREPORT_H
#define KIRIM_RREPORT_H
#include <stddef.h>
#include "stralloc.h"

#define RREPORT_MAX 100         /* recipients in one report */

/* The report is n recipient records ('r' accepted, 'h' permanent failure,
   's' temporary failure, then text, NUL) followed by one message record
   ('K' sent, 'D' permanent, 'Z' temporary, text, NUL); or the message
   record alone, which then stands for every recipient. */
struct rreport {
    unsigned long n;            /* recipient records: 0 or the number asked */
    char rl[RREPORT_MAX];
    const char *rt[RREPORT_MAX];
    size_t rlen[RREPORT_MAX];
    char ml;
    const char *mt;
    size_t mlen;
};

/* Parse a report for n recipients; the texts point into s. 1 when it is
   well formed, 0 when not. */
int rreport_parse(const char *s, size_t len, unsigned long n, struct rreport *r);
/* The result letter of recipient i for mail-send (K, Z or D). */
char rreport_letter(const struct rreport *r, unsigned long i);
/* Its text: the recipient's own for 'h' and 's', else the message's. 0: no memory. */
int rreport_text(const struct rreport *r, unsigned long i, stralloc *t);

#endif
